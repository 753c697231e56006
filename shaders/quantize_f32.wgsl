// Quantize (docs/quantization.md (Q14)): float32 [rows, C] → int8 [rows, ceil(C/4)] packed four
// per u32. q = clamp(roundHalfEven(x · (1/s)) + z, −128, 127) in f32 arithmetic, with 1/s
// computed on the host as a float32 (an f32 multiply is correctly rounded, an f32 division is
// not). NaN becomes z, ±∞ saturate. Needs lib/int8_*.wgsl (pack4_clamp).
//
// One invocation per output word; padding lanes (channel ≥ C) are written 0.

override WORKGROUP_SIZE: u32 = 64u;

struct Quantize {
  rows: u32, channels: u32, words: u32, dispatch_width: u32,
  inverse_scale: f32, zero_point: i32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Quantize;
// The float input, read as its bit patterns: NaN and ±∞ are classified from the bits, since a
// shader compiler may assume floats are finite (x != x can fold to false).
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

fn quantize_value(bits: u32) -> i32 {
  if ((bits & 0x7f800000u) == 0x7f800000u) {
    if ((bits & 0x007fffffu) != 0u) {
      return u.zero_point; // NaN
    }
    return select(127, -128, (bits >> 31u) != 0u); // ±∞
  }
  // A huge finite x can still overflow to ±∞ here: clamp while still a float, so the conversion
  // to i32 never sees a value out of range.
  let r = clamp(round(bitcast<f32>(bits) * u.inverse_scale), -1024.0, 1024.0);
  return clamp(i32(r) + u.zero_point, -128, 127);
}

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
      q[lane] = quantize_value(input[row * u.channels + c]);
    }
  }
  output[index] = pack4_clamp(q);
}
