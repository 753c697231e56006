// The shared int8 output stage (docs/quantization.md (Q9)–(Q12)): fixed-point requantization of
// an int32 accumulator, exactly as src/quant/fixed-point.ts computes it. WGSL has no i64, so the
// 64-bit product of SRDHM is built from 16-bit halves.

// (Q10) SaturatingRoundingDoublingHighMul(a, b) for b = M0 in [0, 2^31).
fn srdhm(a: i32, b: i32) -> i32 {
  let negative = ((a < 0) != (b < 0)) & (a != 0) & (b != 0);
  // abs(-2^31) is -2^31 in WGSL; as u32 that is 2^31, the right magnitude.
  let x = u32(abs(a));
  let y = u32(abs(b));
  let x0 = x & 0xffffu;
  let x1 = x >> 16u;
  let y0 = y & 0xffffu;
  let y1 = y >> 16u;
  let p01 = x0 * y1;
  let mid = p01 + x1 * y0;
  let mid_carry = select(0u, 0x10000u, mid < p01);
  let p00 = x0 * y0;
  let lo = p00 + (mid << 16u);
  var hi = x1 * y1 + (mid >> 16u) + mid_carry + select(0u, 1u, lo < p00);
  // Positive products round with +2^30; negative ones truncate toward zero after adding
  // 1 - 2^30, i.e. their magnitude rounds with +(2^30 - 1).
  let nudged = lo + select(0x40000000u, 0x3fffffffu, negative);
  hi = hi + select(0u, 1u, nudged < lo);
  let magnitude = i32((hi << 1u) | (nudged >> 31u));
  return select(magnitude, -magnitude, negative);
}

// (Q11) RoundingDivideByPOT: x / 2^n rounded half away from zero, 0 <= n <= 31.
fn rdbpot(x: i32, n: u32) -> i32 {
  if (n == 0u) {
    return x;
  }
  let mask = i32((1u << n) - 1u);
  let remainder = x & mask;
  let threshold = (mask >> 1u) + select(0, 1, x < 0);
  return (x >> n) + select(0, 1, remainder > threshold);
}

// (Q9) without the zero point and clamp: x · M0 · 2^(exponent - 31).
fn multiply_by_quantized_multiplier(x: i32, m0: i32, exponent: i32) -> i32 {
  let left = u32(max(exponent, 0));
  let right = u32(max(-exponent, 0));
  return rdbpot(srdhm(x * (1 << left), m0), right);
}

// (Q9) + (Q12): the whole output stage, before the saturating pack.
fn requantize(acc: i32, m0: i32, exponent: i32, zero_point: i32, lo: i32, hi: i32) -> i32 {
  return clamp(zero_point + multiply_by_quantized_multiplier(acc, m0, exponent), lo, hi);
}

// The same output stage for four channels at once (lane-wise, bit for bit the scalar functions
// above): no per-lane loop or dynamic vector indexing, which software adapters run slowly.

fn srdhm4(a: vec4<i32>, b: vec4<i32>) -> vec4<i32> {
  // Fewer operations than srdhm, the same bits: b = M0 >= 0, so the product's sign is a's (a zero
  // product's magnitude is 0 either way) and b needs no abs; and with x, y <= 2^31 the two cross
  // products are each below 2^31, so their sum `mid` cannot carry.
  let negative = a < vec4<i32>(0);
  let x = bitcast<vec4<u32>>(abs(a));
  let y = bitcast<vec4<u32>>(b);
  let m16 = vec4<u32>(0xffffu);
  let x0 = x & m16;
  let x1 = x >> vec4<u32>(16u);
  let y0 = y & m16;
  let y1 = y >> vec4<u32>(16u);
  let mid = x0 * y1 + x1 * y0;
  let p00 = x0 * y0;
  let lo = p00 + (mid << vec4<u32>(16u));
  var hi = x1 * y1 + (mid >> vec4<u32>(16u)) + select(vec4<u32>(0u), vec4<u32>(1u), lo < p00);
  let nudged = lo + select(vec4<u32>(0x40000000u), vec4<u32>(0x3fffffffu), negative);
  hi = hi + select(vec4<u32>(0u), vec4<u32>(1u), nudged < lo);
  let magnitude = bitcast<vec4<i32>>((hi << vec4<u32>(1u)) | (nudged >> vec4<u32>(31u)));
  return select(magnitude, -magnitude, negative);
}

fn rdbpot4(x: vec4<i32>, n: vec4<u32>) -> vec4<i32> {
  // n = 0 needs no special case here: mask 0, remainder 0, never above the threshold.
  let mask = bitcast<vec4<i32>>((vec4<u32>(1u) << n) - vec4<u32>(1u));
  let remainder = x & mask;
  let threshold = (mask >> vec4<u32>(1u)) + select(vec4<i32>(0), vec4<i32>(1), x < vec4<i32>(0));
  return (x >> n) + select(vec4<i32>(0), vec4<i32>(1), remainder > threshold);
}

fn multiply_by_quantized_multiplier4(x: vec4<i32>, m0: vec4<i32>, exponent: vec4<i32>) -> vec4<i32> {
  let left = bitcast<vec4<u32>>(max(exponent, vec4<i32>(0)));
  let right = bitcast<vec4<u32>>(max(-exponent, vec4<i32>(0)));
  // x · 2^left as a shift: the same wrapped bits as the multiply.
  return rdbpot4(srdhm4(x << left, m0), right);
}

fn requantize4(acc: vec4<i32>, m0: vec4<i32>, exponent: vec4<i32>, zero_point: i32, lo: i32, hi: i32) -> vec4<i32> {
  let scaled = multiply_by_quantized_multiplier4(acc, m0, exponent);
  return clamp(vec4<i32>(zero_point) + scaled, vec4<i32>(lo), vec4<i32>(hi));
}
