// Quantize (docs/quantization.md (Q14)): float32 [rows, C] → int8 [rows, ceil(C/4)] packed four
// per u32. Needs lib/int8_*.wgsl (pack4_clamp) and lib/quantize.wgsl (quantize_bits).
//
// One invocation per output word; padding lanes (channel ≥ C) are written 0.

override WORKGROUP_SIZE: u32 = 64u;

struct Quantize {
  rows: u32, channels: u32, words: u32, dispatch_width: u32,
  inverse_scale: f32, zero_point: i32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Quantize;
// The float input, read as its bit patterns (see quantize_bits).
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * u.words) {
    return;
  }
  let word = index % u.words;
  let row = index / u.words;
  var q = vec4<i32>(0);
  for (var lane = 0u; lane < 4u; lane++) {
    let c = word * 4u + lane;
    if (c < u.channels) {
      q[lane] = quantize_bits(input[row * u.channels + c], u.inverse_scale, u.zero_point);
    }
  }
  output[index] = pack4_clamp(q);
}
