// float32 data movement, one gather for every op that only moves elements (the spec is
// src/ref/float/indexing-move.ts, shape-ops.ts and indexing-gather.ts): Slice (any steps,
// negative ones too), Expand, Tile, DepthToSpace, SpaceToDepth, Gather and GatherElements.
// One invocation per output element. Its coordinates over a view of the output of rank ≤ 8
// (innermost first; an op may split an output axis into several, as Tile splits an axis of
// r·d into [r, d] with strides [0, s]) times signed element strides, plus `offset`, locate the
// input element. TABLE: 0 none; 1 along view axis `table_axis` the coordinate goes through
// `table` first (Gather's constant indices); 2 the source of element i is table[i]
// (GatherElements' constant indices, resolved at planning); 3 as 1, but the table is a tensor
// of the program (a Gather's run-time indices, e.g. token ids into an embedding: f32 values,
// read through their bits), a negative index counts from `axis_len`, and one out of
// [-axis_len, axis_len) is clamped into it (the CPU reference refuses it).

override WORKGROUP_SIZE: u32 = 64u;
override TABLE: u32 = 0u;

struct Gather {
  total: u32, dispatch_width: u32, rank: u32, table_axis: u32,
  offset: i32, axis_len: u32, _pad1: u32, _pad2: u32,
  // Innermost axis first, at most 8; dims 1-padded, strides 0-padded.
  out_shape: array<vec4<u32>, 2>,
  strides: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Gather;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> table: array<i32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total) {
    return;
  }
  if (TABLE == 2u) {
    output[index] = input[table[index]];
    return;
  }
  var rest = index;
  var source = u.offset;
  for (var d = 0u; d < u.rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    var coord = i32(rest % dim);
    rest = rest / dim;
    if (TABLE == 1u && d == u.table_axis) {
      coord = table[coord];
    }
    if (TABLE == 3u && d == u.table_axis) {
      let len = i32(u.axis_len);
      var k = i32(bitcast<f32>(table[coord]));
      k = select(k, k + len, k < 0);
      coord = clamp(k, 0, len - 1);
    }
    source += coord * u.strides[d / 4u][d % 4u];
  }
  output[index] = input[source];
}
