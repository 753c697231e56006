// float32 batched matrix product (the spec is src/ref/float/matmul.ts): MatMul of two
// activations with numpy broadcasting of the batch dims (rank ≤ 4 of them), and Gemm with any
// transposes and a C that broadcasts to [M, N]: out = alpha · Σ_k A[m, k] B[k, n] + beta · C[m, n].
// One invocation per tile of 4 × 4 outputs of one batch entry (each A and B element loaded once
// for four products: one output per invocation was 4-8× slower on SwiftShader, whose cost is per
// invocation); A, B and C are read through element strides, so transposes and broadcast batch
// dims cost no copy. Each output's sum runs over k in order, as the reference's does. (A constant
// B runs the tiled dense kernel instead.)

override WORKGROUP_SIZE: u32 = 64u;
override HAS_C: u32 = 0u;

struct MatMul {
  // Batch entries × ⌈M/4⌉ × ⌈N/4⌉.
  tiles: u32, dispatch_width: u32, m: u32, n: u32,
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

fn store(row: u32, col: u32, out_base: u32, sum: f32) {
  if (row >= u.m || col >= u.n) {
    return;
  }
  var y = u.alpha * sum;
  if (HAS_C == 1u) {
    y += u.beta * c[row * u.c_sm + col * u.c_sn];
  }
  output[out_base + row * u.n + col] = y;
}

fn store_row(row: u32, col0: u32, out_base: u32, sums: vec4<f32>) {
  for (var j = 0u; j < 4u; j++) {
    store(row, col0 + j, out_base, sums[j]);
  }
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.tiles) {
    return;
  }
  let col_tiles = (u.n + 3u) / 4u;
  let row_tiles = (u.m + 3u) / 4u;
  let col0 = (index % col_tiles) * 4u;
  let row0 = ((index / col_tiles) % row_tiles) * 4u;
  let entry = index / (col_tiles * row_tiles);
  var rest = entry;
  var ia = 0u;
  var ib = 0u;
  for (var d = 0u; d < u.batch_rank; d++) {
    let dim = u.batch_shape[d];
    let coord = rest % dim;
    rest = rest / dim;
    ia += coord * u.a_batch[d];
    ib += coord * u.b_batch[d];
  }
  // Rows and columns past the edge read the last one (in bounds) and are not stored.
  let rows = vec4<u32>(min(row0, u.m - 1u), min(row0 + 1u, u.m - 1u), min(row0 + 2u, u.m - 1u), min(row0 + 3u, u.m - 1u));
  let cols = vec4<u32>(min(col0, u.n - 1u), min(col0 + 1u, u.n - 1u), min(col0 + 2u, u.n - 1u), min(col0 + 3u, u.n - 1u));
  let a_at = vec4<u32>(ia) + rows * u.a_sm;
  let b_at = vec4<u32>(ib) + cols * u.b_sn;
  var s0 = vec4<f32>(0.0);
  var s1 = vec4<f32>(0.0);
  var s2 = vec4<f32>(0.0);
  var s3 = vec4<f32>(0.0);
  for (var j = 0u; j < u.k; j++) {
    let ka = j * u.a_sk;
    let kb = j * u.b_sk;
    let av = vec4<f32>(a[a_at.x + ka], a[a_at.y + ka], a[a_at.z + ka], a[a_at.w + ka]);
    let bv = vec4<f32>(b[b_at.x + kb], b[b_at.y + kb], b[b_at.z + kb], b[b_at.w + kb]);
    s0 += av.x * bv;
    s1 += av.y * bv;
    s2 += av.z * bv;
    s3 += av.w * bv;
  }
  let out_base = entry * u.m * u.n;
  store_row(row0, col0, out_base, s0);
  store_row(row0 + 1u, col0, out_base, s1);
  store_row(row0 + 2u, col0, out_base, s2);
  store_row(row0 + 3u, col0, out_base, s3);
}
