// Peak f32 FMA rate, scalar or vec4 (override WIDTH): 8 independent fma chains per thread,
// no memory traffic in the loop. a = a·m + c with m = 0.5, c from the
// uniform converges to 2c, so values stay normal (no denormal slow paths) and nothing folds.
// Ops counted per fma: 2 per lane.

override WIDTH: u32 = 1u;

struct Params {
  iterations: u32,
  seed: u32,
  m: f32,
  c: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> sink: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let m = vec4<f32>(params.m);
  let c = vec4<f32>(params.c);
  let x = f32(gid.x & 15u);
  var a0 = vec4<f32>(x, x + 1.0, x + 2.0, x + 3.0);
  var a1 = a0 + 1.0;
  var a2 = a0 + 2.0;
  var a3 = a0 + 3.0;
  var a4 = a0 + 4.0;
  var a5 = a0 + 5.0;
  var a6 = a0 + 6.0;
  var a7 = a0 + 7.0;
  if (WIDTH == 4u) {
    for (var i = 0u; i < params.iterations; i++) {
      a0 = fma(a0, m, c); a1 = fma(a1, m, c); a2 = fma(a2, m, c); a3 = fma(a3, m, c);
      a4 = fma(a4, m, c); a5 = fma(a5, m, c); a6 = fma(a6, m, c); a7 = fma(a7, m, c);
    }
  } else {
    var s0 = a0.x; var s1 = a1.x; var s2 = a2.x; var s3 = a3.x;
    var s4 = a4.x; var s5 = a5.x; var s6 = a6.x; var s7 = a7.x;
    for (var i = 0u; i < params.iterations; i++) {
      s0 = fma(s0, m.x, c.x); s1 = fma(s1, m.x, c.x); s2 = fma(s2, m.x, c.x); s3 = fma(s3, m.x, c.x);
      s4 = fma(s4, m.x, c.x); s5 = fma(s5, m.x, c.x); s6 = fma(s6, m.x, c.x); s7 = fma(s7, m.x, c.x);
    }
    a0 = vec4<f32>(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
  }
  let s = dot(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7, vec4<f32>(1.0));
  if (s == f32(params.seed)) {
    sink[gid.x & 255u] = s;
  }
}
