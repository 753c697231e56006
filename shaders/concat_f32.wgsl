// float32 Concat along any axis (the spec is src/ref/float/shape-ops.ts), one dispatch per input:
// viewing the input as [outer, chunk] and the output as [outer, out_row], input row o lands at
// output row o, from element `offset` on. WebGPU orders the dispatches of a pass, and each writes
// a disjoint region. One invocation per input element.

override WORKGROUP_SIZE: u32 = 64u;

struct Concat {
  total: u32, chunk: u32, out_row: u32, offset: u32,
  dispatch_width: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Concat;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total) {
    return;
  }
  let row = index / u.chunk;
  output[row * u.out_row + u.offset + index % u.chunk] = input[index];
}
