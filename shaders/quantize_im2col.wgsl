// The model's input quantized straight into the im2col form of the first conv (src/kernels/im2col.ts):
// float32 input, any strides (NCHW or NHWC) → int8 [N·OH·OW, ceil(K/4)] packed, K = KH·KW·Cin in
// (ky, kx, c) order, the order of a conv's OHWI weights, so the conv runs as a 1×1 over it.
// A conv with few input channels wastes most of each packed word on padding lanes (Cin 1: 3 of
// 4; Cin 3: 1 of 4); here each word holds four real taps. Taps in the conv's padding hold the
// zero point; lanes past K are 0 (their weights are 0). Values as Quantize (Q14) computes them.
// Needs lib/int8_*.wgsl (pack4_clamp) and lib/quantize.wgsl (quantize_bits).
//
// One invocation per output word.

override WORKGROUP_SIZE: u32 = 64u;

struct Im2col {
  pixels: u32, k: u32, words: u32, dispatch_width: u32,
  oh: u32, ow: u32, h: u32, w: u32,
  kw: u32, cin: u32, stride_y: u32, stride_x: u32,
  dilation_y: u32, dilation_x: u32, pad_top: u32, pad_left: u32,
  // The float input's element strides along N, H, W and C.
  n_stride: u32, y_stride: u32, x_stride: u32, c_stride: u32,
  inverse_scale: f32, zero_point: i32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Im2col;
// The float input, read as its bit patterns (see quantize_bits).
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.pixels * u.words) {
    return;
  }
  let word = index % u.words;
  let pixel = index / u.words;
  let ox = pixel % u.ow;
  let oy = (pixel / u.ow) % u.oh;
  let batch = pixel / (u.ow * u.oh);
  let y0 = i32(oy * u.stride_y) - i32(u.pad_top);
  let x0 = i32(ox * u.stride_x) - i32(u.pad_left);
  // No branches on the window's edges (software adapters run both sides of one that invocations
  // split on): every lane loads a clamped address, and selects the zero point outside the input.
  var q = vec4<i32>(0);
  for (var lane = 0u; lane < 4u; lane++) {
    let e = min(word * 4u + lane, u.k - 1u);
    let tap = e / u.cin;
    let iy = y0 + i32((tap / u.kw) * u.dilation_y);
    let ix = x0 + i32((tap % u.kw) * u.dilation_x);
    let inside = (iy >= 0) & (ix >= 0) & (iy < i32(u.h)) & (ix < i32(u.w));
    let y = u32(clamp(iy, 0, i32(u.h) - 1));
    let x = u32(clamp(ix, 0, i32(u.w) - 1));
    let value = quantize_bits(input[batch * u.n_stride + y * u.y_stride + x * u.x_stride + (e % u.cin) * u.c_stride], u.inverse_scale, u.zero_point);
    q[lane] = select(0, select(u.zero_point, value, inside), word * 4u + lane < u.k);
  }
  output[index] = pack4_clamp(q);
}
