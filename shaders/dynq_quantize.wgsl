// Dynamic quantization, step 3 of 3 (docs/quantization.md (D3)): float32 [rows, K] → signed
// codes q − 128, packed four per u32 in [rows, ceil(K/4)], with the row's (or the tensor's)
// parameters. With `plane` P > 0 the input is NCHW [images, K, P] and row r is pixel (r / P, r % P):
// the codes come out NHWC, channels packed, as dynq_conv reads them. Parameters from
// dynq_params.wgsl. Padding lanes (k ≥ K) hold the zero point's code, so they
// add nothing once the GEMM subtracts it. Needs lib/int8_*.wgsl, lib/quantize.wgsl, lib/dynamic.wgsl.

override WORKGROUP_SIZE: u32 = 64u;

struct DynQuantize {
  rows: u32, k: u32, words: u32, dispatch_width: u32,
  // 1: one parameter set per row; 0: qparams[0] for all.
  per_row: u32, plane: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: DynQuantize;
// The float input, read as its bit patterns (see quantize_bits).
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read> qparams: array<DynamicQParams>;
@group(0) @binding(3) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * u.words) {
    return;
  }
  let word = index % u.words;
  let row = index / u.words;
  let p = qparams[select(0u, row, u.per_row == 1u)];
  var q = vec4<i32>(p.zero_point);
  for (var lane = 0u; lane < 4u; lane++) {
    let c = word * 4u + lane;
    if (c < u.k) {
      var at = row * u.k + c;
      if (u.plane > 0u) {
        at = ((row / u.plane) * u.k + c) * u.plane + row % u.plane;
      }
      q[lane] = quantize_bits(input[at], p.inverse, p.zero_point);
    }
  }
  output[index] = pack4_clamp(q);
}
