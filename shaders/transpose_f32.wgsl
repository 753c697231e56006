// float32 Transpose of rank ≤ 8 (the spec is src/ref/float/shape-ops.ts). For output element e
// (row-major over the output shape), its coordinates times `in_strides` (the input element
// stride of each output axis) give its flat index in the input. Each invocation computes ELEMENTS
// consecutive elements of one innermost output row (the planner makes ELEMENTS divide it): it
// locates the first by a division per axis, the rest by one input stride each.
// (Reshape, Flatten, Squeeze, Unsqueeze, and a Transpose that moves only size-1 axes, keep the
// element order: the plan aliases them and dispatches nothing.)

override WORKGROUP_SIZE: u32 = 64u;
override ELEMENTS: u32 = 1u;

struct Transpose {
  total: u32, dispatch_width: u32, rank: u32, _pad0: u32,
  // Innermost axis first, at most 8; 1-padded (strides 0-padded).
  out_shape: array<vec4<u32>, 2>,
  in_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Transpose;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let first = (id.y * u.dispatch_width + id.x) * ELEMENTS;
  if (first >= u.total) {
    return;
  }
  var rest = first;
  var source = 0u;
  for (var d = 0u; d < u.rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    source += (rest % dim) * u.in_strides[d / 4u][d % 4u];
    rest = rest / dim;
  }
  for (var e = 0u; e < ELEMENTS; e++) {
    output[first + e] = input[source + e * u.in_strides[0].x];
  }
}
