// Float ConvTranspose (NCHW, any number of spatial axes): every input pixel scatters its
// kernel-weighted copy into the output.

import { planTransposedAxis, type ConvTransposeAttrs } from '../../ir/ops/spatial.ts';
import { f32, sizeOf, type Tensor, checkedLength } from '../../ir/tensor.ts';

/** For each (kernel tap, input position) pair, flat over all spatial axes: the output position, or -1 where it is cropped. */
function scatterMap(inShape: number[], kernel: number[], outShape: number[], a: ConvTransposeAttrs, padBefore: number[]): Int32Array {
  const [inSize, kSize] = [sizeOf(inShape), sizeOf(kernel)];
  const map = new Int32Array(checkedLength(kSize * inSize));
  for (let k = 0; k < kSize; k++) {
    for (let i = 0; i < inSize; i++) {
      let [kr, ir, at] = [k, i, 0];
      for (let axis = inShape.length - 1, stride = 1; axis >= 0; axis--) {
        const [ki, ii] = [kr % kernel[axis]!, ir % inShape[axis]!];
        [kr, ir] = [Math.floor(kr / kernel[axis]!), Math.floor(ir / inShape[axis]!)];
        const o = ii * (a.strides[axis] ?? 1) - padBefore[axis]! + ki * (a.dilations[axis] ?? 1);
        if (at < 0 || o < 0 || o >= outShape[axis]!) at = -1;
        else at += o * stride;
        stride *= outShape[axis]!;
      }
      map[k * inSize + i] = at;
    }
  }
  return map;
}

export function convTranspose(x: Tensor, w: Tensor, bias: Tensor | undefined, a: ConvTransposeAttrs): Tensor {
  if (x.shape.length < 3 || w.shape.length !== x.shape.length) throw new RangeError(`ConvTranspose: input [${x.shape}] and weights [${w.shape}] do not fit`);
  const [n, cin] = x.shape as [number, number];
  const [wcin, coutPerGroup] = w.shape as [number, number];
  if (wcin !== cin || cin % a.group !== 0) throw new RangeError(`ConvTranspose: input has ${cin} channels; weights [${w.shape}] with group ${a.group} do not fit`);
  const inShape = x.shape.slice(2);
  const kernel = w.shape.slice(2);
  const plans = inShape.map((len, axis) => planTransposedAxis(a, kernel, axis, len));
  const outShape = plans.map((p) => p.out);
  const map = scatterMap(inShape, kernel, outShape, a, plans.map((p) => p.padBefore));
  const [inSize, kSize, outSize] = [sizeOf(inShape), sizeOf(kernel), sizeOf(outShape)];
  const cout = coutPerGroup * a.group;
  const cinPerGroup = cin / a.group;
  const out = new Float32Array(checkedLength(n * cout * outSize));
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cout; oc++) out.fill(bias ? bias.data[oc]! : 0, (b * cout + oc) * outSize, (b * cout + oc + 1) * outSize);
    for (let ic = 0; ic < cin; ic++) {
      const src = (b * cin + ic) * inSize;
      for (let j = 0; j < coutPerGroup; j++) {
        const dst = (b * cout + Math.floor(ic / cinPerGroup) * coutPerGroup + j) * outSize;
        const wBase = (ic * coutPerGroup + j) * kSize;
        for (let k = 0; k < kSize; k++) {
          const wv = w.data[wBase + k]!;
          for (let i = 0; i < inSize; i++) {
            const o = map[k * inSize + i]!;
            if (o >= 0) out[dst + o]! += wv * x.data[src + i]!;
          }
        }
      }
    }
  }
  return f32([n, cout, ...outShape], out);
}
