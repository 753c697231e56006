// Float GridSample (4-D NCHW input), as ONNX's reference computes it.

import type { SpatialAttrs } from '../../ir/ops/spatial.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';

type Attrs = SpatialAttrs['GridSample'];

/** Folds x back into [lo, hi] by reflecting it off the nearer border, as often as it takes. */
function reflect(x: number, lo: number, hi: number): number {
  const range = hi - lo;
  if (x >= lo && x <= hi) return x;
  const d = x < lo ? lo - x : x - hi;
  const n = Math.trunc(d / range);
  const r = d - n * range;
  return (x < lo) === (n % 2 === 0) ? lo + r : hi - r;
}

function cubic(t: number): number[] {
  const A = -0.75;
  const s = 1 - t;
  return [
    ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A,
    ((A + 2) * t - (A + 3)) * t * t + 1,
    ((A + 2) * s - (A + 3)) * s * s + 1,
    ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A,
  ];
}

/** C++ std::round is half away from zero; numpy's rint (which nearest mode uses) is half to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

interface Plane {
  data: ArrayLike<number>;
  base: number;
  h: number;
  w: number;
  /** Per axis (y, x): the borders coordinates are reflected between. */
  lo: [number, number];
  hi: [number, number];
}

/** The pixel at integer (y, x), or what the padding mode gives outside the image. */
function pixel(p: Plane, a: Attrs, y: number, x: number): number {
  const at = (i: number, axis: 0 | 1, len: number): number | undefined => {
    if (i >= 0 && i < len) return i;
    if (a.padding === 'zeros') return undefined;
    if (a.padding === 'border') return Math.min(Math.max(i, 0), len - 1);
    return Math.trunc(reflect(i, p.lo[axis], p.hi[axis]));
  };
  const iy = at(y, 0, p.h);
  const ix = at(x, 1, p.w);
  return iy === undefined || ix === undefined ? 0 : p.data[p.base + iy * p.w + ix]!;
}

function sample(p: Plane, a: Attrs, y: number, x: number): number {
  if (a.mode === 'nearest') return pixel(p, a, y, x);
  const [y0, x0] = [Math.floor(y), Math.floor(x)];
  const [wy, wx] = a.mode === 'bilinear' ? [[1 - (y - y0), y - y0], [1 - (x - x0), x - x0]] : [cubic(y - y0), cubic(x - x0)];
  const first = a.mode === 'bilinear' ? 0 : -1;
  let acc = 0;
  wy.forEach((cy, i) => {
    let row = 0;
    wx.forEach((cx, j) => (row += cx * pixel(p, a, y0 + first + i, x0 + first + j)));
    acc += cy * row;
  });
  return acc;
}

/** A normalized grid coordinate in [-1, 1] as a pixel coordinate along an axis of `len` pixels. */
function denormalize(v: number, len: number, alignCorners: boolean): number {
  return Math.fround(alignCorners ? ((v + 1) / 2) * (len - 1) : ((v + 1) * len - 1) / 2);
}

export function gridSample(x: Tensor, grid: Tensor, a: Attrs): Tensor {
  if (x.shape.length !== 4 || grid.shape.length !== 4 || grid.shape[3] !== 2) {
    throw new RangeError(`GridSample takes a 4-D input and an [N, H, W, 2] grid, got [${x.shape}] and [${grid.shape}]`);
  }
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [gh, gw] = [grid.shape[1]!, grid.shape[2]!];
  const out = tensor(x.dtype, [n, c, gh, gw]);
  const lo: [number, number] = a.alignCorners ? [0, 0] : [-0.5, -0.5];
  const hi: [number, number] = a.alignCorners ? [h - 1, w - 1] : [h - 0.5, w - 0.5];
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < gh * gw; i++) {
      const g = (b * gh * gw + i) * 2;
      let px = denormalize(grid.data[g]!, w, a.alignCorners);
      let py = denormalize(grid.data[g + 1]!, h, a.alignCorners);
      if (a.mode === 'nearest') [px, py] = [roundHalfEven(px), roundHalfEven(py)];
      const fold = (v: number, axis: 0 | 1, len: number): number => {
        if (v >= lo[axis] && v <= hi[axis]) return v;
        if (a.padding === 'border') return Math.min(Math.max(v, 0), len - 1);
        return a.padding === 'reflection' ? reflect(v, lo[axis], hi[axis]) : v;
      };
      py = fold(py, 0, h);
      px = fold(px, 1, w);
      if (a.mode === 'nearest') [px, py] = [Math.trunc(px), Math.trunc(py)];
      for (let ch = 0; ch < c; ch++) {
        const plane: Plane = { data: x.data, base: (b * c + ch) * h * w, h, w, lo, hi };
        out.data[((b * c + ch) * gh * gw) + i] = sample(plane, a, py, px);
      }
    }
  }
  return out;
}
