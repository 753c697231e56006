// float32 Pad of rank ≤ 8 (the spec is src/ref/float/shape-ops.ts). For output element e
// (row-major over the output shape), its coordinate on each axis minus that axis's leading pad
// is its input coordinate; outside the input on any axis, MODE 0 (constant) takes the fill,
// 1 (reflect) mirrors the coordinate about the edges (period 2·(len − 1)), 2 (edge) clamps it.
// One invocation per element. Negative pads (crops) need no special case.

override WORKGROUP_SIZE: u32 = 64u;
override MODE: u32 = 0u;

struct Pad {
  total: u32, dispatch_width: u32, rank: u32, fill: f32,
  // Innermost axis first, at most 8.
  out_shape: array<vec4<u32>, 2>,
  in_shape: array<vec4<u32>, 2>,
  before: array<vec4<i32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Pad;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total) {
    return;
  }
  var rest = index;
  var source = 0u;
  var stride = 1u;
  for (var d = 0u; d < u.rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    let in_dim = u.in_shape[d / 4u][d % 4u];
    var c = i32(rest % dim) - u.before[d / 4u][d % 4u];
    rest = rest / dim;
    let len = i32(in_dim);
    if (c < 0 || c >= len) {
      if (MODE == 0u) {
        output[index] = u.fill;
        return;
      }
      if (MODE == 2u) {
        c = clamp(c, 0, len - 1);
      } else if (len == 1) {
        c = 0;
      } else {
        let period = 2 * (len - 1);
        let m = ((c % period) + period) % period;
        c = select(period - m, m, m < len);
      }
    }
    source += u32(c) * stride;
    stride *= in_dim;
  }
  output[index] = input[source];
}
