// Float pooling: MaxPool (and its indices), AveragePool (count_include_pad), LpPool, global
// average/max/Lp, NCHW or NHWC; MaxUnpool.

import type { Layout, PoolAttrs } from '../../ir/graph.ts';
import { f32, tensor, type Tensor, checkedLength } from '../../ir/tensor.ts';
import { planAxis, type AxisPlan } from '../../ir/spatial.ts';

export type PoolKind = 'max' | 'avg' | 'avgIncludePad' | { p: number };

interface Dims { n: number; c: number; h: number; w: number }

function dims(x: Tensor, layout: Layout): Dims {
  if (x.shape.length !== 4) throw new RangeError(`pooling expects a 4-D input, got [${x.shape}]`);
  const [a, b, c, d] = x.shape as [number, number, number, number];
  return layout === 'NHWC' ? { n: a, h: b, w: c, c: d } : { n: a, c: b, h: c, w: d };
}

/** Flat index of (b, ch, y, x) in either layout. */
function indexer({ c, h, w }: Dims, layout: Layout): (b: number, ch: number, y: number, x: number) => number {
  return layout === 'NHWC'
    ? (b, ch, y, x) => ((b * h + y) * w + x) * c + ch
    : (b, ch, y, x) => ((b * c + ch) * h + y) * w + x;
}

/** The window's value from what accumulate gathered: Lp pooling ends with the p-th root. */
function finish(kind: PoolKind, acc: number): number {
  return typeof kind === 'object' ? acc ** (1 / kind.p) : acc;
}

function accumulate(kind: PoolKind, acc: number, v: number): number {
  if (kind === 'max') return Math.max(acc, v);
  return typeof kind === 'object' ? acc + Math.abs(v) ** kind.p : acc + v;
}

export function pool(x: Tensor, a: PoolAttrs, kind: PoolKind): Tensor {
  const d = dims(x, a.layout);
  const py = planAxis(a, 0, d.h);
  const px = planAxis(a, 1, d.w);
  const at = indexer(d, a.layout);
  const outDims = { ...d, h: py.out, w: px.out };
  const outAt = indexer(outDims, a.layout);
  const out = new Float32Array(checkedLength(d.n * d.c * py.out * px.out));
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      for (let oy = 0; oy < py.out; oy++) {
        for (let ox = 0; ox < px.out; ox++) {
          let acc = kind === 'max' ? -Infinity : 0;
          let valid = 0;
          for (let ky = 0; ky < a.kernel[0]; ky++) {
            const iy = oy * a.strides[0] - py.padBefore + ky * a.dilations[0];
            if (iy < 0 || iy >= d.h) continue;
            for (let kx = 0; kx < a.kernel[1]; kx++) {
              const ix = ox * a.strides[1] - px.padBefore + kx * a.dilations[1];
              if (ix < 0 || ix >= d.w) continue;
              const v = x.data[at(b, ch, iy, ix)]!;
              acc = accumulate(kind, acc, v);
              valid++;
            }
          }
          if (kind === 'avg') acc /= valid;
          if (kind === 'avgIncludePad') acc /= windowInPaddedInput(py, oy, a, 0, d.h) * windowInPaddedInput(px, ox, a, 1, d.w);
          out[outAt(b, ch, oy, ox)] = finish(kind, acc);
        }
      }
    }
  }
  const shape = a.layout === 'NHWC' ? [d.n, py.out, px.out, d.c] : [d.n, d.c, py.out, px.out];
  return f32(shape, out);
}

/**
 * count_include_pad divides by the taps that fall inside the padded input; with ceil_mode a window
 * can overhang even the padding, and those taps do not count.
 */
function windowInPaddedInput(p: AxisPlan, o: number, a: PoolAttrs, axis: 0 | 1, len: number): number {
  const start = o * a.strides[axis] - p.padBefore;
  let count = 0;
  for (let k = 0; k < a.kernel[axis]; k++) {
    const i = start + k * a.dilations[axis];
    if (i >= -p.padBefore && i < len + p.padAfter) count++;
  }
  return count;
}

