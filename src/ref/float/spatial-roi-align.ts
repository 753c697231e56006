// Float RoiAlign (NCHW), as ONNX's reference computes it: each output bin averages (or, in max
// mode, takes the largest weighted corner of) a grid of bilinear samples.

import type { SpatialAttrs } from '../../ir/ops/spatial.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';

type Attrs = SpatialAttrs['RoiAlign'];

/** The four corners of one bilinear sample and their weights; all weights 0 outside the image. */
function corners(y: number, x: number, h: number, w: number): { at: number[]; weight: number[] } {
  if (y < -1 || y > h || x < -1 || x > w) return { at: [0, 0, 0, 0], weight: [0, 0, 0, 0] };
  [y, x] = [Math.max(y, 0), Math.max(x, 0)];
  let [y0, x0] = [Math.trunc(y), Math.trunc(x)];
  let [y1, x1] = [y0 + 1, x0 + 1];
  if (y0 >= h - 1) [y0, y1, y] = [h - 1, h - 1, h - 1];
  if (x0 >= w - 1) [x0, x1, x] = [w - 1, w - 1, w - 1];
  const [ly, lx] = [y - y0, x - x0];
  const [hy, hx] = [1 - ly, 1 - lx];
  return { at: [y0 * w + x0, y0 * w + x1, y1 * w + x0, y1 * w + x1], weight: [hy * hx, hy * lx, ly * hx, ly * lx] };
}

export function roiAlign(x: Tensor, rois: Tensor, batchIndices: Tensor, a: Attrs): Tensor {
  if (x.shape.length !== 4 || rois.shape.length !== 2 || rois.shape[1] !== 4) {
    throw new RangeError(`RoiAlign takes a 4-D input and [R, 4] rois, got [${x.shape}] and [${rois.shape}]`);
  }
  const [, c, h, w] = x.shape as [number, number, number, number];
  const r = rois.shape[0]!;
  const [ph, pw] = [a.outputHeight, a.outputWidth];
  const out = tensor(x.dtype, [r, c, ph, pw]);
  const offset = a.halfPixel ? 0.5 : 0;
  for (let n = 0; n < r; n++) {
    const [x0, y0, x1, y1] = [0, 1, 2, 3].map((k) => rois.data[n * 4 + k]! * a.spatialScale - offset) as [number, number, number, number];
    const [rh, rw] = a.halfPixel ? [y1 - y0, x1 - x0] : [Math.max(y1 - y0, 1), Math.max(x1 - x0, 1)];
    const [binH, binW] = [rh / ph, rw / pw];
    const gridH = a.samplingRatio > 0 ? a.samplingRatio : Math.ceil(rh / ph);
    const gridW = a.samplingRatio > 0 ? a.samplingRatio : Math.ceil(rw / pw);
    const count = Math.max(gridH * gridW, 1);
    const batch = batchIndices.data[n]!;
    for (let oy = 0; oy < ph; oy++) {
      for (let ox = 0; ox < pw; ox++) {
        const samples: ReturnType<typeof corners>[] = [];
        for (let iy = 0; iy < gridH; iy++) {
          for (let ix = 0; ix < gridW; ix++) {
            samples.push(corners(y0 + oy * binH + ((iy + 0.5) * binH) / gridH, x0 + ox * binW + ((ix + 0.5) * binW) / gridW, h, w));
          }
        }
        for (let ch = 0; ch < c; ch++) {
          const base = (batch * c + ch) * h * w;
          const values = samples.map((s) => s.weight.map((wt, k) => wt * x.data[base + s.at[k]!]!));
          const v = a.mode === 'avg'
            ? values.reduce((acc, vs) => acc + vs.reduce((p, q) => p + q, 0), 0) / count
            : values.reduce((acc, vs) => Math.max(acc, ...vs), -Infinity);
          out.data[((n * c + ch) * ph + oy) * pw + ox] = values.length === 0 ? 0 : v;
        }
      }
    }
  }
  return out;
}
