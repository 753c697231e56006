// dynq_gemm's sibling with f32 arithmetic on the int8 codes, for adapters where f32 outruns
// dot4I8Packed (software ones: SwiftShader's measured peaks are 10.4 GFLOPS vec4 f32 vs 3.1 GOPS
// dot4I8Packed), built like conv2d_int8_blocked_f32: 8 rows × 8 columns per invocation, so each
// unpacked weight word feeds 8 rows and each unpacked activation word 8 columns. The same bits
// as dynq_gemm: every partial sum is an integer below 2^24 in magnitude (the planner gives this
// kernel only weights with 128 · Σ_k |w_nk| < 2^24 for every column n, dynamicF32Exact), where
// f32 sums of integer products are exact in any order, so i32(sum) is dynq_gemm's raw dot
// product and the epilogue (lib/dynamic.wgsl dynamic_output, (D5)) is the same.
// Activations: dynq_quantize.wgsl's signed codes [rows, words]. Weights: [column blocks of 8,
// words, 2 × vec4] (block b, word t: columns 8b..8b+3, then 8b+4..8b+7), padding columns 0.
// Needs lib/int8_*.wgsl, lib/dots.wgsl and lib/dynamic.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: u32 = 0u;
// 1 when some column's weight zero point is not 0: the rows' code sums enter (D5) then.
override HAS_WEIGHT_ZERO: u32 = 0u;

struct DynGemmF32 {
  rows: u32, n: u32, words: u32, dispatch_width: u32,
  // 1: qparams per row; 0: qparams[0] for all.
  per_row: u32,
  // Always 0 (see dynamic_output).
  opaque_zero: u32,
  row_blocks: u32, _pad0: u32,
}

@group(0) @binding(0) var<uniform> u: DynGemmF32;
@group(0) @binding(1) var<storage, read> activations: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<vec4<u32>>;
// Per column: Σ_k w (i32), z_w (i32), s_w (f32 bits), bias (f32 bits).
@group(0) @binding(3) var<storage, read> columns: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> qparams: array<DynamicQParams>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

fn activation_row(row: u32) -> u32 {
  return min(row, u.rows - 1u) * u.words;
}

// One row's 8 outputs of column block `column_block`: `lo` columns 8b..8b+3, `hi` the next 4.
fn store_row(row: u32, column_block: u32, lo: vec4<f32>, hi: vec4<f32>, code_sum: f32) {
  if (row >= u.rows) {
    return;
  }
  let p = qparams[select(0u, row, u.per_row == 1u)];
  let k4 = i32(u.words * 4u);
  for (var j = 0u; j < 8u; j++) {
    let n = column_block * 8u + j;
    if (n >= u.n) {
      return;
    }
    let sum = select(hi, lo, j < 4u)[j % 4u];
    output[row * u.n + n] = dynamic_output(i32(sum), i32(code_sum), k4, p, columns[n], HAS_BIAS == 1u, u.opaque_zero);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  let blocks = (u.n + 7u) / 8u;
  if (index >= blocks * u.row_blocks) {
    return;
  }
  // Row blocks vary fastest: neighbouring invocations share their weights.
  let first = (index % u.row_blocks) * 8u;
  let column_block = index / u.row_blocks;
  let a0 = activation_row(first); let a1 = activation_row(first + 1u);
  let a2 = activation_row(first + 2u); let a3 = activation_row(first + 3u);
  let a4 = activation_row(first + 4u); let a5 = activation_row(first + 5u);
  let a6 = activation_row(first + 6u); let a7 = activation_row(first + 7u);
  // Sums in function scope (registers): row r (0-7) × column half h (0-1); s: the rows' code sums.
  var f00 = vec4<f32>(0.0); var f01 = vec4<f32>(0.0);
  var f10 = vec4<f32>(0.0); var f11 = vec4<f32>(0.0);
  var f20 = vec4<f32>(0.0); var f21 = vec4<f32>(0.0);
  var f30 = vec4<f32>(0.0); var f31 = vec4<f32>(0.0);
  var f40 = vec4<f32>(0.0); var f41 = vec4<f32>(0.0);
  var f50 = vec4<f32>(0.0); var f51 = vec4<f32>(0.0);
  var f60 = vec4<f32>(0.0); var f61 = vec4<f32>(0.0);
  var f70 = vec4<f32>(0.0); var f71 = vec4<f32>(0.0);
  var s0123 = vec4<f32>(0.0); var s4567 = vec4<f32>(0.0);
  var wi = column_block * u.words * 2u;
  for (var t = 0u; t < u.words; t++) {
    let wa = weights[wi];
    let wb = weights[wi + 1u];
    wi += 2u;
    // Each weight word unpacked once: 8 unpacks and 8 activation unpacks feed 64 dot products.
    let wa0 = unpack_f(wa.x); let wa1 = unpack_f(wa.y); let wa2 = unpack_f(wa.z); let wa3 = unpack_f(wa.w);
    let wb0 = unpack_f(wb.x); let wb1 = unpack_f(wb.y); let wb2 = unpack_f(wb.z); let wb3 = unpack_f(wb.w);
    let y0 = unpack_f(activations[a0 + t]); let y1 = unpack_f(activations[a1 + t]);
    let y2 = unpack_f(activations[a2 + t]); let y3 = unpack_f(activations[a3 + t]);
    let y4 = unpack_f(activations[a4 + t]); let y5 = unpack_f(activations[a5 + t]);
    let y6 = unpack_f(activations[a6 + t]); let y7 = unpack_f(activations[a7 + t]);
    f00 += dots_f(y0, wa0, wa1, wa2, wa3); f01 += dots_f(y0, wb0, wb1, wb2, wb3);
    f10 += dots_f(y1, wa0, wa1, wa2, wa3); f11 += dots_f(y1, wb0, wb1, wb2, wb3);
    f20 += dots_f(y2, wa0, wa1, wa2, wa3); f21 += dots_f(y2, wb0, wb1, wb2, wb3);
    f30 += dots_f(y3, wa0, wa1, wa2, wa3); f31 += dots_f(y3, wb0, wb1, wb2, wb3);
    f40 += dots_f(y4, wa0, wa1, wa2, wa3); f41 += dots_f(y4, wb0, wb1, wb2, wb3);
    f50 += dots_f(y5, wa0, wa1, wa2, wa3); f51 += dots_f(y5, wb0, wb1, wb2, wb3);
    f60 += dots_f(y6, wa0, wa1, wa2, wa3); f61 += dots_f(y6, wb0, wb1, wb2, wb3);
    f70 += dots_f(y7, wa0, wa1, wa2, wa3); f71 += dots_f(y7, wb0, wb1, wb2, wb3);
    if (HAS_WEIGHT_ZERO == 1u) {
      let one = vec4<f32>(1.0);
      s0123 += dots_f(one, y0, y1, y2, y3);
      s4567 += dots_f(one, y4, y5, y6, y7);
    }
  }
  store_row(first, column_block, f00, f01, s0123.x);
  store_row(first + 1u, column_block, f10, f11, s0123.y);
  store_row(first + 2u, column_block, f20, f21, s0123.z);
  store_row(first + 3u, column_block, f30, f31, s0123.w);
  store_row(first + 4u, column_block, f40, f41, s4567.x);
  store_row(first + 5u, column_block, f50, f51, s4567.y);
  store_row(first + 6u, column_block, f60, f61, s4567.z);
  store_row(first + 7u, column_block, f70, f71, s4567.w);
}
