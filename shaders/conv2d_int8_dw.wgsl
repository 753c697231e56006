// Depthwise int8 convolution (group = Cin, one input channel per group, channel multiplier
// m = Cout/Cin) over NHWC data packed four channels per u32 (docs/quantization.md (Q5)-(Q9)).
// One invocation: one packed output word (4 channels) at 4 consecutive output pixels of a row,
// written out by hand (no private arrays: software adapters keep those in memory).
// Each tap's four per-channel weights are one packed word, so products are lane-wise: vec4<i32>
// multiply-adds (F32_MATH = false) or vec4<f32> ones (F32_MATH = true; one product per lane per
// tap, summed in f32 from the first tap to the last: the planner gives this arithmetic only convs
// whose every partial sum stays below 2^24, where f32 sums of integers are exact; f32Exact in
// src/kernels/conv-variants.ts). The sums are of type Sum, vec4<i32> or vec4<f32>. Needs
// lib/int8_*.wgsl, lib/output_stage.wgsl, lib/conv_epilogue.wgsl and a prelude defining F32_MATH
// and Sum (src/kernels/shaders.ts).
//
// Input  [N, H, W, ceil(Cin/4)] u32, output [N, OH, OW, ceil(Cout/4)] u32.
// Weights [kh, kw, ceil(Cout/4)] u32 (src/kernels/conv-dw.ts): lane l of word k is output
// channel 4k + l, zero past Cout. params: per output word, (folded bias (Q6), M0, exponent, channel upper bound (Q12b)) as four vec4<i32>.

override WORKGROUP_SIZE: u32 = 64u;
// m = 1: output word k reads input word k whole. Otherwise each lane's input channel is gathered.
override SAME_CHANNELS: bool = true;
// Rows of 3 taps with dilation 1 (3×3 depthwise, MobileNet's and BlazeFace's): the stride, 1 or 2,
// whose input columns are loaded once per row and shared by the 4 output pixels (6 or 9 loads a row
// instead of 12). 0: any row width, each tap loaded for each pixel.
override ROW3_STRIDE: u32 = 0u;
// Three kernel rows (3×3): the row loop written out (software adapters run a loop as a loop:
// ~15-25% of a 3×3 depthwise conv on SwiftShader).
override KH3: bool = false;

@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<u32>;

// The four input channels feeding output word `word` at input pixel `pixel_base` (in words).
fn input_lanes(pixel_base: u32, word: u32) -> vec4<i32> {
  if (SAME_CHANNELS) {
    return unpack4(input[pixel_base + word]);
  }
  var v = vec4<i32>(0);
  for (var lane = 0u; lane < 4u; lane++) {
    let ic = min(word * 4u + lane, u.cout - 1u) / u.cout_per_group;
    v[lane] = unpack4(input[pixel_base + ic / 4u])[ic % 4u];
  }
  return v;
}

// Input lanes at (row, ix), or the zero point where the tap reads padding. No branches: software
// adapters run both sides of a branch that neighbouring invocations take differently, so the
// column is clamped into the row, always loaded, and replaced by a select.
fn tap(row_inside: bool, row_base: u32, ix: i32, word: u32) -> vec4<i32> {
  let x = input_lanes((row_base + u32(clamp(ix, 0, i32(u.w) - 1))) * u.in_words, word);
  return select(vec4<i32>(u.input_zero), x, row_inside & (ix >= 0) & (ix < i32(u.w)));
}

fn store(row: u32, ox: u32, word: u32, a: vec4<i32>) {
  if (ox < u.ow) {
    output[(row * u.ow + ox) * u.out_words + word] = requantize_word(a, word, row * u.ow + ox);
  }
}

