// One packed word against four (the register-blocked int8 products' inner step), in i32 with dot4
// (conv2d_int8_blocked, conv2d_int8_tiled) or in f32 on unpacked lanes (conv2d_int8_blocked_f32,
// dynq_gemm_f32: exact while the sums stay below 2^24). Needs lib/int8_*.wgsl.

fn dots_i(x: u32, w: vec4<u32>) -> vec4<i32> {
  return vec4<i32>(dot4(x, w.x), dot4(x, w.y), dot4(x, w.z), dot4(x, w.w));
}

fn dots_f(y: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(dot(y, w0), dot(y, w1), dot(y, w2), dot(y, w3));
}

fn unpack_f(word: u32) -> vec4<f32> {
  return vec4<f32>(unpack4(word));
}
