// float32 elementwise activations (the spec is src/ref/float/elementwise.ts), one op per
// pipeline, chosen by the OP override. One invocation per element.
//   0 Relu         max(x, 0)
//   1 Clip         min(max(x, alpha), beta)   (alpha = min, beta = max)
//   2 Sigmoid      1 / (1 + exp(−x))
//   3 HardSwish    x · clamp(x / 6 + 0.5, 0, 1)
//   4 HardSigmoid  clamp(alpha · x + beta, 0, 1)
//   5 LeakyRelu    x ≥ 0 ? x : alpha · x

override WORKGROUP_SIZE: u32 = 64u;
override OP: u32 = 0u;

struct Unary {
  total: u32, dispatch_width: u32, alpha: f32, beta: f32,
}

@group(0) @binding(0) var<uniform> u: Unary;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total) {
    return;
  }
  let x = input[index];
  var y: f32;
  switch (OP) {
    case 0u: { y = max(x, 0.0); }
    case 1u: { y = min(max(x, u.alpha), u.beta); }
    case 2u: { y = 1.0 / (1.0 + exp(-x)); }
    case 3u: { y = x * clamp(x / 6.0 + 0.5, 0.0, 1.0); }
    case 4u: { y = clamp(u.alpha * x + u.beta, 0.0, 1.0); }
    default: { y = select(u.alpha * x, x, x >= 0.0); }
  }
  output[index] = y;
}