export function globalPool(x: Tensor, layout: Layout, kind: 'max' | 'avg' | { p: number }): Tensor {
  const d = dims(x, layout);
  const at = indexer(d, layout);
  const out = new Float32Array(checkedLength(d.n * d.c));
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      let acc = kind === 'max' ? -Infinity : 0;
      for (let y = 0; y < d.h; y++) {
        for (let xx = 0; xx < d.w; xx++) {
          const v = x.data[at(b, ch, y, xx)]!;
          acc = accumulate(kind, acc, v);
        }
      }
      out[b * d.c + ch] = kind === 'avg' ? acc / (d.h * d.w) : finish(kind, acc);
    }
  }
  return f32(layout === 'NHWC' ? [d.n, 1, 1, d.c] : [d.n, d.c, 1, 1], out);
}

/**
 * NCHW MaxPool with ONNX's Indices output: the flat index of each maximum in the input, the
 * first one read where several tie; storage order 1 counts within an image column by column.
 */
export function maxPoolWithIndices(x: Tensor, a: PoolAttrs, storageOrder: 0 | 1): [Tensor, Tensor] {
  const d = dims(x, 'NCHW');
  const py = planAxis(a, 0, d.h);
  const px = planAxis(a, 1, d.w);
  const out = tensor(x.dtype, [d.n, d.c, py.out, px.out]);
  const indices = tensor('int64', [d.n, d.c, py.out, px.out]);
  let o = 0;
  for (let plane = 0; plane < d.n * d.c; plane++) {
    const base = plane * d.h * d.w;
    for (let oy = 0; oy < py.out; oy++) {
      for (let ox = 0; ox < px.out; ox++, o++) {
        let best = -Infinity;
        let at = -1;
        for (let ky = 0; ky < a.kernel[0]; ky++) {
          const iy = oy * a.strides[0] - py.padBefore + ky * a.dilations[0];
          if (iy < 0 || iy >= d.h) continue;
          for (let kx = 0; kx < a.kernel[1]; kx++) {
            const ix = ox * a.strides[1] - px.padBefore + kx * a.dilations[1];
            if (ix < 0 || ix >= d.w) continue;
            const v = x.data[base + iy * d.w + ix]!;
            if (at < 0 || v > best) [best, at] = [v, storageOrder === 0 ? iy * d.w + ix : ix * d.h + iy];
          }
        }
        out.data[o] = best;
        indices.data[o] = base + at;
      }
    }
  }
  return [out, indices];
}

/**
 * MaxUnpool as ONNX's reference has it: values go to their flat index in the unpooled size
 * ((in − 1)·stride − pads + kernel), which then sits at the start of output_shape where one is given.
 */
export function maxUnpool(x: Tensor, indices: Tensor, outputShape: readonly number[] | undefined, a: { kernel: [number, number]; strides: [number, number]; pads: number[] }): Tensor {
  if (x.shape.length !== 4) throw new RangeError(`MaxUnpool expects a 4-D input, got [${x.shape}]`);
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const uh = (h - 1) * a.strides[0] - a.pads[0]! - a.pads[2]! + a.kernel[0];
  const uw = (w - 1) * a.strides[1] - a.pads[1]! - a.pads[3]! + a.kernel[1];
  const shape = outputShape ? [...outputShape] : [n, c, uh, uw];
  if (shape.length !== 4 || shape[0] !== n || shape[1] !== c || shape[2]! < uh || shape[3]! < uw) {
    throw new RangeError(`MaxUnpool: output_shape [${shape}] does not hold the unpooled [${[n, c, uh, uw]}]`);
  }
  const out = tensor(x.dtype, shape);
  const [oh, ow] = [shape[2]!, shape[3]!];
  for (let i = 0; i < x.data.length; i++) {
    const flat = indices.data[i]!;
    const plane = Math.floor(flat / (uh * uw));
    const within = flat - plane * uh * uw;
    if (plane < 0 || plane >= n * c) throw new RangeError(`MaxUnpool: index ${flat} is outside the unpooled tensor`);
    out.data[(plane * oh + Math.floor(within / uw)) * ow + (within % uw)] = x.data[i]!;
  }
  return out;
}
