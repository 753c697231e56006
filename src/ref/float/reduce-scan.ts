// Along one axis: CumSum and TopK. And Det, over the last two axes.

import type { ReduceAttrs } from '../../ir/ops/reduce.ts';
import { allocData, sizeOf, tensor, type Tensor } from '../../ir/tensor.ts';
import { axisView } from './reduce-axes.ts';

/** Running sums along the axis; exclusive leaves out the element itself, reverse runs from the end. */
export function cumSum(x: Tensor, axis: number, attrs: ReduceAttrs['CumSum']): Tensor {
  const { outer, len, inner } = axisView(x.shape, axis);
  const out = allocData(x.dtype, x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let acc = 0;
      for (let step = 0; step < len; step++) {
        const at = o * len * inner + (attrs.reverse ? len - 1 - step : step) * inner + i;
        if (attrs.exclusive) out[at] = acc;
        acc += x.data[at]!;
        if (!attrs.exclusive) out[at] = acc;
      }
    }
  }
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

/** The k largest (or smallest) along the axis, in order; of equal values the lower index comes first. */
export function topK(x: Tensor, k: number, attrs: ReduceAttrs['TopK']): Tensor[] {
  const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
  const { outer, len, inner } = axisView(x.shape, axis);
  if (!Number.isInteger(k) || k < 0 || k > len) throw new RangeError(`k = ${k} is not in [0, ${len}] (the axis' length)`);
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  const values = tensor(x.dtype, shape);
  const indices = tensor('int64', shape);
  const order = (a: number, b: number, base: number) => {
    const d = x.data[base + a * inner]! - x.data[base + b * inner]!;
    return (attrs.largest ? -d : d) || a - b;
  };
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      const picked = Array.from({ length: len }, (_, j) => j)
        .sort((a, b) => order(a, b, base))
        .slice(0, k);
      picked.forEach((j, r) => {
        values.data[o * k * inner + r * inner + i] = x.data[base + j * inner]!;
        indices.data[o * k * inner + r * inner + i] = j;
      });
    }
  }
  return [values, indices];
}

/** Determinants of the trailing [M, M] matrices, by Gaussian elimination with partial pivoting. */
export function det(x: Tensor): Tensor {
  const m = x.shape[x.shape.length - 1]!;
  if (x.shape[x.shape.length - 2] !== m) throw new RangeError(`Det needs square matrices, got [${x.shape}]`);
  const batch = x.shape.slice(0, -2);
  const out = tensor(x.dtype, batch);
  for (let b = 0; b < sizeOf(batch); b++) out.data[b] = determinant(Array.from(x.data.subarray(b * m * m, (b + 1) * m * m)), m);
  return out;
}

function determinant(a: number[], m: number): number {
  let result = 1;
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) if (Math.abs(a[r * m + col]!) > Math.abs(a[pivot * m + col]!)) pivot = r;
    if (a[pivot * m + col] === 0) return 0;
    if (pivot !== col) {
      for (let j = 0; j < m; j++) [a[col * m + j], a[pivot * m + j]] = [a[pivot * m + j]!, a[col * m + j]!];
      result = -result;
    }
    result *= a[col * m + col]!;
    for (let r = col + 1; r < m; r++) {
      const f = a[r * m + col]! / a[col * m + col]!;
      for (let j = col; j < m; j++) a[r * m + j] = a[r * m + j]! - f * a[col * m + j]!;
    }
  }
  return result;
}
