// float32 reductions over any set of axes (the spec is src/ref/float/reduce-axes.ts): ReduceSum
// … ReduceLogSumExp, and ArgMax / ArgMin along one axis (the index written as an f32, exact
// below 2^24). One invocation per output element (keepdims shape, rank ≤ 8): its coordinates
// times `out_strides` locate the first input element it folds, and the `count` reduced elements
// are that plus the reduced coordinates times `red_strides`. OP:
//   0 Sum  1 Mean  2 Max  3 Min  4 Prod  5 L1  6 L2  7 SumSquare  8 LogSum  9 LogSumExp
//   10 ArgMax  11 ArgMin (select_last: of equal extremes, the last index)

override WORKGROUP_SIZE: u32 = 64u;
override OP: u32 = 0u;

struct Reduce {
  total: u32, dispatch_width: u32, rank: u32, red_rank: u32,
  count: u32, select_last: u32, _pad0: u32, _pad1: u32,
  // Innermost axis first, at most 8; dims 1-padded, strides 0-padded.
  out_shape: array<vec4<u32>, 2>,
  out_strides: array<vec4<u32>, 2>,
  red_shape: array<vec4<u32>, 2>,
  red_strides: array<vec4<u32>, 2>,
}

@group(0) @binding(0) var<uniform> u: Reduce;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

fn reduced_offset(r: u32) -> u32 {
  var rest = r;
  var offset = 0u;
  for (var d = 0u; d < u.red_rank; d++) {
    let dim = u.red_shape[d / 4u][d % 4u];
    offset += (rest % dim) * u.red_strides[d / 4u][d % 4u];
    rest = rest / dim;
  }
  return offset;
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total) {
    return;
  }
  var rest = index;
  var base = 0u;
  for (var d = 0u; d < u.rank; d++) {
    let dim = u.out_shape[d / 4u][d % 4u];
    base += (rest % dim) * u.out_strides[d / 4u][d % 4u];
    rest = rest / dim;
  }
  if (OP >= 10u) {
    var best = input[base];
    var at = 0u;
    for (var r = 1u; r < u.count; r++) {
      let v = input[base + reduced_offset(r)];
      let better = select((v < best), (v > best), OP == 10u) || (u.select_last == 1u && v == best);
      if (better) {
        best = v;
        at = r;
      }
    }
    output[index] = f32(at);
    return;
  }
  if (OP == 2u || OP == 3u || OP == 9u) {
    var m = input[base];
    for (var r = 1u; r < u.count; r++) {
      let v = input[base + reduced_offset(r)];
      m = select(min(m, v), max(m, v), OP != 3u);
    }
    if (OP != 9u) {
      output[index] = m;
      return;
    }
    var s = 0.0;
    for (var r = 0u; r < u.count; r++) {
      s += exp(input[base + reduced_offset(r)] - m);
    }
    output[index] = log(s) + m;
    return;
  }
  var acc = select(0.0, 1.0, OP == 4u);
  for (var r = 0u; r < u.count; r++) {
    let v = input[base + reduced_offset(r)];
    switch (OP) {
      case 4u: { acc *= v; }
      case 5u: { acc += abs(v); }
      case 6u, 7u: { acc += v * v; }
      default: { acc += v; }
    }
  }
  switch (OP) {
    case 1u: { acc = acc / f32(u.count); }
    case 6u: { acc = sqrt(acc); }
    case 8u: { acc = log(acc); }
    default: {}
  }
  output[index] = acc;
}
