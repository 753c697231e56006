// Test entry point: the shared output stage on (acc, m0, exponent) triples, scalar and four-lane
// (srdhm4 only where b = srdhm_b is a multiplier's range, b >= 0; 0 elsewhere).
struct Case { acc: i32, m0: i32, exponent: i32, srdhm_b: i32 }
@group(0) @binding(0) var<storage, read> cases: array<Case>;
@group(0) @binding(1) var<storage, read_write> results: array<vec4<i32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= arrayLength(&cases)) {
    return;
  }
  let c = cases[id.x];
  let lanes = vec4<i32>(c.acc);
  results[id.x] = vec4<i32>(
    srdhm(c.acc, c.srdhm_b),
    requantize(c.acc, c.m0, c.exponent, 3, -128, 127),
    select(0, srdhm4(lanes, vec4<i32>(c.srdhm_b)).z, c.srdhm_b >= 0),
    requantize4(lanes, vec4<i32>(c.m0), vec4<i32>(c.exponent), 3, -128, 127).w,
  );
}
