// int8 convolution as an implicit GEMM over NHWC data with channels packed four per u32
// (docs/quantization.md (Q5)-(Q9)). One invocation computes one packed output word: four output
// channels at one output pixel. Needs lib/int8_*.wgsl (dot4, unpack4, pack4_clamp) and
// lib/output_stage.wgsl (requantize).
//
// Input  [N, H, W, ceil(C/4)] u32, output [N, OH, OW, ceil(Cout/4)] u32.
// Weights [Cout, kh, kw, ceil(Cin_per_group/4)] u32, zero in padding lanes; params[oc] =
// (folded bias (Q6), M0, exponent, upper clamp bound of the channel (Q12b)).

override WORKGROUP_SIZE: u32 = 64u;
// true when each group's input channels start on a word boundary (group = 1, or
// Cin_per_group % 4 = 0): whole packed words feed dot4. Otherwise lanes are gathered one by one.
override ALIGNED: bool = true;

struct Conv {
  n: u32, h: u32, w: u32, in_words: u32,
  oh: u32, ow: u32, cout: u32, out_words: u32,
  kh: u32, kw: u32, stride_y: u32, stride_x: u32,
  dilation_y: u32, dilation_x: u32, pad_top: u32, pad_left: u32,
  cin_per_group: u32, cout_per_group: u32, tap_words: u32, input_zero_packed: u32,
  input_zero: i32, output_zero: i32, lo: i32, hi: i32,
  dispatch_width: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Conv;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<u32>;
@group(0) @binding(3) var<storage, read> params: array<vec4<i32>>;
@group(0) @binding(4) var<storage, read_write> output: array<u32>;

// The input word at (b, iy, ix, word), or the packed zero point where the tap reads padding (Q7).
fn input_word(base: u32, iy: i32, ix: i32, word: u32) -> u32 {
  if (iy < 0 || ix < 0 || iy >= i32(u.h) || ix >= i32(u.w)) {
    return u.input_zero_packed;
  }
  return input[base + (u32(iy) * u.w + u32(ix)) * u.in_words + word];
}

// One input channel's int8 value (gathered path), the zero point in padding.
fn input_lane(base: u32, iy: i32, ix: i32, channel: u32) -> i32 {
  if (iy < 0 || ix < 0 || iy >= i32(u.h) || ix >= i32(u.w)) {
    return u.input_zero;
  }
  let word = input[base + (u32(iy) * u.w + u32(ix)) * u.in_words + channel / 4u];
  return unpack4(word)[channel % 4u];
}

fn accumulate(oc: u32, b: u32, oy: u32, ox: u32) -> i32 {
  let first_ic = (oc / u.cout_per_group) * u.cin_per_group;
  let base = b * u.h * u.w * u.in_words;
  var acc = params[oc].x;
  for (var ky = 0u; ky < u.kh; ky++) {
    let iy = i32(oy * u.stride_y + ky * u.dilation_y) - i32(u.pad_top);
    for (var kx = 0u; kx < u.kw; kx++) {
      let ix = i32(ox * u.stride_x + kx * u.dilation_x) - i32(u.pad_left);
      let w_base = ((oc * u.kh + ky) * u.kw + kx) * u.tap_words;
      if (ALIGNED) {
        for (var t = 0u; t < u.tap_words; t++) {
          acc += dot4(input_word(base, iy, ix, first_ic / 4u + t), weights[w_base + t]);
        }
      } else {
        for (var ic = 0u; ic < u.cin_per_group; ic++) {
          let w = unpack4(weights[w_base + ic / 4u])[ic % 4u];
          acc += input_lane(base, iy, ix, first_ic + ic) * w;
        }
      }
    }
  }
  return acc;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.n * u.oh * u.ow * u.out_words) {
    return;
  }
  let word = index % u.out_words;
  let pixel = index / u.out_words;
  let ox = pixel % u.ow;
  let oy = (pixel / u.ow) % u.oh;
  let b = pixel / (u.ow * u.oh);
  var q = vec4<i32>(0);
  for (var lane = 0u; lane < 4u; lane++) {
    let oc = word * 4u + lane;
    if (oc < u.cout) {
      let p = params[oc];
      q[lane] = requantize(accumulate(oc, b, oy, ox), p.y, p.z, u.output_zero, u.lo, p.w);
    }
  }
  output[index] = pack4_clamp(q);
}
