// Softmax on float32 (a float op outside the int8 scheme: it runs between a Dequantize and a
// Quantize). Over `len` elements `inner` apart, for each (outer, inner) position: the data is
// [outer, len, inner]. One invocation per (outer, inner); max, then Σ exp(x − max) with Kahan
// compensation, then exp(x − max) · (1 / Σ).
// The float reference (src/ref/float/norm.ts) works in doubles; this matches it within a stated
// tolerance, not bit for bit.

// MODE (the fp32 GPU path's LogSoftmax and Hardmax share the walk): 0 Softmax; 1 LogSoftmax,
// x − max − log Σ exp(x − max); 2 Hardmax, 1 at the first maximum along the axis, 0 elsewhere.
override WORKGROUP_SIZE: u32 = 64u;
override MODE: u32 = 0u;

struct Softmax {
  outer: u32, len: u32, inner: u32, dispatch_width: u32,
}

@group(0) @binding(0) var<uniform> u: Softmax;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.outer * u.inner) {
    return;
  }
  let i = index % u.inner;
  let o = index / u.inner;
  let base = o * u.len * u.inner + i;
  var m = input[base];
  var first = 0u;
  for (var j = 1u; j < u.len; j++) {
    let v = input[base + j * u.inner];
    if (v > m) {
      m = v;
      first = j;
    }
  }
  if (MODE == 2u) {
    for (var j = 0u; j < u.len; j++) {
      output[base + j * u.inner] = select(0.0, 1.0, j == first);
    }
    return;
  }
  var sum = 0.0;
  var compensation = 0.0;
  for (var j = 0u; j < u.len; j++) {
    let y = exp(input[base + j * u.inner] - m) - compensation;
    let t = sum + y;
    compensation = (t - sum) - y;
    sum = t;
  }
  if (MODE == 1u) {
    let shift = m + log(sum);
    for (var j = 0u; j < u.len; j++) {
      let k = base + j * u.inner;
      output[k] = input[k] - shift;
    }
    return;
  }
  let inverse = 1.0 / sum;
  for (var j = 0u; j < u.len; j++) {
    let k = base + j * u.inner;
    output[k] = exp(input[k] - m) * inverse;
  }
}
