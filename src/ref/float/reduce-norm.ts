// Normalizations: LayerNormalization, InstanceNormalization, GroupNormalization,
// LpNormalization, MeanVarianceNormalization and LRN.

import { reducedAxes, type ReduceAttrs } from '../../ir/ops/reduce.ts';
import { allocData, f32, sizeOf, type Tensor } from '../../ir/tensor.ts';
import { broadcastOffsets } from './broadcast.ts';
import { axisView, planReduction } from './reduce-axes.ts';

interface Standardized {
  /** (x − mean) / √(var + ε), per element. */
  y: Float64Array;
  mean: Float64Array;
  invStdDev: Float64Array;
}

/** Zero mean and unit variance within each of `groups` consecutive runs of x's elements. */
function standardize(x: Tensor, groups: number, epsilon: number): Standardized {
  const len = groups === 0 ? 0 : x.data.length / groups;
  const y = new Float64Array(x.data.length);
  const mean = new Float64Array(groups);
  const invStdDev = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const base = g * len;
    let s = 0;
    for (let j = 0; j < len; j++) s += x.data[base + j]!;
    const m = s / len;
    let v = 0;
    for (let j = 0; j < len; j++) v += (x.data[base + j]! - m) ** 2;
    const inv = 1 / Math.sqrt(v / len + epsilon);
    for (let j = 0; j < len; j++) y[base + j] = (x.data[base + j]! - m) * inv;
    mean[g] = m;
    invStdDev[g] = inv;
  }
  return { y, mean, invStdDev };
}

/** y · scale + bias, with `at(i)` the scale index of element i and `biasAt(i)` its bias index. */
function affine(x: Tensor, y: Float64Array, scale: Tensor, bias: Tensor | undefined, at: (i: number) => number, biasAt = at): Tensor {
  const out = allocData(x.dtype, y.length);
  for (let i = 0; i < y.length; i++) out[i] = y[i]! * scale.data[at(i)]! + (bias ? bias.data[biasAt(i)]! : 0);
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/** Outputs Y, Mean and InvStdDev; the statistics have x's shape with 1s from `axis` on. */
export function layerNorm(x: Tensor, scale: Tensor, bias: Tensor | undefined, attrs: ReduceAttrs['LayerNormalization']): Tensor[] {
  const rank = x.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  const { y, mean, invStdDev } = standardize(x, sizeOf(x.shape.slice(0, axis)), attrs.epsilon);
  // Scale and B broadcast to x's dims from the axis on (their rank is at most rank − axis).
  const scaleAt = broadcastOffsets(scale.shape, x.shape);
  const biasAt = bias ? broadcastOffsets(bias.shape, x.shape) : scaleAt;
  const statShape = x.shape.map((d, i) => (i < axis ? d : 1));
  return [affine(x, y, scale, bias, (i) => scaleAt[i]!, (i) => biasAt[i]!), f32(statShape, mean), f32(statShape, invStdDev)];
}

/** Statistics per instance and channel over the spatial dims; scale and bias per channel. */
export function instanceNorm(x: Tensor, scale: Tensor, bias: Tensor, epsilon: number): Tensor {
  const [n = 1, channels = 1] = x.shape;
  const spatial = sizeOf(x.shape.slice(2));
  const { y } = standardize(x, n * channels, epsilon);
  return affine(x, y, scale, bias, (i) => Math.floor(i / spatial) % channels);
}

/** Statistics per instance and group of channels; scale and bias per group or per channel. */
export function groupNorm(x: Tensor, scale: Tensor, bias: Tensor, attrs: ReduceAttrs['GroupNormalization']): Tensor {
  const [n = 1, channels = 1] = x.shape;
  const groups = attrs.numGroups;
  if (channels % groups !== 0) throw new RangeError(`${channels} channels do not split into ${groups} groups`);
  const spatial = sizeOf(x.shape.slice(2));
  const { y } = standardize(x, n * groups, attrs.epsilon);
  const perGroup = (channels / groups) * spatial;
  const at = attrs.affinePer === 'group' ? (i: number) => Math.floor(i / perGroup) % groups : (i: number) => Math.floor(i / spatial) % channels;
  return affine(x, y, scale, bias, at);
}

/** x / ‖x‖ₚ along the axis; a zero norm gives 0 (as ONNX's reference does), not NaN. */
export function lpNorm(x: Tensor, attrs: ReduceAttrs['LpNormalization']): Tensor {
  const { outer, len, inner } = axisView(x.shape, attrs.axis);
  const out = allocData(x.dtype, x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let acc = 0;
      for (let j = 0; j < len; j++) acc += attrs.p === 1 ? Math.abs(x.data[base + j * inner]!) : x.data[base + j * inner]! ** 2;
      const norm = attrs.p === 1 ? acc : Math.sqrt(acc);
      for (let j = 0; j < len; j++) out[base + j * inner] = norm === 0 ? 0 : x.data[base + j * inner]! / norm;
    }
  }
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/** ONNX's function body adds this to the standard deviation, not to the variance. */
const MVN_EPSILON = 1e-9;

/** (x − E[x]) / (√E[(x − E[x])²] + 1e-9), the expectations over `axes`. */
export function meanVarianceNorm(x: Tensor, axesAttr: number[]): Tensor {
  const axes = reducedAxes(axesAttr, x.shape.length, false)!;
  const { keptShape, offsets, count } = planReduction(x.shape, axes);
  const mean = new Float64Array(sizeOf(keptShape));
  for (let i = 0; i < x.data.length; i++) mean[offsets[i]!] = mean[offsets[i]!]! + x.data[i]! / count;
  const deviation = Float64Array.from(x.data, (v, i) => v - mean[offsets[i]!]!);
  const variance = new Float64Array(mean.length);
  for (let i = 0; i < x.data.length; i++) variance[offsets[i]!] = variance[offsets[i]!]! + deviation[i]! ** 2 / count;
  const out = allocData(x.dtype, x.data.length);
  for (let i = 0; i < x.data.length; i++) out[i] = deviation[i]! / (Math.sqrt(variance[offsets[i]!]!) + MVN_EPSILON);
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/** x / (bias + α/size · Σ x²)^β, the sum over the `size` channels around each one (axis 1). */
export function lrn(x: Tensor, attrs: ReduceAttrs['LRN']): Tensor {
  const [n = 1, channels = 1] = x.shape;
  const spatial = sizeOf(x.shape.slice(2));
  const before = Math.floor((attrs.size - 1) / 2);
  const after = Math.ceil((attrs.size - 1) / 2);
  const out = allocData(x.dtype, x.data.length);
  const at = (b: number, c: number, s: number) => (b * channels + c) * spatial + s;
  for (let b = 0; b < n; b++) {
    for (let c = 0; c < channels; c++) {
      for (let s = 0; s < spatial; s++) {
        let sq = 0;
        for (let k = Math.max(0, c - before); k <= Math.min(channels - 1, c + after); k++) sq += x.data[at(b, k, s)]! ** 2;
        out[at(b, c, s)] = x.data[at(b, c, s)]! / (attrs.bias + (attrs.alpha / attrs.size) * sq) ** attrs.beta;
      }
    }
  }
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}
