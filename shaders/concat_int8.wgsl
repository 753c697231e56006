// int8 Concat (docs/quantization.md (Q16)), one dispatch per input: the input's values are
// written into their region of the output, requantized when the input's (s, z) differs from the
// output's (REQUANT). Needs lib/int8_*.wgsl (unpack4, pack4_clamp) and lib/output_stage.wgsl
// (requantize).
//
// ALIGNED (any axis but the channel one, or a channel region that starts on a word boundary and
// owns its last word): whole words are copied. Input rows come in blocks of `block_rows` (the
// input's extent along the axis times the rows inside it); block k lands at output row
// k · out_block_rows + row_offset, at word `word_offset` of the row.
//
// Otherwise (channel axis, a region that shares words with its neighbours): one invocation per
// output word the region touches, which keeps the lanes it does not own (written by the other
// inputs' dispatches, which WebGPU orders) and writes 0 in padding lanes (channel ≥ C_out).

override WORKGROUP_SIZE: u32 = 64u;
override ALIGNED: bool = true;
override REQUANT: bool = false;

struct Concat {
  rows: u32, in_words: u32, out_words: u32, dispatch_width: u32,
  block_rows: u32, out_block_rows: u32, row_offset: u32, word_offset: u32,
  in_channels: u32, out_channels: u32, channel_offset: u32, region_words: u32,
  m0: i32, exponent: i32, input_zero: i32, output_zero: i32,
}

@group(0) @binding(0) var<uniform> u: Concat;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

// (Q16): one value into the output's (s, z), or as is.
fn convert(q: i32) -> i32 {
  if (REQUANT) {
    return requantize(q - u.input_zero, u.m0, u.exponent, u.output_zero, -128, 127);
  }
  return q;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (ALIGNED) {
    if (index >= u.rows * u.in_words) {
      return;
    }
    let word = index % u.in_words;
    let row = index / u.in_words;
    let out_row = (row / u.block_rows) * u.out_block_rows + u.row_offset + row % u.block_rows;
    var value = input[index];
    if (REQUANT) {
      let q = unpack4(value);
      value = pack4_clamp(vec4<i32>(convert(q.x), convert(q.y), convert(q.z), convert(q.w)));
    }
    output[out_row * u.out_words + u.word_offset + word] = value;
  } else {
    if (index >= u.rows * u.region_words) {
      return;
    }
    let row = index / u.region_words;
    let out_word = u.channel_offset / 4u + index % u.region_words;
    let out_index = row * u.out_words + out_word;
    var q = unpack4(output[out_index]);
    for (var lane = 0u; lane < 4u; lane++) {
      let c = out_word * 4u + lane;
      if (c >= u.channel_offset && c < u.channel_offset + u.in_channels) {
        let ic = c - u.channel_offset;
        q[lane] = convert(unpack4(input[row * u.in_words + ic / 4u])[ic % 4u]);
      } else if (c >= u.out_channels) {
        q[lane] = 0;
      }
    }
    output[out_index] = pack4_clamp(q);
  }
}
