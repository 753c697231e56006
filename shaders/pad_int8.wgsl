// int8 constant Pad (docs/quantization.md (Q18)): the float graph's Pad on int8 data, the fill
// being the quantized pad value (the zero point for a zero pad). Needs lib/int8_*.wgsl (unpack4,
// pack4_clamp).
//
// Output [rows, ceil(C_out/4)] u32 of a logical output shape of rank ≤ 8. For an output element,
// its coordinate on each axis minus that axis's leading pad is its input coordinate; outside the
// input on any axis it takes the fill. One invocation per output word, gathering four lanes;
// padding lanes are written 0. Negative pads (crops) need no special case.

override WORKGROUP_SIZE: u32 = 64u;
// The channel axis's leading pad is a multiple of 4 (BlazeFace's channel pads: 0): each output
// word reads one input word whole and selects the fill lane-wise; no gathering of lanes.
override ALIGNED: bool = false;

struct Pad {
  rows: u32, out_channels: u32, out_words: u32, dispatch_width: u32,
  in_channels: u32, in_words: u32, rank: u32, fill: i32,
  // Innermost axis first, at most 8.
  out_shape: array<vec4<u32>, 2>,
  in_shape: array<vec4<u32>, 2>,
  before: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Pad;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

// The input row (flat over the input's leading axes) that output row `row` reads, or -1 where
// it lies in the padding of a leading axis. Done once per word: the four lanes share their row.
// No early return: software adapters run both sides of a branch invocations split on.
fn source_row(row: u32) -> i32 {
  var rest = row;
  var source = 0u;
  var stride = 1u;
  var outside = false;
  for (var d = 1u; d < u.rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    let in_dim = u.in_shape[d / 4u][d % 4u];
    let c = i32(rest % dim) - u.before[d / 4u][d % 4u];
    rest = rest / dim;
    outside = outside | (c < 0) | (c >= i32(in_dim));
    source += u32(c) * stride;
    stride *= in_dim;
  }
  return select(i32(source), -1, outside);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * u.out_words) {
    return;
  }
  let word = index % u.out_words;
  let in_row = source_row(index / u.out_words);
  // The channel (innermost) axis: a rank-0 tensor is one row of one channel, never padded.
  let before = select(0, u.before[0].x, u.rank > 0u);
  let out_lane = vec4<i32>(i32(word * 4u)) + vec4<i32>(0, 1, 2, 3);
  if (ALIGNED) {
    let in_word = i32(word) - before / 4;
    let inside = (in_row >= 0) & (in_word >= 0) & (in_word < i32(u.in_words));
    let x = unpack4(input[select(0u, u32(in_row) * u.in_words + u32(in_word), inside)]);
    let in_col = out_lane - vec4<i32>(before);
    let q = select(vec4<i32>(u.fill), x, vec4<bool>(inside) & (in_col >= vec4<i32>(0)) & (in_col < vec4<i32>(i32(u.in_channels))));
    output[index] = pack4_clamp(select(vec4<i32>(0), q, out_lane < vec4<i32>(i32(u.out_channels))));
    return;
  }
  var q = vec4<i32>(0);
  for (var lane = 0u; lane < 4u; lane++) {
    let c = word * 4u + lane;
    let in_col = i32(c) - before;
    if (c < u.out_channels) {
      if (in_row < 0 || in_col < 0 || in_col >= i32(u.in_channels)) {
        q[lane] = u.fill;
      } else {
        q[lane] = unpack4(input[u32(in_row) * u.in_words + u32(in_col) / 4u])[u32(in_col) % 4u];
      }
    }
  }
  output[index] = pack4_clamp(q);
}
