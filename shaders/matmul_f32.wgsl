// float32 batched matrix product (the spec is src/ref/float/matmul.ts): MatMul of two
// activations with numpy broadcasting of the batch dims (rank ≤ 4 of them), and Gemm with any
// transposes and a C that broadcasts to [M, N]: out = alpha · Σ_k A[m, k] B[k, n] + beta · C[m, n].
// One invocation per output element; A, B and C are read through element strides, so transposes
// and broadcast batch dims cost no copy. (A constant B runs the tiled dense kernel instead.)

override WORKGROUP_SIZE: u32 = 64u;
override HAS_C: u32 = 0u;

struct MatMul {
  total: u32, dispatch_width: u32, m: u32, n: u32,
  k: u32, batch_rank: u32, alpha: f32, beta: f32,
  // The output's batch dims, innermost first (1-padded), and A's and B's element strides along them.
  batch_shape: vec4<u32>,
  a_batch: vec4<u32>,
  b_batch: vec4<u32>,
  a_sm: u32, a_sk: u32, b_sk: u32, b_sn: u32,
  c_sm: u32, c_sn: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: MatMul;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> c: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total) {
    return;
  }
  let col = index % u.n;
  let row = (index / u.n) % u.m;
  var rest = index / (u.n * u.m);
  var ia = row * u.a_sm;
  var ib = col * u.b_sn;
  for (var d = 0u; d < u.batch_rank; d++) {
    let dim = u.batch_shape[d];
    let coord = rest % dim;
    rest = rest / dim;
    ia += coord * u.a_batch[d];
    ib += coord * u.b_batch[d];
  }
  var sum = 0.0;
  for (var j = 0u; j < u.k; j++) {
    sum += a[ia + j * u.a_sk] * b[ib + j * u.b_sk];
  }
  var y = u.alpha * sum;
  if (HAS_C == 1u) {
    y += u.beta * c[row * u.c_sm + col * u.c_sn];
  }
  output[index] = y;
}
