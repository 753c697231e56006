// Indexing ops that move their input's elements without new values: Slice, Split, Expand, Tile,
// SpaceToDepth, ReverseSequence, Trilu, Compress.

import { sliceAxes, sliceAxis, splitLengths } from '../../ir/ops/indexing.ts';
import { allocData, sizeOf, stridesOf, type Tensor } from '../../ir/tensor.ts';
import { broadcastOffsets, broadcastShapes } from './broadcast.ts';
import { strided } from './shape-ops.ts';

const axisOf = (axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
};

export function slice(x: Tensor, starts: number[], ends: number[], axes: number[] | undefined, steps: number[] | undefined): Tensor {
  if (ends.length !== starts.length) throw new RangeError(`Slice has ${starts.length} starts and ${ends.length} ends`);
  const inStrides = stridesOf(x.shape);
  const shape = [...x.shape];
  const strides = [...inStrides];
  let base = 0;
  for (const { axis, step, i } of sliceAxes(x.shape.length, starts.length, axes, steps)) {
    const r = sliceAxis(x.shape[axis]!, starts[i]!, ends[i]!, step);
    shape[axis] = r.count;
    strides[axis] = inStrides[axis]! * step;
    if (r.count > 0) base += r.start * inStrides[axis]!;
  }
  return strided(x, shape, base, strides);
}

export function split(x: Tensor, axis: number, parts: number, lengths: number[] | undefined): Tensor[] {
  const a = axisOf(axis, x.shape.length);
  const dim = x.shape[a]!;
  const sizes = lengths ?? splitLengths(dim, parts);
  if (sizes.reduce((s, n) => s + n, 0) !== dim) throw new RangeError(`Split lengths [${sizes}] do not add up to ${dim}`);
  const strides = stridesOf(x.shape);
  let offset = 0;
  return sizes.map((n) => {
    const shape = [...x.shape];
    shape[a] = n;
    const part = strided(x, shape, offset * strides[a]!, strides);
    offset += n;
    return part;
  });
}

export function expand(x: Tensor, target: readonly number[]): Tensor {
  const shape = broadcastShapes(x.shape, target);
  const offsets = broadcastOffsets(x.shape, shape);
  const out = allocData(x.dtype, offsets.length);
  for (let i = 0; i < out.length; i++) out[i] = x.data[offsets[i]!]!;
  return { dtype: x.dtype, shape, data: out };
}

export function tile(x: Tensor, repeats: readonly number[]): Tensor {
  const rank = x.shape.length;
  if (repeats.length !== rank) throw new RangeError(`Tile has ${repeats.length} repeats for rank ${rank}`);
  const shape = x.shape.map((d, i) => d * repeats[i]!);
  const outStrides = stridesOf(shape);
  const inStrides = stridesOf(x.shape);
  const out = allocData(x.dtype, sizeOf(shape));
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    for (let a = 0; a < rank; a++) src += (Math.floor(i / outStrides[a]!) % x.shape[a]!) * inStrides[a]!;
    out[i] = x.data[src]!;
  }
  return { dtype: x.dtype, shape, data: out };
}

/** Blocks of b×b pixels become channels: output channel (i·b + j)·C + c reads pixel (i, j) of its block in channel c. */
export function spaceToDepth(x: Tensor, b: number): Tensor {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  if (x.shape.length !== 4 || h % b !== 0 || w % b !== 0) throw new RangeError(`SpaceToDepth of [${x.shape}] by blocks of ${b}`);
  const [sn, sc, sh, sw] = stridesOf(x.shape) as [number, number, number, number];
  // The output in the order of its 6-D view [N, b, b, C, H/b, W/b].
  const view = strided(x, [n, b, b, c, h / b, w / b], 0, [sn, sh, sw, sc, sh * b, sw * b]);
  return { ...view, shape: [n, c * b * b, h / b, w / b] };
}

export function reverseSequence(x: Tensor, lengths: readonly number[], batchAxis: number, timeAxis: number): Tensor {
  const strides = stridesOf(x.shape);
  const out = allocData(x.dtype, x.data.length);
  const [bs, ts] = [strides[batchAxis]!, strides[timeAxis]!];
  for (let i = 0; i < out.length; i++) {
    const b = Math.floor(i / bs) % x.shape[batchAxis]!;
    const t = Math.floor(i / ts) % x.shape[timeAxis]!;
    const len = lengths[b]!;
    out[i] = x.data[t < len ? i + (len - 1 - 2 * t) * ts : i]!;
  }
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/** Keeps the upper (j - i ≥ k) or lower (j - i ≤ k) triangle of each matrix in the last two axes; zeroes the rest. */
export function trilu(x: Tensor, upper: boolean, k: number): Tensor {
  const rank = x.shape.length;
  if (rank < 2) throw new RangeError(`Trilu needs rank 2 or more, got [${x.shape}]`);
  const [rows, cols] = [x.shape[rank - 2]!, x.shape[rank - 1]!];
  const out = allocData(x.dtype, x.data.length);
  for (let i = 0; i < out.length; i++) {
    const col = i % cols;
    const row = Math.floor(i / cols) % rows;
    const keep = upper ? col - row >= k : col - row <= k;
    out[i] = keep ? x.data[i]! : 0;
  }
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/** The slices along `axis` (or the elements of the flattened input) whose condition is true; a shorter condition drops the rest. */
export function compress(x: Tensor, condition: ArrayLike<number>, axis: number | null): Tensor {
  const flat = axis === null;
  const a = flat ? 0 : axisOf(axis, x.shape.length);
  const shape = flat ? [x.data.length] : x.shape;
  const dim = shape[a]!;
  if (condition.length > dim) throw new RangeError(`Compress condition has ${condition.length} values for an axis of ${dim}`);
  const outer = sizeOf(shape.slice(0, a));
  const inner = sizeOf(shape.slice(a + 1));
  const kept = Array.from({ length: condition.length }, (_, i) => i).filter((i) => condition[i] !== 0);
  const out = allocData(x.dtype, outer * kept.length * inner);
  for (let o = 0; o < outer; o++) {
    kept.forEach((j, k) => out.set(x.data.subarray((o * dim + j) * inner, (o * dim + j + 1) * inner), (o * kept.length + k) * inner));
  }
  const outShape = [...shape];
  outShape[a] = kept.length;
  return { dtype: x.dtype, shape: outShape, data: out };
}
