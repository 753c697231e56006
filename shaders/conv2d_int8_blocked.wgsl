// int8 convolution (group = 1) as a register-blocked implicit GEMM over NHWC data with channels
// packed four per u32 (docs/quantization.md (Q5)-(Q9)). One invocation computes 4 output pixels
// (consecutive in N·OH·OW order) × 2 packed output words (8 channels), so each input word loaded
// feeds 8 products and each weight word 4. The block is written out by hand, not as arrays and
// loops: software adapters (SwiftShader) keep private arrays in memory and run such loops as
// loops, which costs more than the arithmetic. Needs lib/int8_*.wgsl, lib/output_stage.wgsl and
// a prelude defining F32_MATH (src/kernels/shaders.ts):
//   F32_MATH = false: dot4 (dot4I8Packed, or its emulation) into i32 accumulators;
//   F32_MATH = true:  int8 lanes unpacked to f32 and summed with f32 dot products. Every product
//     is an integer of magnitude <= 128·127 = 16256, so a partial sum of at most CHUNK_WORDS·4 =
//     1024 products stays below 2^24 and is exact in f32; each chunk is then added to an i32
//     accumulator, so the result is the same int32 sum as the dot4 path.
//
// Input  [N, H, W, ceil(C/4)] u32, output [N, OH, OW, ceil(Cout/4)] u32.
// Weights in 8-channel blocks (src/kernels/conv-blocked.ts): [ceil(Cout/8), kh, kw, ceil(Cin/4),
// 8] u32 read as vec4 pairs; zero in padding lanes and padding channels.
// params: per output word, (folded bias (Q6), M0, exponent) as three vec4<i32>.

override WORKGROUP_SIZE: u32 = 64u;
override RESIDUAL: bool = false;
// 1×1, stride 1, no padding: output pixel p reads input pixel p, with no window arithmetic.
override POINTWISE: bool = false;

const CHUNK_WORDS = 256u;

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

fn dots_i(x: u32, w: vec4<u32>) -> vec4<i32> {
  return vec4<i32>(dot4(x, w.x), dot4(x, w.y), dot4(x, w.z), dot4(x, w.w));
}

