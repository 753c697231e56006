// Dynamic quantization, step 2 of 3 (docs/quantization.md (D2)): each row's parts joined into its
// range, and the range's scale, zero point and inverse (lib/dynamic.wgsl). One invocation per row.

override WORKGROUP_SIZE: u32 = 64u;

struct Params {
  rows: u32, parts: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read> partials: array<vec2<f32>>;
@group(0) @binding(2) var<storage, read_write> qparams: array<DynamicQParams>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let row = id.x;
  if (row >= u.rows) {
    return;
  }
  var lo = 0.0;
  var hi = 0.0;
  for (var p = 0u; p < u.parts; p++) {
    let range = partials[row * u.parts + p];
    lo = min(lo, range.x);
    hi = max(hi, range.y);
  }
  qparams[row] = dynamic_qparams(lo, hi);
}
