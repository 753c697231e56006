// Indexing ops whose output is made from shapes and counts: Range, ConstantOfShape, EyeLike,
// NonZero, Size.

import { rangeCount } from '../../ir/ops/indexing.ts';
import { allocData, stridesOf, tensor, type DType, type Tensor } from '../../ir/tensor.ts';

export function range(start: Tensor, limit: Tensor, delta: Tensor): Tensor {
  const [s, l, d] = [start.data[0]!, limit.data[0]!, delta.data[0]!];
  if (d === 0) throw new RangeError('Range delta 0');
  const n = rangeCount(s, l, d);
  const out = allocData(start.dtype, n);
  for (let i = 0; i < n; i++) out[i] = s + i * d;
  return { dtype: start.dtype, shape: [n], data: out };
}

export function constantOfShape(shape: ArrayLike<number>, value: number, dtype: DType): Tensor {
  const dims = Array.from(shape);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new RangeError(`ConstantOfShape of [${dims}]`);
  const t = tensor(dtype, dims);
  t.data.fill(value);
  return t;
}

/** Ones on the k-th diagonal (k > 0 above the main one) of a 2-D tensor shaped like x. */
export function eyeLike(x: Tensor, k: number, dtype: DType | null): Tensor {
  if (x.shape.length !== 2) throw new RangeError(`EyeLike needs a 2-D input, got [${x.shape}]`);
  const [rows, cols] = x.shape as [number, number];
  const out = tensor(dtype ?? x.dtype, [rows, cols]);
  for (let r = Math.max(0, -k); r < rows && r + k < cols; r++) out.data[r * cols + r + k] = 1;
  return out;
}

/** The coordinates of the non-zero elements, one column each, in row-major order: int64 [rank, n]. */
export function nonZero(x: Tensor): Tensor {
  const rank = x.shape.length;
  const strides = stridesOf(x.shape);
  const found: number[] = [];
  x.data.forEach((v, i) => {
    if (v !== 0) found.push(i);
  });
  const out = tensor('int64', [rank, found.length]);
  found.forEach((i, j) => {
    for (let a = 0; a < rank; a++) out.data[a * found.length + j] = Math.floor(i / strides[a]!) % x.shape[a]!;
  });
  return out;
}

export const size = (x: Tensor): Tensor => tensor('int64', [], [x.data.length]);
