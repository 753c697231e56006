// numpy-style broadcasting, shared by every elementwise binary op.

import { stridesOf, checkedLength } from '../../ir/tensor.ts';

export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`shapes [${a}] and [${b}] do not broadcast`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * For every flat index of `outShape`, the flat index into a tensor of `shape` that broadcasts to it.
 * Computed once per op call; elementwise loops then read through it.
 */
export function broadcastOffsets(shape: readonly number[], outShape: readonly number[]): Int32Array {
  const rank = outShape.length;
  const srcStrides = stridesOf(shape);
  // Stride 0 along every broadcast (size-1 or missing) axis.
  const strides = outShape.map((_, i) => {
    const j = i - (rank - shape.length);
    return j < 0 || shape[j] === 1 ? 0 : srcStrides[j]!;
  });
  let total = 1;
  for (const d of outShape) total *= d;
  const offsets = new Int32Array(checkedLength(total));
  const counter = new Array<number>(rank).fill(0);
  let offset = 0;
  for (let i = 0; i < total; i++) {
    offsets[i] = offset;
    for (let axis = rank - 1; axis >= 0; axis--) {
      counter[axis]!++;
      offset += strides[axis]!;
      if (counter[axis]! < outShape[axis]!) break;
      offset -= strides[axis]! * outShape[axis]!;
      counter[axis] = 0;
    }
  }
  return offsets;
}