fn dots_f(y: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(dot(y, w0), dot(y, w1), dot(y, w2), dot(y, w3));
}

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

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  let blocks = (u.out_words + 1u) / 2u;
  if (index >= blocks * u.pixel_blocks) {
    return;
  }
  // Pixel blocks vary fastest: neighbouring invocations share their weights.
  let pb = index % u.pixel_blocks;
  let ocb = index / u.pixel_blocks;
  let first = pb * 4u;
  // Accumulators in function scope (registers): pixel p (0-3) × output word o (0-1), four
  // channels each. i32 totals, and the f32 variant's current chunk.
  var a00 = vec4<i32>(0); var a01 = vec4<i32>(0);
  var a10 = vec4<i32>(0); var a11 = vec4<i32>(0);
  var a20 = vec4<i32>(0); var a21 = vec4<i32>(0);
  var a30 = vec4<i32>(0); var a31 = vec4<i32>(0);
  var f00 = vec4<f32>(0.0); var f01 = vec4<f32>(0.0);
  var f10 = vec4<f32>(0.0); var f11 = vec4<f32>(0.0);
  var f20 = vec4<f32>(0.0); var f21 = vec4<f32>(0.0);
  var f30 = vec4<f32>(0.0); var f31 = vec4<f32>(0.0);
  // Words summed in f32 since the last flush into the i32 accumulators.
  var pending = 0u;
  var wi = ocb * u.kh * u.kw * u.tap_words * 2u;
  let o0 = window_origin(first);
  let o1 = window_origin(first + 1u);
  let o2 = window_origin(first + 2u);
  let o3 = window_origin(first + 3u);
  for (var ky = 0u; ky < u.kh; ky++) {
    let dy = i32(ky * u.dilation_y);
    for (var kx = 0u; kx < u.kw; kx++) {
      let dx = i32(kx * u.dilation_x);
      let b0 = tap_base(o0, dy, dx);
      let b1 = tap_base(o1, dy, dx);
      let b2 = tap_base(o2, dy, dx);
      let b3 = tap_base(o3, dy, dx);
      var t0 = 0u;
      while (t0 < u.tap_words) {
        // dp4a: the whole tap at once. f32: up to the end of the current exact chunk.
        let t1 = select(u.tap_words, min(u.tap_words, t0 + CHUNK_WORDS - pending), F32_MATH);
        for (var t = t0; t < t1; t++) {
          let wa = weights[wi];
          let wb = weights[wi + 1u];
          wi += 2u;
          let x0 = word_at(b0, t);
          let x1 = word_at(b1, t);
          let x2 = word_at(b2, t);
          let x3 = word_at(b3, t);
          if (F32_MATH) {
            // Each weight word unpacked once: 8 unpacks and 4 input unpacks feed 32 dot products.
            let wa0 = vec4<f32>(unpack4(wa.x)); let wa1 = vec4<f32>(unpack4(wa.y));
            let wa2 = vec4<f32>(unpack4(wa.z)); let wa3 = vec4<f32>(unpack4(wa.w));
            let wb0 = vec4<f32>(unpack4(wb.x)); let wb1 = vec4<f32>(unpack4(wb.y));
            let wb2 = vec4<f32>(unpack4(wb.z)); let wb3 = vec4<f32>(unpack4(wb.w));
            let y0 = vec4<f32>(unpack4(x0));
            let y1 = vec4<f32>(unpack4(x1));
            let y2 = vec4<f32>(unpack4(x2));
            let y3 = vec4<f32>(unpack4(x3));
            f00 += dots_f(y0, wa0, wa1, wa2, wa3); f01 += dots_f(y0, wb0, wb1, wb2, wb3);
            f10 += dots_f(y1, wa0, wa1, wa2, wa3); f11 += dots_f(y1, wb0, wb1, wb2, wb3);
            f20 += dots_f(y2, wa0, wa1, wa2, wa3); f21 += dots_f(y2, wb0, wb1, wb2, wb3);
            f30 += dots_f(y3, wa0, wa1, wa2, wa3); f31 += dots_f(y3, wb0, wb1, wb2, wb3);
          } else {
            a00 += dots_i(x0, wa); a01 += dots_i(x0, wb);
            a10 += dots_i(x1, wa); a11 += dots_i(x1, wb);
            a20 += dots_i(x2, wa); a21 += dots_i(x2, wb);
            a30 += dots_i(x3, wa); a31 += dots_i(x3, wb);
          }
        }
        pending += t1 - t0;
        if (F32_MATH && pending == CHUNK_WORDS) {
          // Every f32 partial sum is an exact integer: move the chunk into the i32 totals.
          a00 += vec4<i32>(f00); a01 += vec4<i32>(f01); a10 += vec4<i32>(f10); a11 += vec4<i32>(f11);
          a20 += vec4<i32>(f20); a21 += vec4<i32>(f21); a30 += vec4<i32>(f30); a31 += vec4<i32>(f31);
          f00 = vec4<f32>(0.0); f01 = vec4<f32>(0.0); f10 = vec4<f32>(0.0); f11 = vec4<f32>(0.0);
          f20 = vec4<f32>(0.0); f21 = vec4<f32>(0.0); f30 = vec4<f32>(0.0); f31 = vec4<f32>(0.0);
          pending = 0u;
        }
        t0 = t1;
      }
    }
  }
  if (F32_MATH) {
    a00 += vec4<i32>(f00); a01 += vec4<i32>(f01); a10 += vec4<i32>(f10); a11 += vec4<i32>(f11);
    a20 += vec4<i32>(f20); a21 += vec4<i32>(f21); a30 += vec4<i32>(f30); a31 += vec4<i32>(f31);
  }
  let word = ocb * 2u;
  store_pixel(first, word, a00, a01);
  store_pixel(first + 1u, word, a10, a11);
  store_pixel(first + 2u, word, a20, a21);
  store_pixel(first + 3u, word, a30, a31);
}
