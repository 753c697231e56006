// Peak vec4<i32> multiply-add rate (what lane-wise int8 kernels, such as the depthwise one, do
// instead of dot4I8Packed): 8 independent chains per thread, no memory
// traffic in the loop; m and c come from the uniform, so nothing folds (i32 arithmetic wraps).
// Ops counted per vec4 multiply-add: 8 (4 multiplies, 4 adds).

struct Params {
  iterations: u32,
  seed: u32,
  m: i32,
  c: i32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> sink: array<i32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = vec4<i32>(params.m);
  let c = vec4<i32>(params.c);
  let x = i32(gid.x);
  var a0 = vec4<i32>(x, x + 1, x + 2, x + 3);
  var a1 = a0 + 1;
  var a2 = a0 + 2;
  var a3 = a0 + 3;
  var a4 = a0 + 4;
  var a5 = a0 + 5;
  var a6 = a0 + 6;
  var a7 = a0 + 7;
  for (var i = 0u; i < params.iterations; i++) {
    a0 = a0 * m + c; a1 = a1 * m + c; a2 = a2 * m + c; a3 = a3 * m + c;
    a4 = a4 * m + c; a5 = a5 * m + c; a6 = a6 * m + c; a7 = a7 * m + c;
  }
  let v = a0 ^ a1 ^ a2 ^ a3 ^ a4 ^ a5 ^ a6 ^ a7;
  let s = v.x ^ v.y ^ v.z ^ v.w;
  if (s == i32(params.seed)) {
    sink[gid.x & 255u] = s;
  }
}
