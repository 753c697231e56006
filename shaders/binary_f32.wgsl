// float32 elementwise Add / Sub / Mul / Div with numpy broadcasting (the spec is
// src/ref/float/elementwise.ts). One invocation per output element of an output of rank ≤ 8:
// its coordinates (from the flat index, innermost axis first) times each operand's element
// strides (0 along a broadcast axis) locate the operands' elements.

override WORKGROUP_SIZE: u32 = 64u;
// 0 Add, 1 Sub, 2 Mul, 3 Div.
override OP: u32 = 0u;
// How output elements find their operands: 0 both operands have the output's shape (one to one);
// 1 numpy broadcasting through the strides; 2 b is one element, 3 a is one element (a scalar
// operand, e.g. an input normalisation's Mul and Sub, needs none of the per-axis division).
override BROADCAST: u32 = 1u;

struct Binary {
  total: u32, dispatch_width: u32, rank: u32, _pad0: u32,
  // Innermost axis first, at most 8; 1-padded.
  out_shape: array<vec4<u32>, 2>,
  a_strides: array<vec4<u32>, 2>,
  b_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Binary;
@group(0) @binding(1) var<storage, read> input_a: array<f32>;
@group(0) @binding(2) var<storage, read> input_b: array<f32>;
@group(0) @binding(3) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total) {
    return;
  }
  var ia = select(index, 0u, BROADCAST == 3u);
  var ib = select(index, 0u, BROADCAST == 2u);
  if (BROADCAST == 1u) {
    ia = 0u;
    ib = 0u;
    var rest = index;
    for (var d = 0u; d < u.rank; d++) {
      let dim = u.out_shape[d / 4u][d % 4u];
      let coord = rest % dim;
      rest = rest / dim;
      ia += coord * u.a_strides[d / 4u][d % 4u];
      ib += coord * u.b_strides[d / 4u][d % 4u];
    }
  }
  let a = input_a[ia];
  let b = input_b[ib];
  var y: f32;
  switch (OP) {
    case 0u: { y = a + b; }
    case 1u: { y = a - b; }
    case 2u: { y = a * b; }
    default: { y = a / b; }
  }
  output[index] = y;
}
