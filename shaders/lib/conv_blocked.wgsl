// What the register-blocked int8 conv kernels share (conv2d_int8_blocked.wgsl: dot4 arithmetic;
// conv2d_int8_blocked_f32.wgsl: f32 arithmetic): an implicit GEMM over NHWC data with channels
// packed four per u32 (docs/quantization.md (Q5)-(Q9)), each invocation a block of consecutive
// output pixels (N·OH·OW order) × 2 packed output words (8 channels), written out by hand, not as
// arrays and loops: software adapters (SwiftShader) keep private arrays in memory and run such
// loops as loops, which costs more than the arithmetic. Needs lib/int8_*.wgsl,
// lib/output_stage.wgsl and lib/conv_epilogue.wgsl.
//
// Input  [N, H, W, ceil(C/4)] u32, output [N, OH, OW, ceil(Cout/4)] u32.
// Weights in 8-channel blocks (src/kernels/conv-blocked.ts): [ceil(Cout/8), kh, kw, ceil(Cin/4),
// 8] u32 read as vec4 pairs; zero in padding lanes and padding channels.
// params: per output word, (folded bias (Q6), M0, exponent, channel upper bound (Q12b)) as four vec4<i32>.

override WORKGROUP_SIZE: u32 = 64u;
// 1×1, stride 1, no padding: output pixel p reads input pixel p, with no window arithmetic.
override POINTWISE: bool = false;

@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<vec4<u32>>;

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
  // & rather than &&: no branches (software adapters run both sides of one that invocations split on).
  let inside = (iy >= 0) & (ix >= 0) & (iy < i32(u.h)) & (ix < i32(u.w));
  return select(-1, ((origin.x + iy) * i32(u.w) + ix) * i32(u.in_words), inside);
}

// Writes the block's 4 pixels × 2 output words (accumulator apo: pixel p, word o), requantized,
// skipping pixels past the end and a second word past Cout. One loop around one output stage, not
// eight stages written out: SwiftShader's per-invocation setup grows with the code, and with eight
// inlined output stages a kernel edited to return at once still took ~0.38 ms a dispatch (~0.12
// without them). Measured A/B on Dawn: BlazeFace's dense convs 6-11% faster, the bundled model's
// ~7% (noisy), MobileNetV2's ~3%.
fn store_block(first: u32, word: u32, a00: vec4<i32>, a01: vec4<i32>, a10: vec4<i32>, a11: vec4<i32>, a20: vec4<i32>, a21: vec4<i32>, a30: vec4<i32>, a31: vec4<i32>) {
  for (var k = 0u; k < 8u; k++) {
    let p = k >> 1u;
    let o = k & 1u;
    let lo = select(select(a00, a10, p == 1u), select(a20, a30, p == 3u), p >= 2u);
    let hi = select(select(a01, a11, p == 1u), select(a21, a31, p == 3u), p >= 2u);
    let pixel = first + p;
    if (pixel < u.pixels && word + o < u.out_words) {
      output[pixel * u.out_words + word + o] = requantize_word(select(lo, hi, o == 1u), word + o, pixel);
    }
  }
}
