// Unique: the distinct elements (or slices along an axis) in order of first occurrence or sorted,
// with where each first occurs, where each input item went, and how often each occurs. Also
// counted by the shape rule (ir/ops/indexing.ts), since how many are distinct is the data's answer.

import { i64, sizeOf, type Tensor } from '../../ir/tensor.ts';
import { gather } from './shape-ops.ts';

/** The items Unique compares: each element, or each slice along `axis` in row-major order. */
function items(data: ArrayLike<number>, shape: readonly number[], axis: number | null): number[][] {
  if (axis === null) return Array.from(data, (v) => [v]);
  const dim = shape[axis]!;
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  return Array.from({ length: dim }, (_, j) => {
    const values: number[] = [];
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) values.push(data[(o * dim + j) * inner + i]!);
    return values;
  });
}

const lexicographic = (p: readonly number[], q: readonly number[]): number => {
  const k = p.findIndex((v, i) => v !== q[i]);
  return k < 0 ? 0 : p[k]! - q[k]!;
};

interface UniquePlan {
  /** Index of each distinct item's first occurrence, in output order. */
  first: number[];
  /** For each input item, its distinct item's position in the output. */
  inverse: number[];
  counts: number[];
}

function plan(data: ArrayLike<number>, shape: readonly number[], axis: number | null, sorted: boolean): UniquePlan {
  const all = items(data, shape, axis);
  const firstOf = new Map<string, number>();
  all.forEach((item, i) => {
    const key = item.join();
    if (!firstOf.has(key)) firstOf.set(key, i);
  });
  const first = [...firstOf.values()];
  if (sorted) first.sort((i, j) => lexicographic(all[i]!, all[j]!));
  const position = new Map(first.map((i, k) => [all[i]!.join(), k]));
  const inverse = all.map((item) => position.get(item.join())!);
  const counts = first.map(() => 0);
  for (const k of inverse) counts[k]!++;
  return { first, inverse, counts };
}

export const countUnique = (data: ArrayLike<number>, shape: readonly number[], axis: number | null): number => plan(data, shape, axis, false).first.length;

export function unique(x: Tensor, sorted: boolean, axis: number | null): Tensor[] {
  const a = axis === null ? null : axis < 0 ? axis + x.shape.length : axis;
  if (a !== null && (a < 0 || a >= x.shape.length)) throw new RangeError(`Unique axis ${axis} is out of range for rank ${x.shape.length}`);
  const { first, inverse, counts } = plan(x.data, x.shape, a, sorted);
  const flat: Tensor = { ...x, shape: [x.data.length] };
  const y = gather(a === null ? flat : x, i64([first.length], first), a ?? 0);
  return [y, i64([first.length], first), i64([inverse.length], inverse), i64([counts.length], counts)];
}
