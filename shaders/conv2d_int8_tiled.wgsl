// Dense int8 convolution (group = 1), dot4 arithmetic in workgroup-memory tiles, the way GPUs
// like it: a workgroup of 64 invocations computes 64 output pixels × 64 output channels; each
// step stages 8 input words of the tap for its 64 pixels (the implicit im2col) and the same 8
// words of its 64 channels' weights in workgroup memory, and each invocation takes 8 pixels × 8
// channels of the tile from there: every input word is loaded from memory once per 64 channels
// (the register-blocked kernel loads it once per 8) and every weight word once per 64 pixels.
// The same i32 sums and output stage as conv2d_int8_blocked, so the same bytes. Software
// adapters, where workgroup barriers are slow, run the register-blocked kernels instead (the
// autotune times both). Needs lib/dots.wgsl, lib/conv_blocked.wgsl (bindings, windows, output stage) and its
// libraries; WORKGROUP_SIZE must be 64. Weights: conv-blocked.ts's blocks of 64 channels.

const TILE_K: u32 = 8u;
// Channel quads (vec4 words) of a 64-channel weight block.
const QUADS: u32 = 16u;

// [pixel 0..63][input word 0..7] and [input word 0..7][channel quad 0..15].
var<workgroup> a_tile: array<u32, 512>;
var<workgroup> b_tile: array<vec4<u32>, 128>;

// Tile word `t` of a tap (0 past the tap's words: its weights are 0 there too).
fn staged(base: i32, t: u32) -> u32 {
  return select(0u, word_at(base, min(t, u.tap_words - 1u)), t < u.tap_words);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) group: vec3<u32>, @builtin(local_invocation_index) lane: u32) {
  let first = group.x * 64u;
  let channel_block = group.y;
  // Staging: this invocation loads word lane % 8 of pixels lane / 8 + 8j.
  let load_t = lane % 8u;
  let lp = lane / 8u;
  let o0 = window_origin(first + lp); let o1 = window_origin(first + lp + 8u);
  let o2 = window_origin(first + lp + 16u); let o3 = window_origin(first + lp + 24u);
  let o4 = window_origin(first + lp + 32u); let o5 = window_origin(first + lp + 40u);
  let o6 = window_origin(first + lp + 48u); let o7 = window_origin(first + lp + 56u);
  // Computing: pixels 8·tp .. 8·tp + 7 of the tile × channel quads 2·tc, 2·tc + 1.
  let tp = lane % 8u;
  let tc = lane / 8u;
  var a00 = vec4<i32>(0); var a01 = vec4<i32>(0);
  var a10 = vec4<i32>(0); var a11 = vec4<i32>(0);
  var a20 = vec4<i32>(0); var a21 = vec4<i32>(0);
  var a30 = vec4<i32>(0); var a31 = vec4<i32>(0);
  var a40 = vec4<i32>(0); var a41 = vec4<i32>(0);
  var a50 = vec4<i32>(0); var a51 = vec4<i32>(0);
  var a60 = vec4<i32>(0); var a61 = vec4<i32>(0);
  var a70 = vec4<i32>(0); var a71 = vec4<i32>(0);
  let tap_words_total = u.kh * u.kw * u.tap_words;
  for (var ky = 0u; ky < u.kh; ky++) {
    let dy = i32(ky * u.dilation_y);
    for (var kx = 0u; kx < u.kw; kx++) {
      let dx = i32(kx * u.dilation_x);
      let b0 = tap_base(o0, dy, dx); let b1 = tap_base(o1, dy, dx);
      let b2 = tap_base(o2, dy, dx); let b3 = tap_base(o3, dy, dx);
      let b4 = tap_base(o4, dy, dx); let b5 = tap_base(o5, dy, dx);
      let b6 = tap_base(o6, dy, dx); let b7 = tap_base(o7, dy, dx);
      let tap_row = channel_block * tap_words_total + (ky * u.kw + kx) * u.tap_words;
      for (var k0 = 0u; k0 < u.tap_words; k0 += TILE_K) {
        let t = k0 + load_t;
        a_tile[lp * 8u + load_t] = staged(b0, t);
        a_tile[(lp + 8u) * 8u + load_t] = staged(b1, t);
        a_tile[(lp + 16u) * 8u + load_t] = staged(b2, t);
        a_tile[(lp + 24u) * 8u + load_t] = staged(b3, t);
        a_tile[(lp + 32u) * 8u + load_t] = staged(b4, t);
        a_tile[(lp + 40u) * 8u + load_t] = staged(b5, t);
        a_tile[(lp + 48u) * 8u + load_t] = staged(b6, t);
        a_tile[(lp + 56u) * 8u + load_t] = staged(b7, t);
        for (var e = lane; e < TILE_K * QUADS; e += 64u) {
          let k = k0 + e / QUADS;
          b_tile[e] = select(vec4<u32>(0u), weights[(tap_row + min(k, u.tap_words - 1u)) * QUADS + e % QUADS], k < u.tap_words);
        }
        workgroupBarrier();
        for (var w = 0u; w < TILE_K; w++) {
          let wa = b_tile[w * QUADS + 2u * tc];
          let wb = b_tile[w * QUADS + 2u * tc + 1u];
          let row = tp * 64u + w;
          let x0 = a_tile[row]; let x1 = a_tile[row + 8u];
          let x2 = a_tile[row + 16u]; let x3 = a_tile[row + 24u];
          let x4 = a_tile[row + 32u]; let x5 = a_tile[row + 40u];
          let x6 = a_tile[row + 48u]; let x7 = a_tile[row + 56u];
          a00 += dots_i(x0, wa); a01 += dots_i(x0, wb);
          a10 += dots_i(x1, wa); a11 += dots_i(x1, wb);
          a20 += dots_i(x2, wa); a21 += dots_i(x2, wb);
          a30 += dots_i(x3, wa); a31 += dots_i(x3, wb);
          a40 += dots_i(x4, wa); a41 += dots_i(x4, wb);
          a50 += dots_i(x5, wa); a51 += dots_i(x5, wb);
          a60 += dots_i(x6, wa); a61 += dots_i(x6, wb);
          a70 += dots_i(x7, wa); a71 += dots_i(x7, wb);
        }
        workgroupBarrier();
      }
    }
  }
  let word = channel_block * QUADS + 2u * tc;
  store_block(first + tp * 8u, word, a00, a01, a10, a11, a20, a21, a30, a31);
  store_block(first + tp * 8u + 4u, word, a40, a41, a50, a51, a60, a61, a70, a71);
}
