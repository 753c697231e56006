// The product of dynamically quantized activations and int8 weights (docs/quantization.md (D4),
// (D5)): acc = Σ_k (a_k − z_a)(w_nk − z_w[n]) exactly in i32, then the float epilogue
// y = fl(fl(acc) · fl(s_a · s_w[n])) + bias[n]. Activations are dynq_quantize.wgsl's signed codes
// [rows, words]; weights are signed codes [N, words], padding lanes 0. The zero points come out
// of the dot products by the expansion
//   Σ (a − z_a)(w − z_w) = Σ a·w − z_w Σ a − z_a Σ w + K₄ z_a z_w   (sums over the padded K₄),
// with Σ a taken by the same dot4 against ones, and Σ w a per-column constant. One invocation per
// row and 4 consecutive columns. Needs lib/int8_*.wgsl and lib/dynamic.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: u32 = 0u;

struct DynGemm {
  rows: u32, n: u32, words: u32, dispatch_width: u32,
  // 1: qparams per row; 0: qparams[0] for all.
  per_row: u32,
  // Output layout: 0 gives [rows, N]; P > 0 takes row r as (image r / P, position r % P) and
  // writes [images, N, P], as a convolution's NCHW output is.
  plane: u32,
  // Always 0. XOR-ed into the products' bits, so no compiler can fuse a product into the add
  // after it (WGSL allows fusing): the CPU reference rounds each of them.
  opaque_zero: u32,
  _pad0: u32,
}

@group(0) @binding(0) var<uniform> u: DynGemm;
@group(0) @binding(1) var<storage, read> activations: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<u32>;
// Per column: Σ_k w (i32), z_w (i32), s_w (f32 bits), bias (f32 bits).
@group(0) @binding(3) var<storage, read> columns: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> qparams: array<DynamicQParams>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

// A product's rounding made observable: the XOR with a value the compiler cannot know is 0.
fn rounded(v: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(v) ^ u.opaque_zero);
}

// acc as the nearest f32, exactly: |acc >> 8| < 2^24 converts exactly, and one correctly rounded
// add joins the low byte (WGSL leaves an inexact i32 → f32 conversion's rounding open).
fn exact_f32(acc: i32) -> f32 {
  return f32(acc >> 8u) * 256.0 + f32(acc & 255);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let blocks = (u.n + 3u) / 4u;
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * blocks) {
    return;
  }
  let row = index / blocks;
  let n0 = (index % blocks) * 4u;
  var acc = vec4<i32>(0);
  var row_sum = 0;
  let a_base = row * u.words;
  for (var k = 0u; k < u.words; k++) {
    let a = activations[a_base + k];
    row_sum += dot4(a, 0x01010101u);
    for (var j = 0u; j < 4u; j++) {
      let n = min(n0 + j, u.n - 1u);
      acc[j] += dot4(a, weights[n * u.words + k]);
    }
  }
  let p = qparams[select(0u, row, u.per_row == 1u)];
  let k4 = i32(u.words * 4u);
  for (var j = 0u; j < 4u; j++) {
    let n = n0 + j;
    if (n >= u.n) {
      break;
    }
    let c = columns[n];
    let w_sum = bitcast<i32>(c.x);
    let w_zero = bitcast<i32>(c.y);
    let exact = acc[j] - w_zero * row_sum - p.zero_point * w_sum + k4 * p.zero_point * w_zero;
    var y = rounded(exact_f32(exact) * rounded(p.scale * bitcast<f32>(c.z)));
    if (HAS_BIAS == 1u) {
      y = y + bitcast<f32>(c.w);
    }
    var at = row * u.n + n;
    if (u.plane > 0u) {
      at = ((row / u.plane) * u.n + n) * u.plane + row % u.plane;
    }
    output[at] = y;
  }
}
