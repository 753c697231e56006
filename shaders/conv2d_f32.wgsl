// float32 convolution over plain NHWC data (the fp32 baseline of conv2d_int8): any kernel size,
// strides, dilations, padding, groups (depthwise included), bias, and an optional fused clamp.
// The spec is the float reference (src/ref/float/conv.ts); results match it within a stated
// tolerance (f32 accumulation in a different order), not bit for bit.
//
// Input  [N, H, W, C] f32, output [N, OH, OW, Cout] f32.
// Weights [ceil(Cout/4), kh, kw, Cin_per_group] vec4<f32>: lane l of a vector is output channel
// 4·i + l (re-laid out offline from [Cout, kh, kw, Cin_per_group]; zero past Cout).
// Bias [2·ceil(Cout/4)] vec4<f32>: the bias, zero past Cout (and everywhere when the node has
// none), then each channel's upper clamp bound (one for all, or per channel (Q12b)).
// One invocation per four output channels at one output pixel.

override WORKGROUP_SIZE: u32 = 64u;
// true when the four output channels of an invocation read the same input channels (group = 1,
// or Cout_per_group % 4 = 0): one input load feeds a vec4 multiply-add. Otherwise (depthwise,
// small groups) each lane reads its own group's input.
override SHARED_INPUT: bool = true;
// Clamp the result to [lo, channel's bound] (a fused Relu / Clip).
override CLAMP: bool = false;

struct Conv {
  n: u32, h: u32, w: u32, c: u32,
  oh: u32, ow: u32, cout: u32, out_quads: u32,
  kh: u32, kw: u32, stride_y: u32, stride_x: u32,
  dilation_y: u32, dilation_x: u32, pad_top: u32, pad_left: u32,
  cin_per_group: u32, cout_per_group: u32, dispatch_width: u32, _pad0: u32,
  lo: f32, hi: f32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Conv;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.n * u.oh * u.ow * u.out_quads) {
    return;
  }
  let quad = index % u.out_quads;
  let pixel = index / u.out_quads;
  let ox = pixel % u.ow;
  let oy = (pixel / u.ow) % u.oh;
  let b = pixel / (u.ow * u.oh);
  let oc0 = quad * 4u;
  // First input channel of each lane's group (lanes past Cout read group 0: their weights are 0).
  let lanes = vec4<u32>(oc0, oc0 + 1u, oc0 + 2u, oc0 + 3u);
  let first_ic = select(vec4<u32>(0u), lanes / u.cout_per_group * u.cin_per_group, lanes < vec4<u32>(u.cout));
  var acc = bias[quad];
  for (var ky = 0u; ky < u.kh; ky++) {
    let iy = i32(oy * u.stride_y + ky * u.dilation_y) - i32(u.pad_top);
    if (iy < 0 || iy >= i32(u.h)) {
      continue;
    }
    for (var kx = 0u; kx < u.kw; kx++) {
      let ix = i32(ox * u.stride_x + kx * u.dilation_x) - i32(u.pad_left);
      if (ix < 0 || ix >= i32(u.w)) {
        continue;
      }
      let in_base = ((b * u.h + u32(iy)) * u.w + u32(ix)) * u.c;
      let w_base = ((quad * u.kh + ky) * u.kw + kx) * u.cin_per_group;
      if (SHARED_INPUT) {
        let x_base = in_base + first_ic.x;
        for (var ic = 0u; ic < u.cin_per_group; ic++) {
          acc += input[x_base + ic] * weights[w_base + ic];
        }
      } else {
        for (var ic = 0u; ic < u.cin_per_group; ic++) {
          let x = vec4<f32>(
            input[in_base + first_ic.x + ic],
            input[in_base + first_ic.y + ic],
            input[in_base + first_ic.z + ic],
            input[in_base + first_ic.w + ic],
          );
          acc += x * weights[w_base + ic];
        }
      }
    }
  }
  if (CLAMP) {
    acc = min(max(acc, vec4<f32>(u.lo)), bias[u.out_quads + quad]);
  }
  let out_base = pixel * u.cout + oc0;
  for (var lane = 0u; lane < 4u; lane++) {
    if (oc0 + lane < u.cout) {
      output[out_base + lane] = acc[lane];
    }
  }
}
