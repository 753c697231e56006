// A nearest Resize on int8 data (docs/quantization.md (Q18)): values moved, (s, z) kept. The
// last (packed) axis is never resized, so every output row of ceil(C/4) words is an input row:
// the output row's coordinates along the leading axes, each mapped through its axis' index table
// (the input index the float reference reads for that output index), give the input row.
// One invocation per output word; padding lanes are copied with their row.

override WORKGROUP_SIZE: u32 = 64u;

struct Resize {
  rows: u32, words: u32, dispatch_width: u32, lead_rank: u32,
  // Leading output dims, innermost first (at most 8); each axis' input row stride and the
  // offset of its index table in `indices`.
  out_shape: array<vec4<u32>, 2>,
  in_row_strides: array<vec4<u32>, 2>,
  table_offsets: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Resize;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read> indices: array<u32>;
@group(0) @binding(3) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.rows * u.words) {
    return;
  }
  let word = index % u.words;
  var rest = index / u.words;
  var in_row = 0u;
  for (var d = 0u; d < u.lead_rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    let coord = rest % dim;
    rest = rest / dim;
    in_row += indices[u.table_offsets[d / 4u][d % 4u] + coord] * u.in_row_strides[d / 4u][d % 4u];
  }
  output[index] = input[in_row * u.words + word];
}
