// A 2-D convolution of dynamically quantized activations (docs/quantization.md (D6)), group 1:
// acc = Σ_{ky,kx,c} (a − z_a)(w − z_w[n]) exactly, then dynamic_output's float epilogue, as
// dynq_gemm does for a product. Activations are dynq_quantize.wgsl's codes of an NCHW input laid
// out NHWC, channels packed [images, H, W, words]; a tap in the padding reads the zero point's
// code in every lane, so it adds nothing. Weights are codes [N, kh, kw, words], padding lanes 0.
// The output is NCHW float [images, N, OH, OW]. One invocation per output pixel and 4 channels.
// Needs lib/int8_*.wgsl and lib/dynamic.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: u32 = 0u;

struct DynConv {
  images: u32, in_h: u32, in_w: u32, words: u32,
  out_h: u32, out_w: u32, n: u32, dispatch_width: u32,
  kernel_h: u32, kernel_w: u32, stride_h: u32, stride_w: u32,
  pad_top: u32, pad_left: u32, dilation_h: u32, dilation_w: u32,
  // Always 0 (see dynamic_output).
  opaque_zero: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: DynConv;
@group(0) @binding(1) var<storage, read> activations: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<u32>;
@group(0) @binding(3) var<storage, read> columns: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> qparams: array<DynamicQParams>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let blocks = (u.n + 3u) / 4u;
  let pixels = u.out_h * u.out_w;
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.images * pixels * blocks) {
    return;
  }
  let n0 = (index % blocks) * 4u;
  let row = index / blocks;
  let image = row / pixels;
  let pixel = row % pixels;
  let oy = pixel / u.out_w;
  let ox = pixel % u.out_w;
  let p = qparams[0];
  let padding = dynamic_zero_word(p);
  var acc = vec4<i32>(0);
  var row_sum = 0;
  for (var ky = 0u; ky < u.kernel_h; ky++) {
    let iy = i32(oy * u.stride_h + ky * u.dilation_h) - i32(u.pad_top);
    for (var kx = 0u; kx < u.kernel_w; kx++) {
      let ix = i32(ox * u.stride_w + kx * u.dilation_w) - i32(u.pad_left);
      let inside = iy >= 0 && iy < i32(u.in_h) && ix >= 0 && ix < i32(u.in_w);
      let a_base = ((image * u.in_h + u32(clamp(iy, 0, i32(u.in_h) - 1))) * u.in_w + u32(clamp(ix, 0, i32(u.in_w) - 1))) * u.words;
      let w_tap = (ky * u.kernel_w + kx) * u.words;
      for (var c = 0u; c < u.words; c++) {
        let a = select(padding, activations[a_base + c], inside);
        row_sum += dot4(a, 0x01010101u);
        for (var j = 0u; j < 4u; j++) {
          let n = min(n0 + j, u.n - 1u);
          acc[j] += dot4(a, weights[(n * u.kernel_h * u.kernel_w) * u.words + w_tap + c]);
        }
      }
    }
  }
  let k4 = i32(u.kernel_h * u.kernel_w * u.words * 4u);
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n >= u.n) {
      break;
    }
    output[(image * u.n + n) * pixels + pixel] = dynamic_output(acc[j], row_sum, k4, p, columns[n], HAS_BIAS == 1u, u.opaque_zero);
  }
}
