// Test entry point: the shared output stage on (acc, m0, exponent) triples.
struct Case { acc: i32, m0: i32, exponent: i32, srdhm_b: i32 }
@group(0) @binding(0) var<storage, read> cases: array<Case>;
@group(0) @binding(1) var<storage, read_write> results: array<vec2<i32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  if (id.x >= arrayLength(&cases)) {
    return;
  }
  let c = cases[id.x];
  results[id.x] = vec2<i32>(
    srdhm(c.acc, c.srdhm_b),
    requantize(c.acc, c.m0, c.exponent, 3, -128, 127),
  );
}
