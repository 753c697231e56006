// The weights of a dynamic product, in the two forms they travel in: onnxruntime's (MatMulInteger's
// B: int8 or uint8 [K, N], with a scale and a zero point per tensor or per column) and
// MatMulDynamicInt8's (int8 codes [N, K], one scale and zero point per output column). Quantizing
// a float MatMul's weights (quantizeDynamic) writes the first; both importing them and
// quantizing go through toDynamicWeights, so an exported model imported back is the same node.

import { f32, sizeOf, tensor, type Tensor } from '../ir/tensor.ts';
import { roundHalfEven } from '../ref/float/quantize-linear.ts';

/** MatMulInteger's B with its scale and zero point (omitted: 0), as a model gives them. */
export interface OnnxWeights {
  /** int8 or uint8 [K, N]. */
  q: Tensor;
  /** float32, one value or [N]. */
  scale: Tensor;
  /** q's type, one value or [N]; undefined: 0. */
  zero: Tensor | undefined;
}

/** MatMulDynamicInt8's inputs 1 to 3. */
export interface DynamicWeightTensors {
  codes: Tensor;
  scale: Tensor;
  zero: Tensor;
}

/** A bias a dynamic product adds: N float32 values, [N] or [1, N]. */
export const isColumnBias = (t: Tensor, n: number): boolean => t.dtype === 'float32' && sizeOf(t.shape) === n && t.shape.length <= 2 && t.shape[t.shape.length - 1] === n;

/** A value per output column (or channel) from one value or N of them. */
function perOutput(t: Tensor | undefined, n: number, what: string): (j: number) => number {
  if (!t) return () => 0;
  const count = sizeOf(t.shape);
  if (count === 1) return () => t.data[0]!;
  if (count !== n) throw new RangeError(`the weights' ${what} has ${count} values for ${n} outputs`);
  return (j) => t.data[j]!;
}

/**
 * ConvInteger's weights [N, C, kh, kw] as ConvDynamicInt8's: int8 codes in the same layout (uint8
 * shifted by −128 with its zero point), a scale and zero point per output channel.
 */
export function toDynamicConvWeights(w: OnnxWeights): DynamicWeightTensors {
  if (w.q.shape.length !== 4 || (w.q.dtype !== 'int8' && w.q.dtype !== 'uint8')) throw new RangeError(`dynamic conv weights must be int8 or uint8 [N, C, kh, kw], got ${w.q.dtype} [${w.q.shape}]`);
  const n = w.q.shape[0]!;
  const shift = w.q.dtype === 'uint8' ? 128 : 0;
  const scale = perOutput(w.scale, n, 'scale');
  const zero = perOutput(w.zero, n, 'zero point');
  return {
    codes: tensor('int8', [...w.q.shape], Array.from(w.q.data, (v) => v - shift)),
    scale: f32([n], Array.from({ length: n }, (_, j) => scale(j))),
    zero: tensor('int8', [n], Array.from({ length: n }, (_, j) => zero(j) - shift)),
  };
}

/** The per-column view: uint8 codes and zero points shifted by −128 into int8 (the differences q − z, all the product uses, stay the same). */
export function toDynamicWeights(w: OnnxWeights): DynamicWeightTensors {
  if (w.q.shape.length !== 2 || (w.q.dtype !== 'int8' && w.q.dtype !== 'uint8')) throw new RangeError(`dynamic weights must be int8 or uint8 [K, N], got ${w.q.dtype} [${w.q.shape}]`);
  const [k, n] = w.q.shape as [number, number];
  const shift = w.q.dtype === 'uint8' ? 128 : 0;
  const scale = perOutput(w.scale, n, 'scale');
  const zero = perOutput(w.zero, n, 'zero point');
  const codes = tensor('int8', [n, k]);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) codes.data[j * k + i] = w.q.data[i * n + j]! - shift;
  return {
    codes,
    scale: f32([n], Array.from({ length: n }, (_, j) => scale(j))),
    zero: tensor('int8', [n], Array.from({ length: n }, (_, j) => zero(j) - shift)),
  };
}

/**
 * A float MatMul's B [K, N] as symmetric int8 per output column, as PyTorch's quantize_dynamic
 * and onnxruntime's (per_channel, QInt8) do: s = max|w| / 127 (1 for a zero column), q =
 * clamp(round(w / s), −127, 127), zero point 0.
 */
export function quantizeWeightsPerColumn(w: Tensor): OnnxWeights {
  if (w.shape.length !== 2) throw new RangeError(`weights [${w.shape}] are not [K, N]`);
  const [k, n] = w.shape as [number, number];
  const scales = new Float32Array(n);
  for (let j = 0; j < n; j++) {
    let max = 0;
    for (let i = 0; i < k; i++) max = Math.max(max, Math.abs(w.data[i * n + j]!));
    scales[j] = max === 0 ? 1 : Math.fround(max / 127);
  }
  const q = tensor('int8', [k, n]);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < n; j++) q.data[i * n + j] = Math.max(-127, Math.min(127, roundHalfEven(Math.fround(w.data[i * n + j]! / scales[j]!))));
  }
  return { q, scale: f32([n], scales), zero: tensor('int8', [n]) };
}

/** A float [R, C] matrix as [C, R] (a Gemm's transB weights as MatMul's [K, N]). */
export function transpose2d(t: Tensor): Tensor {
  const [r, c] = t.shape as [number, number];
  const data = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) data[j * r + i] = t.data[i * c + j]!;
  return { dtype: 'float32', shape: [c, r], data };
}
