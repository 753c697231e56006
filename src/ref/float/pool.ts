// Float pooling: MaxPool, AveragePool (count_include_pad), global average/max, NCHW or NHWC.

import type { Layout, PoolAttrs } from '../../ir/graph.ts';
import { f32, type Tensor, checkedLength } from '../../ir/tensor.ts';
import { planAxis, type AxisPlan } from '../../ir/spatial.ts';

export type PoolKind = 'max' | 'avg' | 'avgIncludePad';

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
              acc = kind === 'max' ? Math.max(acc, v) : acc + v;
              valid++;
            }
          }
          if (kind === 'avg') acc /= valid;
          if (kind === 'avgIncludePad') acc /= windowInPaddedInput(py, oy, a, 0, d.h) * windowInPaddedInput(px, ox, a, 1, d.w);
          out[outAt(b, ch, oy, ox)] = acc;
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

export function globalPool(x: Tensor, layout: Layout, kind: 'max' | 'avg'): Tensor {
  const d = dims(x, layout);
  const at = indexer(d, layout);
  const out = new Float32Array(checkedLength(d.n * d.c));
  for (let b = 0; b < d.n; b++) {
    for (let ch = 0; ch < d.c; ch++) {
      let acc = kind === 'max' ? -Infinity : 0;
      for (let y = 0; y < d.h; y++) {
        for (let xx = 0; xx < d.w; xx++) {
          const v = x.data[at(b, ch, y, xx)]!;
          acc = kind === 'max' ? Math.max(acc, v) : acc + v;
        }
      }
      out[b * d.c + ch] = kind === 'avg' ? acc / (d.h * d.w) : acc;
    }
  }
  return f32(layout === 'NHWC' ? [d.n, 1, 1, d.c] : [d.n, d.c, 1, 1], out);
}
