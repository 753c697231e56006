// Dense int8 convolution (group = 1), int8 storage with f32 arithmetic, for adapters where f32
// outruns dot4I8Packed (software ones): 8 output pixels × 8 output channels per invocation.
// Unpacking int8 lanes to f32 is what costs most there: with 8 pixels each weight word unpacked
// feeds 8 products instead of 4. Each partial sum is f32 from the first word to the last, with
// no i32 accumulator beside it: on SwiftShader every variable a loop carries costs time and
// compile time (with i32 totals flushed in chunks, 8 pixels were 16% slower than this and 4
// pixels ~14%, MobileNetV2's f32 convs A/B on Dawn). Exact because the planner only gives this
// kernel a conv whose every partial sum is below 2^24 in magnitude (f32Exact in
// src/kernels/conv-variants.ts: |x| <= 128 times each output channel's sum of |w|), where every
// f32 sum of integer products is the integer itself. Needs lib/dots.wgsl, lib/conv_blocked.wgsl and its libraries.

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  let blocks = (u.out_words + 1u) / 2u;
  if (index >= blocks * u.pixel_blocks) {
    return;
  }
  // Pixel blocks vary fastest: neighbouring invocations share their weights.
  let pb = index % u.pixel_blocks;
  let ocb = index / u.pixel_blocks;
  let first = pb * 8u;
  // Sums in function scope (registers): pixel p (0-7) × output word o (0-1).
  var f00 = vec4<f32>(0.0); var f01 = vec4<f32>(0.0);
  var f10 = vec4<f32>(0.0); var f11 = vec4<f32>(0.0);
  var f20 = vec4<f32>(0.0); var f21 = vec4<f32>(0.0);
  var f30 = vec4<f32>(0.0); var f31 = vec4<f32>(0.0);
  var f40 = vec4<f32>(0.0); var f41 = vec4<f32>(0.0);
  var f50 = vec4<f32>(0.0); var f51 = vec4<f32>(0.0);
  var f60 = vec4<f32>(0.0); var f61 = vec4<f32>(0.0);
  var f70 = vec4<f32>(0.0); var f71 = vec4<f32>(0.0);
  var wi = ocb * u.kh * u.kw * u.tap_words * 2u;
  let o0 = window_origin(first);
  let o1 = window_origin(first + 1u);
  let o2 = window_origin(first + 2u);
  let o3 = window_origin(first + 3u);
  let o4 = window_origin(first + 4u);
  let o5 = window_origin(first + 5u);
  let o6 = window_origin(first + 6u);
  let o7 = window_origin(first + 7u);
  for (var ky = 0u; ky < u.kh; ky++) {
    let dy = i32(ky * u.dilation_y);
    for (var kx = 0u; kx < u.kw; kx++) {
      let dx = i32(kx * u.dilation_x);
      let b0 = tap_base(o0, dy, dx);
      let b1 = tap_base(o1, dy, dx);
      let b2 = tap_base(o2, dy, dx);
      let b3 = tap_base(o3, dy, dx);
      let b4 = tap_base(o4, dy, dx);
      let b5 = tap_base(o5, dy, dx);
      let b6 = tap_base(o6, dy, dx);
      let b7 = tap_base(o7, dy, dx);
      for (var t = 0u; t < u.tap_words; t++) {
        let wa = weights[wi];
        let wb = weights[wi + 1u];
        wi += 2u;
        // Each weight word unpacked once: 8 unpacks and 8 input unpacks feed 64 dot products.
        let wa0 = unpack_f(wa.x); let wa1 = unpack_f(wa.y); let wa2 = unpack_f(wa.z); let wa3 = unpack_f(wa.w);
        let wb0 = unpack_f(wb.x); let wb1 = unpack_f(wb.y); let wb2 = unpack_f(wb.z); let wb3 = unpack_f(wb.w);
        let y0 = unpack_f(word_at(b0, t));
        let y1 = unpack_f(word_at(b1, t));
        let y2 = unpack_f(word_at(b2, t));
        let y3 = unpack_f(word_at(b3, t));
        let y4 = unpack_f(word_at(b4, t));
        let y5 = unpack_f(word_at(b5, t));
        let y6 = unpack_f(word_at(b6, t));
        let y7 = unpack_f(word_at(b7, t));
        f00 += dots_f(y0, wa0, wa1, wa2, wa3); f01 += dots_f(y0, wb0, wb1, wb2, wb3);
        f10 += dots_f(y1, wa0, wa1, wa2, wa3); f11 += dots_f(y1, wb0, wb1, wb2, wb3);
        f20 += dots_f(y2, wa0, wa1, wa2, wa3); f21 += dots_f(y2, wb0, wb1, wb2, wb3);
        f30 += dots_f(y3, wa0, wa1, wa2, wa3); f31 += dots_f(y3, wb0, wb1, wb2, wb3);
        f40 += dots_f(y4, wa0, wa1, wa2, wa3); f41 += dots_f(y4, wb0, wb1, wb2, wb3);
        f50 += dots_f(y5, wa0, wa1, wa2, wa3); f51 += dots_f(y5, wb0, wb1, wb2, wb3);
        f60 += dots_f(y6, wa0, wa1, wa2, wa3); f61 += dots_f(y6, wb0, wb1, wb2, wb3);
        f70 += dots_f(y7, wa0, wa1, wa2, wa3); f71 += dots_f(y7, wb0, wb1, wb2, wb3);
      }
    }
  }
  let word = ocb * 2u;
  store_block(first, word, vec4<i32>(f00), vec4<i32>(f01), vec4<i32>(f10), vec4<i32>(f11), vec4<i32>(f20), vec4<i32>(f21), vec4<i32>(f30), vec4<i32>(f31));
  store_block(first + 4u, word, vec4<i32>(f40), vec4<i32>(f41), vec4<i32>(f50), vec4<i32>(f51), vec4<i32>(f60), vec4<i32>(f61), vec4<i32>(f70), vec4<i32>(f71));
}
