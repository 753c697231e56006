// float32 Resize, one axis per dispatch (the spec is src/ref/float/resample.ts, separable as it
// is): the data is [outer, len, inner] in and [outer, out_len, inner] out, and output index o
// along the axis is Σ_t weight[o·taps + t] · x[index[o·taps + t]] over the axis's `taps` taps
// (nearest 1, linear 2, cubic 4; unused taps weigh 0), tables derived from the reference at
// planning. One invocation per output element.

override WORKGROUP_SIZE: u32 = 64u;

struct Resample {
  total: u32, dispatch_width: u32, len: u32, out_len: u32,
  inner: u32, taps: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Resample;
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
  let i = e % u.inner;
  let o = (e / u.inner) % u.out_len;
  let b = e / (u.inner * u.out_len);
  var sum = 0.0;
  for (var t = 0u; t < u.taps; t++) {
    let k = o * u.taps + t;
    let w = weight[k];
    if (w != 0.0) {
      sum += w * input[(b * u.len + u32(index[k])) * u.inner + i];
    }
  }
  output[e] = sum;
}
