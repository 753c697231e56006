// float32 NegativeLogLikelihoodLoss (and SoftmaxCrossEntropyLoss after softmax_f32's
// LogSoftmax), the spec is src/ref/float/reduce-loss.ts. Scores [N, C, inner], one class per
// target from `classes` (constant targets resolved at planning; −1: an ignored target). Target
// t's loss is −w · score[n, class, t % inner], w = weight[class] (1 without weights). MODE 0: one
// invocation per target writes its loss; 1 / 2: one invocation writes the sum / the sum over the
// summed weights of the targets not ignored (reduction 'mean').

override WORKGROUP_SIZE: u32 = 64u;
override MODE: u32 = 0u;
override HAS_WEIGHT: u32 = 0u;

struct Loss {
  count: u32, classes: u32, inner: u32, dispatch_width: u32,
}

@group(0) @binding(0) var<uniform> u: Loss;
@group(0) @binding(1) var<storage, read> scores: array<f32>;
@group(0) @binding(2) var<storage, read> classes: array<i32>;
@group(0) @binding(3) var<storage, read> weight: array<f32>;
@group(0) @binding(4) var<storage, read_write> output: array<f32>;

// (loss, weight) of target t.
fn target_loss(t: u32) -> vec2<f32> {
  let cls = classes[t];
  if (cls < 0) {
    return vec2<f32>(0.0, 0.0);
  }
  let w = select(1.0, weight[cls], HAS_WEIGHT == 1u);
  let n = t / u.inner;
  let score = scores[(n * u.classes + u32(cls)) * u.inner + t % u.inner];
  return vec2<f32>(-w * score, w);
}

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (MODE == 0u) {
    if (index < u.count) {
      output[index] = target_loss(index).x;
    }
    return;
  }
  if (index != 0u) {
    return;
  }
  var sum = vec2<f32>(0.0, 0.0);
  for (var t = 0u; t < u.count; t++) {
    sum += target_loss(t);
  }
  output[0] = select(sum.x, sum.x / sum.y, MODE == 2u);
}
