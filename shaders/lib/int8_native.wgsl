// Packed int8 helpers on adapters with the packed_4x8_integer_dot_product language feature.
// int8_emulated.wgsl defines the same functions, bit for bit, without it.

fn dot4(a: u32, b: u32) -> i32 {
  return dot4I8Packed(a, b);
}

fn unpack4(a: u32) -> vec4<i32> {
  return unpack4xI8(a);
}

fn pack4_clamp(v: vec4<i32>) -> u32 {
  return pack4xI8Clamp(v);
}
