// float32 elementwise functions of two tensors with numpy broadcasting (the spec is
// src/ref/float/elementwise-binary.ts). Bools are carried as f32 0 / 1 (comparisons write them,
// And / Or / Xor / Where read them: nonzero is true). Each invocation computes ELEMENTS
// consecutive output elements of an output of rank ≤ 8: an element's coordinates (from the flat
// index, innermost axis first) times each operand's element strides (0 along a broadcast axis)
// locate the operands' elements.

override WORKGROUP_SIZE: u32 = 64u;
// 0 Add, 1 Sub, 2 Mul, 3 Div, 4 Pow, 5 Max, 6 Min, 7 Mod (the divisor's sign), 8 fmod (the
// dividend's), 9 PRelu (b the slope), 10 Equal, 11 Less, 12 LessOrEqual, 13 Greater,
// 14 GreaterOrEqual, 15 And, 16 Or, 17 Xor, 18 (a + b) · scale (a variadic Mean's last step),
// 19 Pow of an integer base: the power truncated to an integer, as the base's type holds it,
// 20 a ? b : 0 and 21 a ? 0 : b (the halves of a Where on condition a).
override OP: u32 = 0u;
// How output elements find their operands: 0 both operands have the output's shape (one to one);
// 1 numpy broadcasting through the strides; 2 b is one element, 3 a is one element (a scalar
// operand, e.g. an input normalisation's Mul and Sub, needs none of the per-axis division).
override BROADCAST: u32 = 1u;
// Output elements an invocation (the planner's dispatch size follows it).
override ELEMENTS: u32 = 4u;

struct Binary {
  total: u32, dispatch_width: u32, rank: u32, scale: f32,
  // Innermost axis first, at most 8; 1-padded.
  out_shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Binary;
@group(0) @binding(1) var<storage, read> input_a: array<f32>;
@group(0) @binding(2) var<storage, read> input_b: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

// a^b for any sign of a: WGSL's pow is undefined for a < 0 (and at 0), so |a|^b with the sign of
// an odd integer exponent (a negative base with a fractional exponent is NaN, as in C).
fn pow_f32(a: f32, b: f32) -> f32 {
  if (b == 0.0) {
    return 1.0;
  }
  if (a == 0.0) {
    return select(0.0, 1.0 / a, b < 0.0);
  }
  if (b == floor(b) && abs(b) <= 64.0) {
    // An integer exponent by repeated squaring: exact wherever the power is (9^3 = 729, not
    // exp2(3 · log2 9) = 729.0002), any sign of base.
    var n = u32(abs(b));
    var base = a;
    var r = 1.0;
    while (n > 0u) {
      if ((n & 1u) == 1u) {
        r *= base;
      }
      base *= base;
      n = n >> 1u;
    }
    return select(r, 1.0 / r, b < 0.0);
  }
  if (a < 0.0) {
    return sqrt(-1.0 - abs(a)); // NaN: a negative base to a fractional power
  }
  return exp2(b * log2(a));
}

// C fmod: a − b · trunc(a / b), the dividend's sign.
fn fmod_f32(a: f32, b: f32) -> f32 {
  return a - b * trunc(a / b);
}

fn apply(a: f32, b: f32) -> f32 {
  var y: f32;
  switch (OP) {
    case 0u: { y = a + b; }
    case 1u: { y = a - b; }
    case 2u: { y = a * b; }
    case 3u: { y = a / b; }
    case 4u: { y = pow_f32(a, b); }
    case 19u: { y = trunc(pow_f32(a, b)); }
    case 20u: { y = select(0.0, b, a != 0.0); }
    case 21u: { y = select(b, 0.0, a != 0.0); }
    case 5u: { y = max(a, b); }
    case 6u: { y = min(a, b); }
    case 7u: {
      let r = fmod_f32(a, b);
      y = select(r, r + b, r != 0.0 && ((r < 0.0) != (b < 0.0)));
    }
    case 8u: { y = fmod_f32(a, b); }
    case 9u: { y = select(a, a * b, a < 0.0); }
    case 10u: { y = select(0.0, 1.0, a == b); }
    case 11u: { y = select(0.0, 1.0, a < b); }
    case 12u: { y = select(0.0, 1.0, a <= b); }
    case 13u: { y = select(0.0, 1.0, a > b); }
    case 14u: { y = select(0.0, 1.0, a >= b); }
    case 15u: { y = select(0.0, 1.0, a != 0.0 && b != 0.0); }
    case 16u: { y = select(0.0, 1.0, a != 0.0 || b != 0.0); }
    case 17u: { y = select(0.0, 1.0, (a != 0.0) != (b != 0.0)); }
    default: { y = (a + b) * u.scale; }
  }
  return y;
}

// Operand element indices of output element `index` under numpy broadcasting (BROADCAST 1).
fn strided(index: u32) -> vec2<u32> {
  var at = vec2<u32>(0u);
  var rest = index;
  for (var d = 0u; d < u.rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    let coord = rest % dim;
    rest = rest / dim;
    at += coord * vec2<u32>(u.a_strides[d / 4u][d % 4u], u.b_strides[d / 4u][d % 4u]);
  }
  return at;
}

// Operand element indices of output element `first + e`, given those of `first` (`at_first`).
// Under broadcasting an invocation's elements stay within one innermost row (the planner makes
// ELEMENTS divide the innermost dim), so they follow by one stride each: no per-element branch,
// which SwiftShader runs masked on every lane (2–5× the one-to-one Add's time on a mask add).
fn operands_of(first: u32, e: u32, at_first: vec2<u32>) -> vec2<u32> {
  switch (BROADCAST) {
    case 0u: { return vec2<u32>(first + e); }
    case 2u: { return vec2<u32>(first + e, 0u); }
    case 3u: { return vec2<u32>(0u, first + e); }
    default: { return at_first + e * vec2<u32>(u.a_strides[0].x, u.b_strides[0].x); }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let first = (id.y * u.dispatch_width + id.x) * ELEMENTS;
  var at_first = vec2<u32>(0u);
  if (BROADCAST == 1u && first < u.total) {
    at_first = strided(first);
  }
  for (var e = 0u; e < ELEMENTS; e++) {
    let index = first + e;
    if (index >= u.total) {
      return;
    }
    let at = operands_of(first, e, at_first);
    output[index] = apply(input_a[at.x], input_b[at.y]);
  }
}
