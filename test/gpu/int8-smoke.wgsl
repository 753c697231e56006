// Smoke test of the packed int8 builtins (WGSL language feature packed_4x8_integer_dot_product).
// dots[i]   = dot4I8Packed(a[i], b[i])     for i < params.n_dot
// packed[i] = pack4xI8Clamp(v[i])          for i < params.n_pack

struct Params {
  n_dot: u32,
  n_pack: u32,
}

@group(0) @binding(0) var<storage, read> a: array<u32>;
@group(0) @binding(1) var<storage, read> b: array<u32>;
@group(0) @binding(2) var<storage, read> v: array<vec4<i32>>;
@group(0) @binding(3) var<storage, read_write> dots: array<i32>;
@group(0) @binding(4) var<storage, read_write> packed: array<u32>;
@group(0) @binding(5) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < params.n_dot) {
    dots[i] = dot4I8Packed(a[i], b[i]);
  }
  if (i < params.n_pack) {
    packed[i] = pack4xI8Clamp(v[i]);
  }
}
