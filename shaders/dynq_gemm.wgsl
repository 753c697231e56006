// The product of dynamically quantized activations and int8 weights (docs/quantization.md (D4),
// (D5)): acc = Σ_k (a_k − z_a)(w_nk − z_w[n]) exactly in i32, then the float epilogue
// (dynamic_output in lib/dynamic.wgsl). Activations are dynq_quantize.wgsl's signed codes
// [rows, words]; weights are signed codes [N, words], padding lanes 0; Σ a is taken by the same
// dot4 against ones. One invocation per tile of 4 rows × 4 columns. Needs lib/int8_*.wgsl and
// lib/dynamic.wgsl.

override WORKGROUP_SIZE: u32 = 64u;
override HAS_BIAS: u32 = 0u;

struct DynGemm {
  rows: u32, n: u32, words: u32, dispatch_width: u32,
  // 1: qparams per row; 0: qparams[0] for all.
  per_row: u32,
  // Always 0 (see dynamic_output).
  opaque_zero: u32,
  _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: DynGemm;
@group(0) @binding(1) var<storage, read> activations: array<u32>;
@group(0) @binding(2) var<storage, read> weights: array<u32>;
// Per column: Σ_k w (i32), z_w (i32), s_w (f32 bits), bias (f32 bits).
@group(0) @binding(3) var<storage, read> columns: array<vec4<u32>>;
@group(0) @binding(4) var<storage, read> qparams: array<DynamicQParams>;
@group(0) @binding(5) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let blocks = (u.n + 3u) / 4u;
  let row_blocks = (u.rows + 3u) / 4u;
  let index = id.y * u.dispatch_width + id.x;
  if (index >= row_blocks * blocks) {
    return;
  }
  let r0 = (index / blocks) * 4u;
  let n0 = (index % blocks) * 4u;
  // A 4 × 4 tile: each activation word and each weight word loaded once for four dot products.
  var acc: array<vec4<i32>, 4>;
  var row_sum = vec4<i32>(0);
  var a_base: vec4<u32>;
  var w_base: vec4<u32>;
  for (var j = 0u; j < 4u; j++) {
    a_base[j] = min(r0 + j, u.rows - 1u) * u.words;
    w_base[j] = min(n0 + j, u.n - 1u) * u.words;
  }
  for (var k = 0u; k < u.words; k++) {
    let a = vec4<u32>(activations[a_base.x + k], activations[a_base.y + k], activations[a_base.z + k], activations[a_base.w + k]);
    let w = vec4<u32>(weights[w_base.x + k], weights[w_base.y + k], weights[w_base.z + k], weights[w_base.w + k]);
    for (var i = 0u; i < 4u; i++) {
      row_sum[i] += dot4(a[i], 0x01010101u);
      acc[i] += vec4<i32>(dot4(a[i], w.x), dot4(a[i], w.y), dot4(a[i], w.z), dot4(a[i], w.w));
    }
  }
  let k4 = i32(u.words * 4u);
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row >= u.rows) {
      break;
    }
    let p = qparams[select(0u, row, u.per_row == 1u)];
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + j;
      if (n >= u.n) {
        break;
      }
      output[row * u.n + n] = dynamic_output(acc[i][j], row_sum[i], k4, p, columns[n], HAS_BIAS == 1u, u.opaque_zero);
    }
  }
}
