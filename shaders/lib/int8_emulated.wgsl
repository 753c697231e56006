// Packed int8 helpers for adapters without packed_4x8_integer_dot_product: the same results as
// int8_native.wgsl, from shifts and i32 multiply-adds. Lane k is bits 8k..8k+7.

fn unpack4(a: u32) -> vec4<i32> {
  let s = bitcast<i32>(a);
  return vec4<i32>((s << 24u) >> 24u, (s << 16u) >> 24u, (s << 8u) >> 24u, s >> 24u);
}

fn dot4(a: u32, b: u32) -> i32 {
  return dot(unpack4(a), unpack4(b));
}

fn pack4_clamp(v: vec4<i32>) -> u32 {
  let c = vec4<u32>(bitcast<vec4<u32>>(clamp(v, vec4<i32>(-128), vec4<i32>(127))) & vec4<u32>(0xffu));
  return c.x | (c.y << 8u) | (c.z << 16u) | (c.w << 24u);
}
