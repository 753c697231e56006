// Dynamic quantization's scalar arithmetic (docs/quantization.md (D2)), the twin of
// src/quant/dynamic.ts step for step: f32 division done on the bits by integer long division,
// correctly rounded (WGSL's f32 `/` may be 2.5 ULP off, and the scale must be the same bits on
// every adapter and in the CPU reference).

// A finite non-negative float's significand in [2^23, 2^24) and unbiased exponent.
fn dyn_unpack(bits: u32) -> vec2<i32> {
  var e = i32((bits >> 23u) & 0xffu);
  var m = bits & 0x7fffffu;
  if (e == 0) {
    e = 1;
    while (m < 0x800000u) {
      m = m << 1u;
      e -= 1;
    }
  } else {
    m = m | 0x800000u;
  }
  return vec2<i32>(i32(m), e - 127);
}

// a / b for finite a ≥ 0, b > 0, rounded to nearest even; 0 below the normal range, +∞ above.
fn divide_rounded(a: f32, b: f32) -> f32 {
  let ab = bitcast<u32>(a);
  if ((ab & 0x7fffffffu) == 0u) {
    return 0.0;
  }
  let x = dyn_unpack(ab);
  let y = dyn_unpack(bitcast<u32>(b));
  let ym = u32(y.x);
  var r = u32(x.x);
  var e = x.y - y.y;
  if (r < ym) {
    r = r << 1u;
    e -= 1;
  }
  var q = 0u;
  for (var i = 0u; i < 26u; i++) {
    q = q << 1u;
    if (r >= ym) {
      r -= ym;
      q |= 1u;
    }
    r = r << 1u;
  }
  let sticky = r != 0u;
  let guard_bit = (q >> 1u) & 1u;
  let round_bit = q & 1u;
  var m = q >> 2u;
  if (guard_bit == 1u && (round_bit == 1u || sticky || (m & 1u) == 1u)) {
    m += 1u;
  }
  if (m == 0x1000000u) {
    m = m >> 1u;
    e += 1;
  }
  let biased = e + 127;
  if (biased <= 0) {
    return 0.0;
  }
  if (biased >= 255) {
    // +∞, built at run time (a constant +∞ is a WGSL error).
    return bitcast<f32>(u32(min(biased, 255)) << 23u);
  }
  return bitcast<f32>((u32(biased) << 23u) | (m & 0x7fffffu));
}

// (D2) The row's scale, its zero point less 128 (the signed code of 0.0), and the scale's inverse.
struct DynamicQParams {
  scale: f32,
  zero_point: i32,
  inverse: f32,
  _pad: u32,
}

fn dynamic_qparams(min_value: f32, max_value: f32) -> DynamicQParams {
  let lo = min(0.0, min_value);
  let hi = max(0.0, max_value);
  var span = 1.0;
  if (hi != lo) {
    span = hi - lo;
  }
  let scale = divide_rounded(span, 255.0);
  let zero_point = clamp(i32(round(divide_rounded(-lo, scale))), 0, 255);
  return DynamicQParams(scale, zero_point - 128, divide_rounded(1.0, scale), 0u);
}
