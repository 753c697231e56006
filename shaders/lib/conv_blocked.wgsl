// What the register-blocked int8 conv kernels share (conv2d_int8_blocked.wgsl: dot4 arithmetic;
// conv2d_int8_blocked_f32.wgsl: f32 arithmetic): an implicit GEMM over NHWC data with channels
// packed four per u32 (docs/quantization.md (Q5)-(Q9)), each invocation a block of consecutive
// output pixels (N·OH·OW order) × 2 packed output words (8 channels), written out by hand, not as
// arrays and loops: software adapters (SwiftShader) keep private arrays in memory and run such
// loops as loops, which costs more than the arithmetic. Needs lib/int8_*.wgsl and
// lib/output_stage.wgsl.
//
// Input  [N, H, W, ceil(C/4)] u32, output [N, OH, OW, ceil(Cout/4)] u32.
// Weights in 8-channel blocks (src/kernels/conv-blocked.ts): [ceil(Cout/8), kh, kw, ceil(Cin/4),
// 8] u32 read as vec4 pairs; zero in padding lanes and padding channels.
// params: per output word, (folded bias (Q6), M0, exponent) as three vec4<i32>.

override WORKGROUP_SIZE: u32 = 64u;
override RESIDUAL: bool = false;
// 1×1, stride 1, no padding: output pixel p reads input pixel p, with no window arithmetic.
override POINTWISE: bool = false;

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
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> params: array<vec4<i32>>;
@group(0) @binding(4) var<storage, read_write> output: array<u32>;
// RESIDUAL: the Add that follows this conv runs in its epilogue, reading the other operand here
// (same shape as the output); one dispatch and one int8 tensor fewer. Otherwise a dummy binding.
@group(0) @binding(5) var<storage, read> residual: array<u32>;

// The input word at offset `base + t`, or the packed zero point where base < 0 (padding).
fn word_at(base: i32, t: u32) -> u32 {
  if (POINTWISE) {
    return input[u32(base) + t]; // never padding
  }
  return select(u.input_zero_packed, input[u32(max(base, 0)) + t], base >= 0);
}

// Where output pixel `pixel` reads its window: the input row of batch b (b·H), and the window's
// top-left corner (iy0, ix0). Integer division is slow on software adapters: done once per
// pixel, not per tap.
fn window_origin(pixel_in: u32) -> vec3<i32> {
  let pixel = min(pixel_in, u.pixels - 1u);
  if (POINTWISE) {
    return vec3<i32>(i32(pixel), 0, 0);
  }
  let ox = pixel % u.ow;
  let oy = (pixel / u.ow) % u.oh;
  let b = pixel / (u.ow * u.oh);
  return vec3<i32>(i32(b * u.h), i32(oy * u.stride_y) - i32(u.pad_top), i32(ox * u.stride_x) - i32(u.pad_left));
}

// Input offset (in words) of the tap at (dy, dx) from a window origin, or -1 where it reads padding.
fn tap_base(origin: vec3<i32>, dy: i32, dx: i32) -> i32 {
  if (POINTWISE) {
    return origin.x * i32(u.in_words);
  }
  let iy = origin.y + dy;
  let ix = origin.z + dx;
  let inside = iy >= 0 && ix >= 0 && iy < i32(u.h) && ix < i32(u.w);
  return select(-1, ((origin.x + iy) * i32(u.w) + ix) * i32(u.in_words), inside);
}

// The output stage of packed output word `word` at output pixel `pixel` (params: bias, M0,
// exponent as vec4 per word), then the fused residual Add if any, exactly as add_int8.wgsl
// computes it on the stored int8 conv output; lanes past Cout are 0.
fn requantize_word(a: vec4<i32>, word: u32, pixel: u32) -> u32 {
  var q = requantize4(a + params[3u * word], params[3u * word + 1u], params[3u * word + 2u], u.output_zero, u.lo, u.hi);
  if (RESIDUAL) {
    let r = unpack4(residual[pixel * u.out_words + word]);
    let sa = multiply_by_quantized_multiplier4((q - vec4<i32>(u.res_zero_a)) * (1 << 20), vec4<i32>(u.res_m0_a), vec4<i32>(u.res_exp_a));
    let sb = multiply_by_quantized_multiplier4((r - vec4<i32>(u.res_zero_b)) * (1 << 20), vec4<i32>(u.res_m0_b), vec4<i32>(u.res_exp_b));
    q = clamp(vec4<i32>(u.res_zero_out) + multiply_by_quantized_multiplier4(sa + sb, vec4<i32>(u.res_m0_out), vec4<i32>(u.res_exp_out)), vec4<i32>(u.res_lo), vec4<i32>(u.res_hi));
  }
  let lane = vec4<u32>(word * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
  return pack4_clamp(select(vec4<i32>(0), q, lane < vec4<u32>(u.cout)));
}

fn store_pixel(pixel: u32, word: u32, lo: vec4<i32>, hi: vec4<i32>) {
  if (pixel >= u.pixels) {
    return;
  }
  output[pixel * u.out_words + word] = requantize_word(lo, word, pixel);
  if (word + 1u < u.out_words) {
    output[pixel * u.out_words + word + 1u] = requantize_word(hi, word + 1u, pixel);
  }
}
