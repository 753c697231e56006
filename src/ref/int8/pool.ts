// int8 pooling over NHWC (Q17): max of q; average as an integer sum divided with rounding half
// away from zero; the output keeps the input's (s, z).

import { planAxis } from '../../ir/spatial.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';
import type { PoolStep } from '../../quant/program.ts';

/** (Q17): sum / n rounded half away from zero, in integers. */
export const roundedDivide = (sum: number, n: number): number =>
  Math.trunc((sum >= 0 ? sum + Math.floor(n / 2) : sum - Math.floor(n / 2)) / n) | 0;

export function poolInt8(x: Tensor, step: PoolStep): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const py = planAxis(step, 0, h);
  const px = planAxis(step, 1, w);
  const out = tensor('int8', [n, py.out, px.out, c]);
  const [kh, kw] = step.kernel;
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < py.out; oy++) {
      for (let ox = 0; ox < px.out; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = step.op === 'maxpool' ? -128 : 0;
          let inside = 0;
          let inPadded = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * step.strides[0] - py.padBefore + ky * step.dilations[0];
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * step.strides[1] - px.padBefore + kx * step.dilations[1];
              if (iy >= -py.padBefore && iy < h + py.padAfter && ix >= -px.padBefore && ix < w + px.padAfter) inPadded++;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const v = x.data[((b * h + iy) * w + ix) * c + ch]!;
              acc = step.op === 'maxpool' ? Math.max(acc, v) : acc + v;
              inside++;
            }
          }
          if (step.op === 'avgpool') {
            // count_include_pad: padding taps count, each reading the zero point.
            acc = step.countIncludePad ? roundedDivide(acc + (inPadded - inside) * step.zeroPoint, inPadded) : roundedDivide(acc, inside);
          }
          out.data[((b * py.out + oy) * px.out + ox) * c + ch] = acc;
        }
      }
    }
  }
  return out;
}

export function globalPoolInt8(x: Tensor, kind: 'avg' | 'max'): Tensor {
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const out = tensor('int8', [n, 1, 1, c]);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      let acc = kind === 'max' ? -128 : 0;
      for (let i = 0; i < h * w; i++) {
        const v = x.data[(b * h * w + i) * c + ch]!;
        acc = kind === 'max' ? Math.max(acc, v) : acc + v;
      }
      out.data[b * c + ch] = kind === 'max' ? acc : roundedDivide(acc, h * w);
    }
  }
  return out;
}
