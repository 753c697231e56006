// int8 layout ops (docs/quantization.md (Q18)): Transpose, any reshape whose packed words
// differ from its input's (the last dimension changes), and the strided views (Slice, Expand,
// Tile, DepthToSpace, SpaceToDepth). Needs lib/int8_*.wgsl (unpack4, pack4_clamp).
//
// Output [rows, ceil(C_out/4)] u32 of a logical output shape of rank ≤ 8. For an output element
// at flat index e (row-major over the view's shape), `base` plus its coordinates times
// `in_strides` (the input element stride of each view axis: negative for a reversed Slice, 0 for
// a broadcast) give its flat index in the input, which is located in the input's packed rows of
// C_in. A reshape is the identity map (rank 1, stride 1); a transpose uses the permuted input
// strides. One invocation per output word, gathering four lanes; padding lanes are written 0.
// WORD_COPY (a transpose that keeps the last axis last): whole input words are copied, padding
// lanes included.

override WORKGROUP_SIZE: u32 = 64u;
override WORD_COPY: bool = false;

struct Layout {
  rows: u32, out_channels: u32, out_words: u32, dispatch_width: u32,
  in_channels: u32, in_words: u32, rank: u32, base: u32,
  // Innermost axis first, at most 8.
  out_shape: array<vec4<u32>, 2>,
  in_strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Layout;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

// The input flat element index of output element `e`.
fn source_of(e: u32) -> u32 {
  var rest = e;
  var offset = i32(u.base);
  for (var d = 0u; d < u.rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    offset += i32(rest % dim) * u.in_strides[d / 4u][d % 4u];
    rest = rest / dim;
  }
  return u32(offset);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * u.out_words) {
    return;
  }
  let word = index % u.out_words;
  let row = index / u.out_words;
  if (WORD_COPY) {
    let in_row = source_of(row * u.out_channels) / u.in_channels;
    output[index] = input[in_row * u.in_words + word];
    return;
  }
  var q = vec4<i32>(0);
  for (var lane = 0u; lane < 4u; lane++) {
    let c = word * 4u + lane;
    if (c < u.out_channels) {
      let source = source_of(row * u.out_channels + c);
      let in_row = source / u.in_channels;
      let in_col = source % u.in_channels;
      q[lane] = unpack4(input[in_row * u.in_words + in_col / 4u])[in_col % 4u];
    }
  }
  output[index] = pack4_clamp(q);
}
