// Spatial resampling ops of the float reference: Resize (bilinear) and DepthToSpace. Both are
// written for NHWC; NCHW tensors go through a transpose on each side.

import type { AttrsByOp } from '../../ir/graph.ts';
import { tensor, type Tensor, checkedLength } from '../../ir/tensor.ts';
import { transpose } from './shape-ops.ts';

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

function inNhwc(x: Tensor, layout: 'NCHW' | 'NHWC', f: (nhwc: Tensor) => Tensor): Tensor {
  if (x.shape.length !== 4) throw new RangeError(`expected a 4-D tensor, got [${x.shape}]`);
  return layout === 'NHWC' ? f(x) : transpose(f(transpose(x, TO_NHWC)), TO_NCHW);
}

interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
}

/** For each output index along one axis: the two input indices it blends and the weight of the second. */
function taps(outSize: number, inSize: number, coordinates: AttrsByOp['Resize']['coordinates']): Taps {
  const scale = coordinates === 'align_corners' ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  const t: Taps = { lo: new Int32Array(checkedLength(outSize)), hi: new Int32Array(checkedLength(outSize)), frac: new Float64Array(checkedLength(outSize)) };
  for (let o = 0; o < outSize; o++) {
    const at = coordinates === 'half_pixel' ? (o + 0.5) * scale - 0.5 : o * scale;
    const x = Math.min(Math.max(at, 0), inSize - 1);
    t.lo[o] = Math.floor(x);
    t.hi[o] = Math.min(t.lo[o]! + 1, inSize - 1);
    t.frac[o] = x - t.lo[o]!;
  }
  return t;
}

/** Bilinear resize to `size` = [height, width]. */
export function resize(x: Tensor, size: readonly number[], attrs: AttrsByOp['Resize']): Tensor {
  if (size.length !== 2) throw new RangeError(`Resize takes [height, width], got [${size}]`);
  return inNhwc(x, attrs.layout, (v) => {
    const [n, h, w, c] = v.shape as [number, number, number, number];
    const [oh, ow] = size as [number, number];
    const ys = taps(oh, h, attrs.coordinates);
    const xs = taps(ow, w, attrs.coordinates);
    const out = tensor('float32', [n, oh, ow, c]);
    const at = (b: number, y: number, xx: number, ch: number) => v.data[((b * h + y) * w + xx) * c + ch]!;
    let i = 0;
    for (let b = 0; b < n; b++) {
      for (let y = 0; y < oh; y++) {
        const [y0, y1, fy] = [ys.lo[y]!, ys.hi[y]!, ys.frac[y]!];
        for (let xx = 0; xx < ow; xx++) {
          const [x0, x1, fx] = [xs.lo[xx]!, xs.hi[xx]!, xs.frac[xx]!];
          for (let ch = 0; ch < c; ch++) {
            const top = at(b, y0, x0, ch) + (at(b, y0, x1, ch) - at(b, y0, x0, ch)) * fx;
            const bottom = at(b, y1, x0, ch) + (at(b, y1, x1, ch) - at(b, y1, x0, ch)) * fx;
            out.data[i++] = top + (bottom - top) * fy;
          }
        }
      }
    }
    return out;
  });
}

/** Moves blocks of channels into `blocksize`×`blocksize` spatial blocks (DCR or CRD channel order). */
export function depthToSpace(x: Tensor, attrs: AttrsByOp['DepthToSpace']): Tensor {
  const b = attrs.blocksize;
  return inNhwc(x, attrs.layout, (v) => {
    const [n, h, w, c] = v.shape as [number, number, number, number];
    if (b < 1 || c % (b * b) !== 0) throw new RangeError(`DepthToSpace: ${c} channels do not split into ${b}×${b} blocks`);
    const oc = c / (b * b);
    const out = tensor('float32', [n, h * b, w * b, oc]);
    let i = 0;
    for (let bn = 0; bn < n; bn++) {
      for (let y = 0; y < h * b; y++) {
        for (let xx = 0; xx < w * b; xx++) {
          const block = (y % b) * b + (xx % b);
          const base = ((bn * h + Math.floor(y / b)) * w + Math.floor(xx / b)) * c;
          for (let ch = 0; ch < oc; ch++) out.data[i++] = v.data[base + (attrs.mode === 'DCR' ? block * oc + ch : ch * b * b + block)]!;
        }
      }
    }
    return out;
  });
}
