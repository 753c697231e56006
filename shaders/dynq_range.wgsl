// Dynamic quantization, step 1 of 3 (docs/quantization.md (D1)): the min and max of each part of
// each row of a float tensor. Workgroup (part, row) reduces elements [part·chunk, (part+1)·chunk)
// of row `row` (clipped to the row) to one (min, max) pair in `partials`; dynq_params.wgsl joins
// a row's parts. Rows of `row_length` floats; one row when the whole tensor shares a scale.
// min and max are exact, so the order of the reduction cannot change the result.

override WORKGROUP_SIZE: u32 = 64u;

struct Range {
  row_length: u32, parts: u32, chunk: u32, _pad0: u32,
}

@group(0) @binding(0) var<uniform> u: Range;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<vec2<f32>>;

var<workgroup> lows: array<f32, WORKGROUP_SIZE>;
var<workgroup> highs: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let part = group.x;
  let row = group.y;
  let begin = part * u.chunk;
  let end = min(begin + u.chunk, u.row_length);
  // 0 joins every range (D1), so it is the identity here too.
  var lo = 0.0;
  var hi = 0.0;
  for (var i = begin + lane; i < end; i += WORKGROUP_SIZE) {
    let v = input[row * u.row_length + i];
    lo = min(lo, v);
    hi = max(hi, v);
  }
  lows[lane] = lo;
  highs[lane] = hi;
  workgroupBarrier();
  for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride = stride / 2u) {
    if (lane < stride) {
      lows[lane] = min(lows[lane], lows[lane + stride]);
      highs[lane] = max(highs[lane], highs[lane + stride]);
    }
    workgroupBarrier();
  }
  if (lane == 0u) {
    partials[row * u.parts + part] = vec2<f32>(lows[0], highs[0]);
  }
}