// One kernel row, ky, reading input row iy: adds its products to the four pixels' sums. WGSL
// type-checks both sides of `if (F32_MATH)`, so each side converts to Sum (a no-op on its own side).
fn add_row(ky: u32, iy: i32, b: u32, ix0: i32, word: u32, a0: ptr<function, Sum>, a1: ptr<function, Sum>, a2: ptr<function, Sum>, a3: ptr<function, Sum>) {
  let step = i32(u.stride_x);
  let row_inside = (iy >= 0) & (iy < i32(u.h));
  let row_base = (b * u.h + u32(clamp(iy, 0, i32(u.h) - 1))) * u.w;
  if (ROW3_STRIDE != 0u) {
    let wrow = ky * 3u * u.out_words + word;
    let w0 = unpack4(weights[wrow]);
    let w1 = unpack4(weights[wrow + u.out_words]);
    let w2 = unpack4(weights[wrow + 2u * u.out_words]);
    let c0 = tap(row_inside, row_base, ix0, word);
    let c1 = tap(row_inside, row_base, ix0 + 1, word);
    let c2 = tap(row_inside, row_base, ix0 + 2, word);
    let c3 = tap(row_inside, row_base, ix0 + 3, word);
    let c4 = tap(row_inside, row_base, ix0 + 4, word);
    let c5 = tap(row_inside, row_base, ix0 + 5, word);
    if (ROW3_STRIDE == 1u) {
      if (F32_MATH) {
        let g0 = vec4<f32>(w0); let g1 = vec4<f32>(w1); let g2 = vec4<f32>(w2);
        let d0 = vec4<f32>(c0); let d1 = vec4<f32>(c1); let d2 = vec4<f32>(c2);
        let d3 = vec4<f32>(c3); let d4 = vec4<f32>(c4); let d5 = vec4<f32>(c5);
        *a0 += Sum(d0 * g0 + d1 * g1 + d2 * g2); *a1 += Sum(d1 * g0 + d2 * g1 + d3 * g2);
        *a2 += Sum(d2 * g0 + d3 * g1 + d4 * g2); *a3 += Sum(d3 * g0 + d4 * g1 + d5 * g2);
      } else {
        *a0 += Sum(c0 * w0 + c1 * w1 + c2 * w2); *a1 += Sum(c1 * w0 + c2 * w1 + c3 * w2);
        *a2 += Sum(c2 * w0 + c3 * w1 + c4 * w2); *a3 += Sum(c3 * w0 + c4 * w1 + c5 * w2);
      }
    } else {
      let c6 = tap(row_inside, row_base, ix0 + 6, word);
      let c7 = tap(row_inside, row_base, ix0 + 7, word);
      let c8 = tap(row_inside, row_base, ix0 + 8, word);
      if (F32_MATH) {
        let g0 = vec4<f32>(w0); let g1 = vec4<f32>(w1); let g2 = vec4<f32>(w2);
        *a0 += Sum(vec4<f32>(c0) * g0 + vec4<f32>(c1) * g1 + vec4<f32>(c2) * g2);
        *a1 += Sum(vec4<f32>(c2) * g0 + vec4<f32>(c3) * g1 + vec4<f32>(c4) * g2);
        *a2 += Sum(vec4<f32>(c4) * g0 + vec4<f32>(c5) * g1 + vec4<f32>(c6) * g2);
        *a3 += Sum(vec4<f32>(c6) * g0 + vec4<f32>(c7) * g1 + vec4<f32>(c8) * g2);
      } else {
        *a0 += Sum(c0 * w0 + c1 * w1 + c2 * w2); *a1 += Sum(c2 * w0 + c3 * w1 + c4 * w2);
        *a2 += Sum(c4 * w0 + c5 * w1 + c6 * w2); *a3 += Sum(c6 * w0 + c7 * w1 + c8 * w2);
      }
    }
  } else {
    for (var kx = 0u; kx < u.kw; kx++) {
      let wv = unpack4(weights[(ky * u.kw + kx) * u.out_words + word]);
      let ix = ix0 + i32(kx * u.dilation_x);
      let x0 = tap(row_inside, row_base, ix, word);
      let x1 = tap(row_inside, row_base, ix + step, word);
      let x2 = tap(row_inside, row_base, ix + 2 * step, word);
      let x3 = tap(row_inside, row_base, ix + 3 * step, word);
      if (F32_MATH) {
        let wf = vec4<f32>(wv);
        *a0 += Sum(vec4<f32>(x0) * wf); *a1 += Sum(vec4<f32>(x1) * wf); *a2 += Sum(vec4<f32>(x2) * wf); *a3 += Sum(vec4<f32>(x3) * wf);
      } else {
        *a0 += Sum(x0 * wv); *a1 += Sum(x1 * wv); *a2 += Sum(x2 * wv); *a3 += Sum(x3 * wv);
      }
    }
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  // pixel_blocks = N·OH·ceil(OW/4); words vary fastest, so neighbours read neighbouring words.
  if (index >= u.pixel_blocks * u.out_words) {
    return;
  }
  let word = index % u.out_words;
  let block = index / u.out_words;
  let x_blocks = (u.ow + 3u) / 4u;
  let ox0 = (block % x_blocks) * 4u;
  let row = block / x_blocks; // b·OH + oy
  let oy = row % u.oh;
  let b = row / u.oh;
  var a0 = Sum(0); var a1 = Sum(0); var a2 = Sum(0); var a3 = Sum(0);
  let iy0 = i32(oy * u.stride_y) - i32(u.pad_top);
  let ix0 = i32(ox0 * u.stride_x) - i32(u.pad_left);
  if (KH3) {
    // Written out: software adapters run the row loop as a loop, which costs as much as its body.
    let dy = i32(u.dilation_y);
    add_row(0u, iy0, b, ix0, word, &a0, &a1, &a2, &a3);
    add_row(1u, iy0 + dy, b, ix0, word, &a0, &a1, &a2, &a3);
    add_row(2u, iy0 + 2 * dy, b, ix0, word, &a0, &a1, &a2, &a3);
  } else {
    for (var ky = 0u; ky < u.kh; ky++) {
      add_row(ky, iy0 + i32(ky * u.dilation_y), b, ix0, word, &a0, &a1, &a2, &a3);
    }
  }
  // Exact integers either way (see the top): the int32 sums the output stage takes.
  store(row, ox0, word, vec4<i32>(a0));
  store(row, ox0 + 1u, word, vec4<i32>(a1));
  store(row, ox0 + 2u, word, vec4<i32>(a2));
  store(row, ox0 + 3u, word, vec4<i32>(a3));
}
