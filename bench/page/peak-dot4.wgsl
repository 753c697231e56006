// Peak dot4I8Packed rate: 8 independent accumulator chains per thread,
// no memory traffic in the loop. Each chain feeds its accumulator back in as the packed operand,
// so nothing is loop-invariant and no compiler can fold the loop into a closed form.
// Ops counted per dot4I8Packed + accumulate: 8 (4 multiplies, 4 adds).

struct Params {
  iterations: u32,
  seed: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> sink: array<i32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = params.seed | 0x01010101u;
  var a0 = i32(gid.x);
  var a1 = a0 + 1;
  var a2 = a0 + 2;
  var a3 = a0 + 3;
  var a4 = a0 + 4;
  var a5 = a0 + 5;
  var a6 = a0 + 6;
  var a7 = a0 + 7;
  for (var i = 0u; i < params.iterations; i++) {
    a0 = dot4I8Packed(bitcast<u32>(a0), b) + a0;
    a1 = dot4I8Packed(bitcast<u32>(a1), b) + a1;
    a2 = dot4I8Packed(bitcast<u32>(a2), b) + a2;
    a3 = dot4I8Packed(bitcast<u32>(a3), b) + a3;
    a4 = dot4I8Packed(bitcast<u32>(a4), b) + a4;
    a5 = dot4I8Packed(bitcast<u32>(a5), b) + a5;
    a6 = dot4I8Packed(bitcast<u32>(a6), b) + a6;
    a7 = dot4I8Packed(bitcast<u32>(a7), b) + a7;
  }
  // The result decides a store, so every chain must be computed; the store itself almost never happens.
  let s = a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7;
  if (s == i32(params.seed)) {
    sink[gid.x & 255u] = s;
  }
}
