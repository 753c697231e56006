// int8 convolution over NHWC (Q5)–(Q9): int32 accumulation of q_x · q_w plus the folded bias,
// padding read as the input zero point (Q7), then the shared output stage.

import { planAxis } from '../../ir/spatial.ts';
import { tensor, type Tensor, checkedLength } from '../../ir/tensor.ts';
import type { ConvStep, GemmStep, OutputStage } from '../../quant/program.ts';
import { OutputStageTable } from '../../quant/fixed-point.ts';

const table = (o: OutputStage) => new OutputStageTable(o.m0, o.exponent, o.zeroPoint, o.lo, o.channelHi ?? o.hi);

export function convInt8(x: Tensor, step: ConvStep): Tensor {
  if (x.shape.length !== 4) throw new RangeError(`int8 Conv expects NHWC input, got [${x.shape}]`);
  const [n, h, w, c] = x.shape as [number, number, number, number];
  const [cout, kh, kw, cinPerGroup] = step.weightShape;
  const { group } = step.geometry;
  if (cinPerGroup * group !== c) throw new RangeError(`int8 Conv "${step.name}": input has ${c} channels, weights expect ${cinPerGroup * group}`);
  const window = { ...step.geometry, kernel: [kh, kw] as [number, number] };
  const py = planAxis(window, 0, h);
  const px = planAxis(window, 1, w);
  const [sy, sx] = step.geometry.strides;
  const [dy, dx] = step.geometry.dilations;
  const coutPerGroup = cout / group;
  const zx = step.inputZeroPoint;
  const xd = x.data;
  const wd = step.weights;
  const out = tensor('int8', [n, py.out, px.out, cout]);
  const K = kh * kw * cinPerGroup;
  // One receptive field in the weights' (ky, kx, ic) order; (Q7): padding reads z_x.
  const patch = new Int32Array(checkedLength(K));
  const stage = table(step.out);
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < py.out; oy++) {
      for (let ox = 0; ox < px.out; ox++) {
        const outBase = ((b * py.out + oy) * px.out + ox) * cout;
        for (let grp = 0; grp < group; grp++) {
          let k = 0;
          for (let ky = 0; ky < kh; ky++) {
            const iy = oy * sy - py.padBefore + ky * dy;
            for (let kx = 0; kx < kw; kx++) {
              const ix = ox * sx - px.padBefore + kx * dx;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) {
                patch.fill(zx, k, k + cinPerGroup);
              } else {
                const inBase = ((b * h + iy) * w + ix) * c + grp * cinPerGroup;
                for (let ic = 0; ic < cinPerGroup; ic++) patch[k + ic] = xd[inBase + ic]!;
              }
              k += cinPerGroup;
            }
          }
          for (let oc = grp * coutPerGroup; oc < (grp + 1) * coutPerGroup; oc++) {
            let acc = step.bias[oc]!;
            const wBase = oc * K;
            for (let i = 0; i < K; i++) acc += patch[i]! * wd[wBase + i]!;
            // int32 arithmetic wraps; (Q19) guarantees the true sum fits, so this is exact.
            out.data[outBase + oc] = stage.apply(acc | 0, oc);
          }
        }
      }
    }
  }
  return out;
}

/** [M, K] int8 × weights [N, K] → [M, N] int8. */
export function gemmInt8(x: Tensor, step: GemmStep): Tensor {
  const [n, k] = step.weightShape;
  if (x.shape.length !== 2 || x.shape[1] !== k) throw new RangeError(`int8 Gemm "${step.name}": input [${x.shape}] does not have ${k} columns`);
  const m = x.shape[0]!;
  const out = tensor('int8', [m, n]);
  const stage = table(step.out);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = step.bias[j]!;
      for (let p = 0; p < k; p++) acc += x.data[i * k + p]! * step.weights[j * k + p]!;
      out.data[i * n + j] = stage.apply(acc | 0, j);
    }
  }
  return out;
}
