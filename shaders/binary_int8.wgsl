// int8 Add with two input scales (docs/quantization.md (Q13), TFLite's int8 Add) or int8 Mul
// (Q21), with numpy broadcasting. Needs lib/int8_*.wgsl (unpack4, pack4_clamp) and lib/output_stage.wgsl
// (multiply_by_quantized_multiplier).
//
// Output [rows, ceil(C/4)] u32, rows = the product of the leading (all but last) output dims.
// An operand's row is found from the output row through per-dimension row strides (0 along a
// broadcast dimension); along the channel dimension an operand either has C channels (word for
// word with the output) or 1 channel (its lane 0 broadcast to every lane).
// One invocation per output word; padding lanes are written 0.

override WORKGROUP_SIZE: u32 = 64u;
// false when both operands have the output's shape: rows and lanes map one to one.
override BROADCAST: bool = true;
// true: the product (Q21), requantized by a_m0 / a_exponent; false: the sum (Q13).
override MUL: bool = false;

struct Add {
  rows: u32, channels: u32, words: u32, dispatch_width: u32,
  lead_rank: u32, a_words: u32, b_words: u32, _pad0: u32,
  a_broadcast_lanes: u32, b_broadcast_lanes: u32, a_zero: i32, b_zero: i32,
  a_m0: i32, a_exponent: i32, b_m0: i32, b_exponent: i32,
  out_m0: i32, out_exponent: i32, out_zero: i32, lo: i32,
  hi: i32, _pad1: u32, _pad2: u32, _pad3: u32,
  // Leading output dims, innermost first (at most 8), and each operand's row stride along them.
  lead_shape: array<vec4<u32>, 2>,
  a_row_strides: array<vec4<u32>, 2>,
  b_row_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Add;
@group(0) @binding(1) var<storage, read> input_a: array<u32>;
@group(0) @binding(2) var<storage, read> input_b: array<u32>;
@group(0) @binding(3) var<storage, read_write> output: array<u32>;

const LEFT_SHIFT: i32 = 1 << 20;

// Lanes of an operand for output word `word`: its own word, or lane 0 of its single-channel row.
fn operand_lanes(word_value: u32, broadcast_lanes: bool) -> vec4<i32> {
  let v = unpack4(word_value);
  return select(v, vec4<i32>(v.x), broadcast_lanes);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * u.words) {
    return;
  }
  let word = index % u.words;
  let row = index / u.words;
  var qa: vec4<i32>;
  var qb: vec4<i32>;
  if (BROADCAST) {
    var rest = row;
    var a_row = 0u;
    var b_row = 0u;
    for (var d = 0u; d < u.lead_rank; d++) {
      let dim = u.lead_shape[d / 4u][d % 4u];
      let coord = rest % dim;
      rest = rest / dim;
      a_row += coord * u.a_row_strides[d / 4u][d % 4u];
      b_row += coord * u.b_row_strides[d / 4u][d % 4u];
    }
    let a_broadcast = u.a_broadcast_lanes != 0u;
    let b_broadcast = u.b_broadcast_lanes != 0u;
    qa = operand_lanes(input_a[a_row * u.a_words + select(word, 0u, a_broadcast)], a_broadcast);
    qb = operand_lanes(input_b[b_row * u.b_words + select(word, 0u, b_broadcast)], b_broadcast);
  } else {
    qa = unpack4(input_a[index]);
    qb = unpack4(input_b[index]);
  }
  // All four lanes at once (lib/output_stage.wgsl's lane-wise stage); lanes past C are 0.
  var scaled: vec4<i32>;
  if (MUL) {
    // |product| ≤ 255², and the quantizer keeps a_exponent ≤ 15: the shift cannot wrap.
    scaled = multiply_by_quantized_multiplier4((qa - vec4<i32>(u.a_zero)) * (qb - vec4<i32>(u.b_zero)), vec4<i32>(u.a_m0), vec4<i32>(u.a_exponent));
  } else {
    let sa = multiply_by_quantized_multiplier4((qa - vec4<i32>(u.a_zero)) * LEFT_SHIFT, vec4<i32>(u.a_m0), vec4<i32>(u.a_exponent));
    let sb = multiply_by_quantized_multiplier4((qb - vec4<i32>(u.b_zero)) * LEFT_SHIFT, vec4<i32>(u.b_m0), vec4<i32>(u.b_exponent));
    scaled = multiply_by_quantized_multiplier4(sa + sb, vec4<i32>(u.out_m0), vec4<i32>(u.out_exponent));
  }
  let q = clamp(vec4<i32>(u.out_zero) + scaled, vec4<i32>(u.lo), vec4<i32>(u.hi));
  let lane = vec4<u32>(word * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  output[index] = pack4_clamp(select(vec4<i32>(0), q, lane < vec4<u32>(u.channels)));
}
