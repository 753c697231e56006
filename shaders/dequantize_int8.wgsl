// Dequantize (docs/quantization.md (Q15)): int8 [rows, ceil(C/4)] packed → float32 [rows, C],
// x = s · (q − z) in f32 (q − z is exact, the multiply correctly rounded). Needs lib/int8_*.wgsl
// (unpack4).
//
// One invocation per input word, writing its (up to) four real lanes; padding lanes are ignored.

override WORKGROUP_SIZE: u32 = 64u;

struct Dequantize {
  rows: u32, channels: u32, words: u32, dispatch_width: u32,
  scale: f32, zero_point: i32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Dequantize;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * u.words) {
    return;
  }
  let word = index % u.words;
  let row = index / u.words;
  let q = unpack4(input[index]);
  for (var lane = 0u; lane < 4u; lane++) {
    let c = word * 4u + lane;
    if (c < u.channels) {
      output[row * u.channels + c] = u.scale * f32(q[lane] - u.zero_point);
    }
  }
}
