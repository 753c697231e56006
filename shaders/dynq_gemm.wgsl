// The product of dynamically quantized activations and int8 weights (docs/quantization.md (D4),
// (D5)): acc = Σ_k (a_k − z_a)(w_nk − z_w[n]) exactly in i32, then the float epilogue
// (dynamic_output in lib/dynamic.wgsl). Activations are dynq_quantize.wgsl's signed codes
// [rows, words]; weights are signed codes [N, words], padding lanes 0; Σ a is taken by the same
// dot4 against ones. One invocation per row and 4 consecutive columns. Needs lib/int8_*.wgsl and
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
    output[row * u.n + n] = dynamic_output(acc[j], row_sum, k4, p, columns[n], HAS_BIAS == 1u, u.opaque_zero);
  }
}
