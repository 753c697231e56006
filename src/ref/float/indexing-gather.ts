// Indexing ops that read or write at index tensors: GatherElements, GatherND, ScatterElements,
// ScatterND, OneHot.

import type { ScatterReduction } from '../../ir/ops/indexing.ts';
import { allocData, sizeOf, stridesOf, type DType, type Tensor } from '../../ir/tensor.ts';

const axisOf = (axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
};

/** An index into an axis of length `dim`, negative ones counting from the end. */
function indexInto(index: number, dim: number, op: string): number {
  const i = index < 0 ? index + dim : index;
  if (!Number.isInteger(i) || i < 0 || i >= dim) throw new RangeError(`${op} index ${index} is out of range for length ${dim}`);
  return i;
}

/**
 * For element k of `indices` (same rank as `shape`), the flat offset into a tensor of `shape` at
 * the coordinates of k with the one along `axis` replaced by the index.
 */
function elementOffsets(shape: readonly number[], indices: Tensor, axis: number, op: string): Int32Array {
  const rank = shape.length;
  if (indices.shape.length !== rank) throw new RangeError(`${op} indices of rank ${indices.shape.length} for data of rank ${rank}`);
  const strides = stridesOf(shape);
  const idxStrides = stridesOf(indices.shape);
  const offsets = new Int32Array(indices.data.length);
  for (let k = 0; k < offsets.length; k++) {
    let offset = 0;
    for (let a = 0; a < rank; a++) {
      const c = Math.floor(k / idxStrides[a]!) % indices.shape[a]!;
      offset += (a === axis ? indexInto(indices.data[k]!, shape[a]!, op) : c) * strides[a]!;
    }
    offsets[k] = offset;
  }
  return offsets;
}

export function gatherElements(x: Tensor, indices: Tensor, axis: number): Tensor {
  const offsets = elementOffsets(x.shape, indices, axisOf(axis, x.shape.length), 'GatherElements');
  const out = allocData(x.dtype, offsets.length);
  for (let k = 0; k < out.length; k++) out[k] = x.data[offsets[k]!]!;
  return { dtype: x.dtype, shape: [...indices.shape], data: out };
}

const combine: Record<ScatterReduction, (old: number, update: number) => number> = {
  none: (_, u) => u,
  add: (o, u) => o + u,
  mul: (o, u) => o * u,
  max: (o, u) => Math.max(o, u),
  min: (o, u) => Math.min(o, u),
};

export function scatterElements(x: Tensor, indices: Tensor, updates: Tensor, axis: number, reduction: ScatterReduction): Tensor {
  const offsets = elementOffsets(x.shape, indices, axisOf(axis, x.shape.length), 'ScatterElements');
  const out = x.data.slice();
  const f = combine[reduction];
  for (let k = 0; k < offsets.length; k++) out[offsets[k]!] = f(out[offsets[k]!]!, updates.data[k]!);
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/**
 * GatherND's and ScatterND's view of `indices` [...batch, ...rows, depth] into data
 * [...batch, ...indexed (depth axes), ...slice]: for each index row, the flat offset of the slice
 * it selects, and the slice's length.
 */
function ndOffsets(shape: readonly number[], indices: Tensor, batchDims: number, op: string): { offsets: number[]; sliceLength: number } {
  const depth = indices.shape[indices.shape.length - 1];
  if (depth === undefined || batchDims + depth > shape.length) {
    throw new RangeError(`${op} indices [${indices.shape}] with batch_dims ${batchDims} for data [${shape}]`);
  }
  const strides = stridesOf(shape);
  const sliceLength = sizeOf(shape.slice(batchDims + depth));
  const batchLength = sizeOf(shape.slice(batchDims));
  const rowsPerBatch = sizeOf(indices.shape.slice(batchDims, -1));
  const offsets = Array.from({ length: sizeOf(indices.shape.slice(0, -1)) }, (_, r) => {
    let offset = Math.floor(r / rowsPerBatch) * batchLength;
    for (let j = 0; j < depth; j++) offset += indexInto(indices.data[r * depth + j]!, shape[batchDims + j]!, op) * strides[batchDims + j]!;
    return offset;
  });
  return { offsets, sliceLength };
}

export function gatherND(x: Tensor, indices: Tensor, batchDims: number): Tensor {
  const { offsets, sliceLength } = ndOffsets(x.shape, indices, batchDims, 'GatherND');
  const out = allocData(x.dtype, offsets.length * sliceLength);
  offsets.forEach((o, r) => out.set(x.data.subarray(o, o + sliceLength), r * sliceLength));
  const depth = indices.shape[indices.shape.length - 1]!;
  return { dtype: x.dtype, shape: [...indices.shape.slice(0, -1), ...x.shape.slice(batchDims + depth)], data: out };
}

export function scatterND(x: Tensor, indices: Tensor, updates: Tensor, reduction: ScatterReduction): Tensor {
  const { offsets, sliceLength } = ndOffsets(x.shape, indices, 0, 'ScatterND');
  const out = x.data.slice();
  const f = combine[reduction];
  offsets.forEach((o, r) => {
    for (let e = 0; e < sliceLength; e++) out[o + e] = f(out[o + e]!, updates.data[r * sliceLength + e]!);
  });
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/** A new axis of length `depth` at `axis`: `on` where it equals the index (negative ones count from the end), `off` elsewhere. */
export function oneHot(indices: Tensor, depth: number, off: number, on: number, dtype: DType, axis: number): Tensor {
  const rank = indices.shape.length + 1;
  const a = axisOf(axis, rank);
  const outer = sizeOf(indices.shape.slice(0, a));
  const inner = sizeOf(indices.shape.slice(a));
  const out = allocData(dtype, outer * depth * inner).fill(off);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const raw = Math.trunc(indices.data[o * inner + i]!);
      const idx = raw < 0 ? raw + depth : raw;
      if (idx >= 0 && idx < depth) out[(o * depth + idx) * inner + i] = on;
    }
  }
  return { dtype, shape: [...indices.shape.slice(0, a), depth, ...indices.shape.slice(a)], data: out };
}
