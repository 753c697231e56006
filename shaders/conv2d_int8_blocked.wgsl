// Dense int8 convolution (group = 1), dot4 arithmetic: 4 output pixels × 8 output channels per
// invocation, dot4I8Packed (or its emulation) into i32 accumulators; each input word loaded
// feeds 8 products and each weight word 4. Needs lib/dots.wgsl, lib/conv_blocked.wgsl (bindings, windows,
// output stage) and its libraries.

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
  let first = pb * 4u;
  // Accumulators in function scope (registers): pixel p (0-3) × output word o (0-1).
  var a00 = vec4<i32>(0); var a01 = vec4<i32>(0);
  var a10 = vec4<i32>(0); var a11 = vec4<i32>(0);
  var a20 = vec4<i32>(0); var a21 = vec4<i32>(0);
  var a30 = vec4<i32>(0); var a31 = vec4<i32>(0);
  var wi = ocb * u.kh * u.kw * u.tap_words * 2u;
  let o0 = window_origin(first);
  let o1 = window_origin(first + 1u);
  let o2 = window_origin(first + 2u);
  let o3 = window_origin(first + 3u);
  for (var ky = 0u; ky < u.kh; ky++) {
    let dy = i32(ky * u.dilation_y);
    for (var kx = 0u; kx < u.kw; kx++) {
      let dx = i32(kx * u.dilation_x);
      let b0 = tap_base(o0, dy, dx);
      let b1 = tap_base(o1, dy, dx);
      let b2 = tap_base(o2, dy, dx);
      let b3 = tap_base(o3, dy, dx);
      for (var t = 0u; t < u.tap_words; t++) {
        let wa = weights[wi];
        let wb = weights[wi + 1u];
        wi += 2u;
        let x0 = word_at(b0, t);
        let x1 = word_at(b1, t);
        let x2 = word_at(b2, t);
        let x3 = word_at(b3, t);
        a00 += dots_i(x0, wa); a01 += dots_i(x0, wb);
        a10 += dots_i(x1, wa); a11 += dots_i(x1, wb);
        a20 += dots_i(x2, wa); a21 += dots_i(x2, wb);
        a30 += dots_i(x3, wa); a31 += dots_i(x3, wb);
      }
    }
  }
  let word = ocb * 2u;
  store_block(first, word, a00, a01, a10, a11, a20, a21, a30, a31);
}
