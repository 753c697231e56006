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

// (D5) One output of a dynamic product: the exact sum from the raw dot products by the expansion
//   Σ (a − z_a)(w − z_w) = Σ a·w − z_w Σ a − z_a Σ w + K₄ z_a z_w   (sums over the padded K₄),
// then fl(fl(acc) · fl(s_a · s_w)) (+ bias). `column`: Σ w (i32), z_w (i32), s_w and bias (f32
// bits). `opaque_zero` is 0 at run time, XOR-ed into the products' bits so no compiler can fuse a
// product into the add after it (WGSL allows fusing; the CPU reference rounds each).
fn dynamic_output(dot: i32, row_sum: i32, k4: i32, p: DynamicQParams, column: vec4<u32>, has_bias: bool, opaque_zero: u32) -> f32 {
  let w_sum = bitcast<i32>(column.x);
  let w_zero = bitcast<i32>(column.y);
  let exact = dot - w_zero * row_sum - p.zero_point * w_sum + k4 * p.zero_point * w_zero;
  // acc as the nearest f32, exactly: |acc >> 8| < 2^24 converts exactly, and one correctly
  // rounded add joins the low byte (WGSL leaves an inexact i32 → f32 conversion's rounding open).
  let acc = f32(exact >> 8u) * 256.0 + f32(exact & 255);
  let scale = bitcast<f32>(bitcast<u32>(p.scale * bitcast<f32>(column.z)) ^ opaque_zero);
  let y = bitcast<f32>(bitcast<u32>(acc * scale) ^ opaque_zero);
  if (has_bias) {
    return y + bitcast<f32>(column.w);
  }
  return y;
}

// The packed signed code of 0.0 in all four lanes: what a padding tap reads.
fn dynamic_zero_word(p: DynamicQParams) -> u32 {
  return (bitcast<u32>(p.zero_point) & 0xffu) * 0x01010101u;
}
