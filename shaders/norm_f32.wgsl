// float32 normalizations over runs of consecutive elements (the spec is
// src/ref/float/reduce-norm.ts): LayerNormalization (a run: the dims from the axis on),
// InstanceNormalization (a run: one channel of one instance), GroupNormalization (one group of
// channels). The data is [groups, len]; one invocation per run computes its mean, then its
// variance about the mean (two passes), then writes OUT: 0 y = (x − mean) / √(var + ε) · scale
// + bias, where element i's scale and bias are at (i / div) % modulus; 1 the run's mean;
// 2 its 1 / √(var + ε) (LayerNormalization's optional outputs).

override WORKGROUP_SIZE: u32 = 64u;
override OUT: u32 = 0u;
// 0: no bias input (bias 0).
override HAS_BIAS: u32 = 1u;

struct Norm {
  groups: u32, len: u32, dispatch_width: u32, epsilon: f32,
  div: u32, modulus: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Norm;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let g = id.y * u.dispatch_width + id.x;
  if (g >= u.groups) {
    return;
  }
  let base = g * u.len;
  var sum = 0.0;
  for (var j = 0u; j < u.len; j++) {
    sum += input[base + j];
  }
  let mean = sum / f32(u.len);
  var squares = 0.0;
  for (var j = 0u; j < u.len; j++) {
    let d = input[base + j] - mean;
    squares += d * d;
  }
  let inv = 1.0 / sqrt(squares / f32(u.len) + u.epsilon);
  if (OUT == 1u) {
    output[g] = mean;
    return;
  }
  if (OUT == 2u) {
    output[g] = inv;
    return;
  }
  for (var j = 0u; j < u.len; j++) {
    let i = base + j;
    let c = (i / u.div) % u.modulus;
    let b = select(0.0, bias[c], HAS_BIAS == 1u);
    output[i] = (input[i] - mean) * inv * scale[c] + b;
  }
}
