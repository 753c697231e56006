// int8 pooling over NHWC (docs/quantization.md (Q17)): MaxPool, AveragePool, and (as a window
// covering the whole image) GlobalMaxPool / GlobalAveragePool. The output keeps the input's
// (s, z). Needs lib/int8_*.wgsl (unpack4, pack4_clamp).
//
// Input [N, H, W, ceil(C/4)] u32, output [N, OH, OW, ceil(C/4)] u32; one invocation per output
// word (four channels at one output pixel), padding lanes computed like the others.
// Max: the max of q over the taps inside the input, starting from −128 (padding never wins).
// Average: the sum over the taps inside the input, plus z for each tap in the padding when
// COUNT_INCLUDE_PAD (a tap counts as padding when it lies within pads, not beyond them), divided
// by the count rounding half away from zero.

override WORKGROUP_SIZE: u32 = 64u;
override MAX: bool = true;
override COUNT_INCLUDE_PAD: bool = false;

struct Pool {
  n: u32, h: u32, w: u32, words: u32,
  oh: u32, ow: u32, kh: u32, kw: u32,
  stride_y: u32, stride_x: u32, dilation_y: u32, dilation_x: u32,
  pad_top: i32, pad_left: i32, pad_bottom: i32, pad_right: i32,
  zero_point: i32, dispatch_width: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Pool;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.n * u.oh * u.ow * u.words) {
    return;
  }
  let word = index % u.words;
  let pixel = index / u.words;
  let ox = pixel % u.ow;
  let oy = (pixel / u.ow) % u.oh;
  let b = pixel / (u.ow * u.oh);
  let h = i32(u.h);
  let w = i32(u.w);
  var acc = select(vec4<i32>(0), vec4<i32>(-128), MAX);
  var inside = 0;
  var in_padded = 0;
  for (var ky = 0u; ky < u.kh; ky++) {
    let iy = i32(oy * u.stride_y + ky * u.dilation_y) - u.pad_top;
    for (var kx = 0u; kx < u.kw; kx++) {
      let ix = i32(ox * u.stride_x + kx * u.dilation_x) - u.pad_left;
      if (iy >= -u.pad_top && iy < h + u.pad_bottom && ix >= -u.pad_left && ix < w + u.pad_right) {
        in_padded++;
      }
      if (iy < 0 || ix < 0 || iy >= h || ix >= w) {
        continue;
      }
      let v = unpack4(input[((b * u.h + u32(iy)) * u.w + u32(ix)) * u.words + word]);
      if (MAX) {
        acc = max(acc, v);
      } else {
        acc += v;
      }
      inside++;
    }
  }
  if (!MAX) {
    var count = inside;
    if (COUNT_INCLUDE_PAD) {
      acc += vec4<i32>((in_padded - inside) * u.zero_point);
      count = in_padded;
    }
    // (Q17) rounding half away from zero. No counted tap at all (a window wholly in the padding,
    // which ONNX's pads < kernel rules out) leaves a sum of 0: 0 / 1 = 0, as the reference's 0 / 0 | 0.
    let half = vec4<i32>(count / 2);
    acc = select(acc - half, acc + half, acc >= vec4<i32>(0)) / vec4<i32>(max(count, 1));
  }
  output[index] = pack4_clamp(acc);
}
