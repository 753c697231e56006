// Dense int8 convolution (group = 1), int8 storage with f32 arithmetic, for adapters where f32
// outruns dot4I8Packed (software ones): 4 output pixels × 8 output channels per invocation.
// Unpacking int8 lanes to f32 is what costs most there (~40% of the time on SwiftShader). A block
// of 8 pixels unpacks half as often per product and runs ~20% faster there, but SwiftShader then
// takes ~10 s to compile each pipeline (MobileNetV2's session: 43 s instead of 5 s).
// Every product is an integer of magnitude <= 128·127 = 16256, so a partial sum of at most
// CHUNK_WORDS·4 = 1024 products stays below 2^24 and is exact in f32; each chunk is then added to
// an i32 accumulator, so the result is the same int32 sum as the dot4 kernel's. Needs
// lib/conv_blocked.wgsl and its libraries.

const CHUNK_WORDS = 256u;

fn dots_f(y: vec4<f32>, w0: vec4<f32>, w1: vec4<f32>, w2: vec4<f32>, w3: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(dot(y, w0), dot(y, w1), dot(y, w2), dot(y, w3));
}

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
  // Pixel p (0-3) × output word o (0-1): i32 totals apo, and fpo, the f32 sum of the current chunk.
  var a00 = vec4<i32>(0); var a01 = vec4<i32>(0); var f00 = vec4<f32>(0.0); var f01 = vec4<f32>(0.0);
  var a10 = vec4<i32>(0); var a11 = vec4<i32>(0); var f10 = vec4<f32>(0.0); var f11 = vec4<f32>(0.0);
  var a20 = vec4<i32>(0); var a21 = vec4<i32>(0); var f20 = vec4<f32>(0.0); var f21 = vec4<f32>(0.0);
  var a30 = vec4<i32>(0); var a31 = vec4<i32>(0); var f30 = vec4<f32>(0.0); var f31 = vec4<f32>(0.0);
  // Words summed in f32 since the last flush into the i32 accumulators.
  var pending = 0u;
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
      var t0 = 0u;
      while (t0 < u.tap_words) {
        // Up to the end of the tap or of the current exact chunk.
        let t1 = min(u.tap_words, t0 + CHUNK_WORDS - pending);
        for (var t = t0; t < t1; t++) {
          let wa = weights[wi];
          let wb = weights[wi + 1u];
          wi += 2u;
          // Each weight word unpacked once: 8 unpacks and 4 input unpacks feed 32 dot products.
          let wa0 = vec4<f32>(unpack4(wa.x)); let wa1 = vec4<f32>(unpack4(wa.y));
          let wa2 = vec4<f32>(unpack4(wa.z)); let wa3 = vec4<f32>(unpack4(wa.w));
          let wb0 = vec4<f32>(unpack4(wb.x)); let wb1 = vec4<f32>(unpack4(wb.y));
          let wb2 = vec4<f32>(unpack4(wb.z)); let wb3 = vec4<f32>(unpack4(wb.w));
          let y0 = vec4<f32>(unpack4(word_at(b0, t)));
          let y1 = vec4<f32>(unpack4(word_at(b1, t)));
          let y2 = vec4<f32>(unpack4(word_at(b2, t)));
          let y3 = vec4<f32>(unpack4(word_at(b3, t)));
          f00 += dots_f(y0, wa0, wa1, wa2, wa3); f01 += dots_f(y0, wb0, wb1, wb2, wb3);
          f10 += dots_f(y1, wa0, wa1, wa2, wa3); f11 += dots_f(y1, wb0, wb1, wb2, wb3);
          f20 += dots_f(y2, wa0, wa1, wa2, wa3); f21 += dots_f(y2, wb0, wb1, wb2, wb3);
          f30 += dots_f(y3, wa0, wa1, wa2, wa3); f31 += dots_f(y3, wb0, wb1, wb2, wb3);
        }
        pending += t1 - t0;
        if (pending == CHUNK_WORDS) {
          // Every f32 partial sum is an exact integer: move the chunk into the i32 totals.
          a00 += vec4<i32>(f00); a01 += vec4<i32>(f01); f00 = vec4<f32>(0.0); f01 = vec4<f32>(0.0);
          a10 += vec4<i32>(f10); a11 += vec4<i32>(f11); f10 = vec4<f32>(0.0); f11 = vec4<f32>(0.0);
          a20 += vec4<i32>(f20); a21 += vec4<i32>(f21); f20 = vec4<f32>(0.0); f21 = vec4<f32>(0.0);
          a30 += vec4<i32>(f30); a31 += vec4<i32>(f31); f30 = vec4<f32>(0.0); f31 = vec4<f32>(0.0);
          pending = 0u;
        }
        t0 = t1;
      }
    }
  }
  a00 += vec4<i32>(f00); a01 += vec4<i32>(f01);
  a10 += vec4<i32>(f10); a11 += vec4<i32>(f11);
  a20 += vec4<i32>(f20); a21 += vec4<i32>(f21);
  a30 += vec4<i32>(f30); a31 += vec4<i32>(f31);
  let word = ocb * 2u;
  store_block(first, word, a00, a01, a10, a11, a20, a21, a30, a31);
}
