// Ops that move or reinterpret data without arithmetic; they keep the input's dtype.

import { allocData, sizeOf, stridesOf, tensor, type Tensor } from '../../ir/tensor.ts';

const normAxis = (axis: number, rank: number): number => {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
};

const reshaped = (x: Tensor, shape: number[]): Tensor => ({ dtype: x.dtype, shape, data: x.data });

export function reshape(x: Tensor, target: readonly number[], allowZero: boolean): Tensor {
  const shape = target.map((d, i) => (d === 0 && !allowZero ? x.shape[i]! : d));
  const unknown = shape.indexOf(-1);
  if (unknown >= 0) {
    const known = sizeOf(shape.filter((_, i) => i !== unknown));
    shape[unknown] = known === 0 ? 0 : x.data.length / known;
  }
  if (sizeOf(shape) !== x.data.length || !shape.every(Number.isInteger)) {
    throw new RangeError(`cannot reshape [${x.shape}] to [${target}]`);
  }
  return reshaped(x, shape);
}

export function flatten(x: Tensor, axis: number): Tensor {
  const a = axis < 0 ? axis + x.shape.length : axis;
  return reshaped(x, [sizeOf(x.shape.slice(0, a)), sizeOf(x.shape.slice(a))]);
}

export function squeeze(x: Tensor, axes: readonly number[] | undefined): Tensor {
  const drop = new Set(axes?.map((a) => normAxis(a, x.shape.length)) ?? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])));
  for (const a of drop) if (x.shape[a] !== 1) throw new RangeError(`cannot squeeze axis ${a} of [${x.shape}]`);
  return reshaped(x, x.shape.filter((_, i) => !drop.has(i)));
}

export function unsqueeze(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.shape.length + axes.length;
  const add = new Set(axes.map((a) => normAxis(a, rank)));
  const rest = [...x.shape];
  const shape = Array.from({ length: rank }, (_, i) => (add.has(i) ? 1 : rest.shift()!));
  return reshaped(x, shape);
}

export function transpose(x: Tensor, perm: readonly number[] | null): Tensor {
  const rank = x.shape.length;
  const p = perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const inStrides = stridesOf(x.shape);
  return strided(x, p.map((a) => x.shape[a]!), 0, p.map((a) => inStrides[a]!));
}

/** out[c] = x[base + Σ c[a]·strides[a]] over the coordinates c of `shape`. */
export function strided(x: Tensor, shape: number[], base: number, strides: readonly number[]): Tensor {
  const out = allocData(x.dtype, sizeOf(shape));
  const rank = shape.length;
  const counter = new Array<number>(rank).fill(0);
  let src = base;
  for (let i = 0; i < out.length; i++) {
    out[i] = x.data[src]!;
    for (let a = rank - 1; a >= 0; a--) {
      counter[a]!++;
      src += strides[a]!;
      if (counter[a]! < shape[a]!) break;
      src -= strides[a]! * shape[a]!;
      counter[a] = 0;
    }
  }
  return { dtype: x.dtype, shape, data: out };
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  const first = xs[0]!;
  const a = normAxis(axis, first.shape.length);
  const outer = sizeOf(first.shape.slice(0, a));
  const inner = sizeOf(first.shape.slice(a + 1));
  const total = xs.reduce((s, x) => s + x.shape[a]!, 0);
  const out = allocData(first.dtype, outer * total * inner);
  let offset = 0;
  for (const x of xs) {
    const chunk = x.shape[a]! * inner;
    for (let o = 0; o < outer; o++) out.set(x.data.subarray(o * chunk, (o + 1) * chunk), o * total * inner + offset);
    offset += chunk;
  }
  const shape = [...first.shape];
  shape[a] = total;
  return { dtype: first.dtype, shape, data: out };
}

export function shapeOf(x: Tensor, start: number, end: number | null): Tensor {
  const rank = x.shape.length;
  const clampAxis = (v: number) => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
  const dims = x.shape.slice(clampAxis(start), end === null ? rank : clampAxis(end));
  return tensor('int64', [dims.length], dims);
}

export function gather(x: Tensor, indices: Tensor, axis: number): Tensor {
  const a = normAxis(axis, x.shape.length);
  const axisLen = x.shape[a]!;
  const outer = sizeOf(x.shape.slice(0, a));
  const inner = sizeOf(x.shape.slice(a + 1));
  const count = indices.data.length;
  const out = allocData(x.dtype, outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      let idx = indices.data[j]!;
      if (idx < 0) idx += axisLen;
      if (idx < 0 || idx >= axisLen) throw new RangeError(`Gather index ${indices.data[j]} is out of range for length ${axisLen}`);
      const src = (o * axisLen + idx) * inner;
      out.set(x.data.subarray(src, src + inner), (o * count + j) * inner);
    }
  }
  return { dtype: x.dtype, shape: [...x.shape.slice(0, a), ...indices.shape, ...x.shape.slice(a + 1)], data: out };
}

export type PadMode = 'constant' | 'reflect' | 'edge';

/** pads: [begin of each padded axis..., end of each...]; negative pads crop. */
export function pad(x: Tensor, pads: readonly number[], value: number, mode: PadMode, axes?: readonly number[]): Tensor {
  const rank = x.shape.length;
  const padAxes = axes?.map((a) => normAxis(a, rank)) ?? Array.from({ length: rank }, (_, i) => i);
  const before = new Array<number>(rank).fill(0);
  const after = new Array<number>(rank).fill(0);
  padAxes.forEach((ax, i) => {
    before[ax] = pads[i]!;
    after[ax] = pads[i + padAxes.length]!;
  });
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const inStrides = stridesOf(x.shape);
  const out = allocData(x.dtype, sizeOf(shape));
  const outStrides = stridesOf(shape);
  for (let i = 0; i < out.length; i++) {
    let src = 0;
    let inside = true;
    for (let ax = 0; ax < rank; ax++) {
      const len = x.shape[ax]!;
      let c = Math.floor(i / outStrides[ax]!) % shape[ax]! - before[ax]!;
      if (c < 0 || c >= len) {
        if (mode === 'constant') {
          inside = false;
          break;
        }
        c = mode === 'edge' ? Math.min(len - 1, Math.max(0, c)) : reflect(c, len);
      }
      src += c * inStrides[ax]!;
    }
    out[i] = inside ? x.data[src]! : value;
  }
  return { dtype: x.dtype, shape, data: out };
}

function reflect(c: number, len: number): number {
  if (len === 1) return 0;
  const period = 2 * (len - 1);
  const m = ((c % period) + period) % period;
  return m < len ? m : period - m;
}
