// (Q14) one float32, given as its bit pattern, to int8: q = clamp(roundHalfEven(x · (1/s)) + z,
// −128, 127) in f32 arithmetic, with 1/s computed on the host as a float32 (an f32 multiply is
// correctly rounded, an f32 division is not). NaN becomes z, ±∞ saturate. The bits, not the
// float: NaN and ±∞ are classified from them, since a shader compiler may assume floats are
// finite (x != x can fold to false).
fn quantize_bits(bits: u32, inverse_scale: f32, zero_point: i32) -> i32 {
  if ((bits & 0x7f800000u) == 0x7f800000u) {
    if ((bits & 0x007fffffu) != 0u) {
      return zero_point; // NaN
    }
    return select(127, -128, (bits >> 31u) != 0u); // ±∞
  }
  // A huge finite x can still overflow to ±∞ here: clamp while still a float, so the conversion
  // to i32 never sees a value out of range.
  let r = clamp(round(bitcast<f32>(bits) * inverse_scale), -1024.0, 1024.0);
  return clamp(i32(r) + zero_point, -128, 127);
}
