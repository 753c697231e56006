// Float 3-D (volumetric) Conv and pools, NCDHW. Written over any number of spatial axes: each
// (output position, kernel tap) pair is resolved once to the input position it reads.

import { planAxis3d, type SpatialAttrs, type Window3D } from '../../ir/ops/spatial.ts';
import { f32, sizeOf, type Tensor, checkedLength } from '../../ir/tensor.ts';

interface Taps {
  outShape: number[];
  /** [outSize · kSize]: flat input offset of the tap, -1 in padding (or past it, with ceil_mode). */
  at: Int32Array;
  /** [outSize · kSize]: the tap lies in the padded input (what count_include_pad counts). */
  inPadded: Uint8Array;
  kSize: number;
}

function taps(inShape: number[], kernel: number[], w: Window3D & { ceilMode?: boolean }): Taps {
  const plans = inShape.map((len, axis) => planAxis3d(w, kernel, axis, len));
  const outShape = plans.map((p) => p.out);
  const [outSize, kSize] = [sizeOf(outShape), sizeOf(kernel)];
  const t: Taps = { outShape, at: new Int32Array(checkedLength(outSize * kSize)), inPadded: new Uint8Array(outSize * kSize), kSize };
  for (let o = 0; o < outSize; o++) {
    for (let k = 0; k < kSize; k++) {
      let [or, kr, at, padded] = [o, k, 0, true];
      for (let axis = inShape.length - 1, stride = 1; axis >= 0; axis--) {
        const [oi, ki] = [or % outShape[axis]!, kr % kernel[axis]!];
        [or, kr] = [Math.floor(or / outShape[axis]!), Math.floor(kr / kernel[axis]!)];
        const i = oi * w.strides[axis]! - plans[axis]!.padBefore + ki * w.dilations[axis]!;
        padded &&= i >= -plans[axis]!.padBefore && i < inShape[axis]! + plans[axis]!.padAfter;
        at = at < 0 || i < 0 || i >= inShape[axis]! ? -1 : at + i * stride;
        stride *= inShape[axis]!;
      }
      t.at[o * kSize + k] = at;
      t.inPadded[o * kSize + k] = padded ? 1 : 0;
    }
  }
  return t;
}

export function conv3d(x: Tensor, w: Tensor, bias: Tensor | undefined, a: SpatialAttrs['Conv3D']): Tensor {
  if (x.shape.length !== w.shape.length) throw new RangeError(`Conv: input [${x.shape}] and weights [${w.shape}] differ in rank`);
  const [n, c] = x.shape as [number, number];
  const [cout, cinPerGroup] = w.shape as [number, number];
  if (cinPerGroup * a.group !== c || cout % a.group !== 0) throw new RangeError(`Conv: input has ${c} channels; weights [${w.shape}] with group ${a.group} do not fit`);
  const inShape = x.shape.slice(2);
  const t = taps(inShape, w.shape.slice(2), a);
  const [inSize, outSize] = [sizeOf(inShape), sizeOf(t.outShape)];
  const out = new Float32Array(checkedLength(n * cout * outSize));
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < cout; oc++) {
      const firstIc = Math.floor(oc / (cout / a.group)) * cinPerGroup;
      for (let o = 0; o < outSize; o++) {
        let acc = bias ? bias.data[oc]! : 0;
        for (let ic = 0; ic < cinPerGroup; ic++) {
          const src = (b * c + firstIc + ic) * inSize;
          const wBase = (oc * cinPerGroup + ic) * t.kSize;
          for (let k = 0; k < t.kSize; k++) {
            const at = t.at[o * t.kSize + k]!;
            if (at >= 0) acc += x.data[src + at]! * w.data[wBase + k]!;
          }
        }
        out[(b * cout + oc) * outSize + o] = acc;
      }
    }
  }
  return f32([n, cout, ...t.outShape], out);
}

export function pool3d(x: Tensor, a: SpatialAttrs['Pool3D']): Tensor {
  const [n, c] = x.shape as [number, number];
  const inShape = x.shape.slice(2);
  if (inShape.length !== a.kernel.length) throw new RangeError(`pooling: a ${a.kernel.length}-D window on input [${x.shape}]`);
  const t = taps(inShape, a.kernel, a);
  const [inSize, outSize] = [sizeOf(inShape), sizeOf(t.outShape)];
  const out = new Float32Array(checkedLength(n * c * outSize));
  for (let plane = 0; plane < n * c; plane++) {
    for (let o = 0; o < outSize; o++) {
      let [acc, valid, padded] = [a.kind === 'max' ? -Infinity : 0, 0, 0];
      for (let k = 0; k < t.kSize; k++) {
        padded += t.inPadded[o * t.kSize + k]!;
        const at = t.at[o * t.kSize + k]!;
        if (at < 0) continue;
        const v = x.data[plane * inSize + at]!;
        acc = a.kind === 'max' ? Math.max(acc, v) : a.kind === 'lp' ? acc + Math.abs(v) ** a.p : acc + v;
        valid++;
      }
      out[plane * outSize + o] = a.kind === 'avg' ? acc / valid : a.kind === 'avgIncludePad' ? acc / padded : a.kind === 'lp' ? acc ** (1 / a.p) : acc;
    }
  }
  return f32([n, c, ...t.outShape], out);
}
