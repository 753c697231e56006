// float32 sampling of each image's plane by constant taps, channels sharing them (GridSample
// with a constant grid; the spec is src/ref/float/spatial-grid-sample.ts): input [N, C, plane]
// and output [N, C, out_plane], output position o of image n is Σ_t weight[(n·out_plane + o)·taps
// + t] · x[n, c, index[…]], tables derived from the reference at planning (unused taps weigh 0).
// One invocation per output element.

override WORKGROUP_SIZE: u32 = 64u;

struct Taps {
  total: u32, dispatch_width: u32, channels: u32, plane: u32,
  out_plane: u32, taps: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Taps;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> index: array<i32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let e = id.y * u.dispatch_width + id.x;
  if (e >= u.total) {
    return;
  }
  let o = e % u.out_plane;
  let nc = e / u.out_plane;
  let n = nc / u.channels;
  let base = nc * u.plane;
  var sum = 0.0;
  for (var t = 0u; t < u.taps; t++) {
    let k = (n * u.out_plane + o) * u.taps + t;
    let w = weight[k];
    if (w != 0.0) {
      sum += w * input[base + u32(index[k])];
    }
  }
  output[e] = sum;
}
