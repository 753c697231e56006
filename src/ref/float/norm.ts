// BatchNormalization (inference form) and Softmax.

import { f32, sizeOf, type Tensor } from '../../ir/tensor.ts';

/** y = scale · (x − mean) / √(var + ε) + B, per channel (axis 1). */
export function batchNorm(x: Tensor, scale: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, epsilon: number): Tensor {
  const channels = x.shape[1] ?? 1;
  const inner = sizeOf(x.shape.slice(2));
  const outer = x.shape[0] ?? 1;
  const out = new Float32Array(x.data.length);
  for (let c = 0; c < channels; c++) {
    const k = scale.data[c]! / Math.sqrt(variance.data[c]! + epsilon);
    const shift = bias.data[c]! - mean.data[c]! * k;
    for (let b = 0; b < outer; b++) {
      const base = (b * channels + c) * inner;
      for (let i = 0; i < inner; i++) out[base + i] = x.data[base + i]! * k + shift;
    }
  }
  return f32(x.shape, out);
}

/**
 * Softmax along `axis`. With `coerce2d` (opset < 13) the input is viewed as 2-D,
 * [prod(dims before axis), prod(dims from axis)], and softmax runs over the second dimension.
 */
export function softmax(x: Tensor, axis: number, coerce2d: boolean): Tensor {
  const rank = x.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const len = coerce2d ? sizeOf(x.shape.slice(ax)) : x.shape[ax]!;
  const inner = coerce2d ? 1 : sizeOf(x.shape.slice(ax + 1));
  const outer = sizeOf(x.shape.slice(0, ax));
  const out = new Float32Array(x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, x.data[base + j * inner]!);
      let sum = 0;
      for (let j = 0; j < len; j++) sum += Math.exp(x.data[base + j * inner]! - max);
      for (let j = 0; j < len; j++) out[base + j * inner] = Math.exp(x.data[base + j * inner]! - max) / sum;
    }
  }
  return f32(x.shape, out);
}
