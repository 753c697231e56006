// What the fast int8 conv kernels (conv2d_int8_blocked*, conv2d_int8_dw) share: their uniforms
// (src/kernels/conv-common.ts, convUniforms), the bindings other than input and weights, and the
// output stage with the fused residual Add. Needs lib/int8_*.wgsl and lib/output_stage.wgsl.

override RESIDUAL: bool = false;

struct Conv {
  n: u32, h: u32, w: u32, in_words: u32,
  oh: u32, ow: u32, cout: u32, out_words: u32,
  kh: u32, kw: u32, stride_y: u32, stride_x: u32,
  dilation_y: u32, dilation_x: u32, pad_top: u32, pad_left: u32,
  cin_per_group: u32, cout_per_group: u32, tap_words: u32, input_zero_packed: u32,
  input_zero: i32, output_zero: i32, lo: i32, hi: i32,
  dispatch_width: u32, pixel_blocks: u32, pixels: u32, _pad0: u32,
  // A fused residual Add (Q13) of this conv's output (operand a) and `residual` (operand b).
  res_zero_a: i32, res_zero_b: i32, res_m0_a: i32, res_exp_a: i32,
  res_m0_b: i32, res_exp_b: i32, res_m0_out: i32, res_exp_out: i32,
  res_zero_out: i32, res_lo: i32, res_hi: i32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Conv;
// Bindings 1 and 2, input and weights, are the kernel's own (their element types differ).
@group(0) @binding(3) var<storage, read> params: array<vec4<i32>>;
@group(0) @binding(4) var<storage, read_write> output: array<u32>;
// RESIDUAL: the Add that follows this conv runs in its epilogue, reading the other operand here
// (same shape as the output); one dispatch and one int8 tensor fewer. Otherwise a dummy binding.
@group(0) @binding(5) var<storage, read> residual: array<u32>;

// The output stage of packed output word `word` at output pixel `pixel` (params: bias, M0,
// exponent and each channel's upper clamp bound (Q12b) as vec4 per word), then the fused residual Add if any, exactly as add_int8.wgsl
// computes it on the stored int8 conv output; lanes past Cout are 0.
fn requantize_word(a: vec4<i32>, word: u32, pixel: u32) -> u32 {
  var q = min(requantize4(a + params[4u * word], params[4u * word + 1u], params[4u * word + 2u], u.output_zero, u.lo, u.hi), params[4u * word + 3u]);
  if (RESIDUAL) {
    let r = unpack4(residual[pixel * u.out_words + word]);
    let sa = multiply_by_quantized_multiplier4((q - vec4<i32>(u.res_zero_a)) * (1 << 20), vec4<i32>(u.res_m0_a), vec4<i32>(u.res_exp_a));
    let sb = multiply_by_quantized_multiplier4((r - vec4<i32>(u.res_zero_b)) * (1 << 20), vec4<i32>(u.res_m0_b), vec4<i32>(u.res_exp_b));
    q = clamp(vec4<i32>(u.res_zero_out) + multiply_by_quantized_multiplier4(sa + sb, vec4<i32>(u.res_m0_out), vec4<i32>(u.res_exp_out)), vec4<i32>(u.res_lo), vec4<i32>(u.res_hi));
  }
  let lane = vec4<u32>(word * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  return pack4_clamp(select(vec4<i32>(0), q, lane < vec4<u32>(u.cout)));
}
