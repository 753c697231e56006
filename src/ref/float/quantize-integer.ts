// The integer matmul and conv ops (MatMulInteger, ConvInteger, and their requantizing QLinear
// forms): zero points subtracted, products summed exactly (every sum of int8 products a model
// makes is far below 2^53), then either int32 out or rescaled, rounded half to even and saturated.

import { planAxis3d } from '../../ir/ops/spatial.ts';
import type { AxisPlan } from '../../ir/spatial.ts';
import { resolveConvWindow, type IntegerConvAttrs } from '../../ir/ops/quantize.ts';
import { sizeOf, stridesOf, tensor, type Tensor } from '../../ir/tensor.ts';
import { broadcastOffsets, broadcastShapes } from './broadcast.ts';
import { intType, roundHalfEven, saturate } from './quantize-linear.ts';

/** Integer values held exactly as doubles. */
interface Exact {
  shape: number[];
  data: Float64Array;
}

/** A param per tensor, or per index of `axis` of data of `shape` (a 1-D list, or a tensor broadcasting against the data). */
function paramAt(shape: readonly number[], param: Tensor | undefined, axis: number, what: string): (i: number) => number {
  if (!param) return () => 0;
  if (sizeOf(param.shape) === 1) return () => param.data[0]!;
  const along = param.shape.length === 1 && shape.length > 1;
  if (along && param.shape[0] !== shape[axis]) {
    throw new RangeError(`${what} has ${param.shape[0]} values for axis ${axis} of length ${shape[axis]} (data [${shape}])`);
  }
  const pShape = along ? shape.map((d, k) => (k === axis ? d : 1)) : param.shape;
  const offsets = broadcastOffsets(pShape, shape);
  return (i) => param.data[offsets[i]!]!;
}

/** The data less its zero point (per tensor or along `axis`). */
function centred(t: Tensor, zeroPoint: Tensor | undefined, axis: number, what: string): Exact {
  const z = paramAt(t.shape, zeroPoint, axis, what);
  const data = new Float64Array(t.data.length);
  for (let i = 0; i < data.length; i++) data[i] = t.data[i]! - z(i);
  return { shape: t.shape, data };
}

function matmulExact(a: Exact, b: Exact): Exact {
  const aShape = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bShape = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const m = aShape[aShape.length - 2]!;
  const k = aShape[aShape.length - 1]!;
  const n = bShape[bShape.length - 1]!;
  if (bShape[bShape.length - 2] !== k) throw new RangeError(`integer MatMul: shapes [${a.shape}] and [${b.shape}] do not chain`);
  const batch = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2));
  const aBatch = broadcastOffsets(aShape.slice(0, -2), batch);
  const bBatch = broadcastOffsets(bShape.slice(0, -2), batch);
  const out = new Float64Array(sizeOf(batch) * m * n);
  for (let t = 0; t < aBatch.length; t++) {
    const aBase = aBatch[t]! * m * k;
    const bBase = bBatch[t]! * k * n;
    for (let i = 0; i < m; i++) {
      for (let p = 0; p < k; p++) {
        const av = a.data[aBase + i * k + p]!;
        for (let j = 0; j < n; j++) out[(t * m + i) * n + j]! += av * b.data[bBase + p * n + j]!;
      }
    }
  }
  return { shape: [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])], data: out };
}

const rowAxis = (t: Tensor) => Math.max(0, t.shape.length - 2);
const colAxis = (t: Tensor) => t.shape.length - 1;

const int32 = (e: Exact): Tensor => tensor('int32', e.shape, e.data);

export function matmulInteger(a: Tensor, b: Tensor, aZero: Tensor | undefined, bZero: Tensor | undefined): Tensor {
  return int32(matmulExact(centred(a, aZero, rowAxis(a), 'MatMulInteger a_zero_point'), centred(b, bZero, colAxis(b), 'MatMulInteger b_zero_point')));
}

/** A quantized operand: its integers, scale, and zero point (omitted: 0). */
export interface Quantized {
  q: Tensor;
  scale: Tensor;
  zero: Tensor | undefined;
}

/** The output's scale and zero point (per tensor). */
export interface OutputQuant {
  scale: Tensor;
  zero: Tensor;
}

/** y = saturate(round(acc · s_in · s_w / s_y) + z_y), the multiplier in float32 as ONNX's reference forms it. */
function requantize(acc: Exact, inScale: (i: number) => number, wScale: (i: number) => number, y: OutputQuant): Tensor {
  const dtype = intType(y.zero.dtype, 'the output zero point');
  if (sizeOf(y.scale.shape) !== 1 || sizeOf(y.zero.shape) !== 1) throw new RangeError('the output scale and zero point must be per tensor');
  const out = tensor(dtype, acc.shape);
  for (let i = 0; i < out.data.length; i++) {
    const multiplier = Math.fround(Math.fround(inScale(i) * wScale(i)) / y.scale.data[0]!);
    out.data[i] = saturate(roundHalfEven(acc.data[i]! * multiplier + y.zero.data[0]!), dtype);
  }
  return out;
}

export function qlinearMatmul(a: Quantized, b: Quantized, y: OutputQuant): Tensor {
  const acc = matmulExact(centred(a.q, a.zero, rowAxis(a.q), 'QLinearMatMul a_zero_point'), centred(b.q, b.zero, colAxis(b.q), 'QLinearMatMul b_zero_point'));
  const rows = paramAt(acc.shape, a.scale, Math.max(0, acc.shape.length - 2), 'QLinearMatMul a_scale');
  const cols = paramAt(acc.shape, b.scale, acc.shape.length - 1, 'QLinearMatMul b_scale');
  return requantize(acc, rows, cols, y);
}

/** For each output position and kernel tap, the input offset within one channel plane, or −1 where the tap reads padding. */
function taps(inSpatial: number[], kernel: number[], plans: AxisPlan[], a: IntegerConvAttrs): Int32Array {
  const outSpatial = plans.map((p) => p.out);
  const P = sizeOf(outSpatial);
  const K = sizeOf(kernel);
  const inStrides = stridesOf(inSpatial);
  const outStrides = stridesOf(outSpatial);
  const kStrides = stridesOf(kernel);
  const result = new Int32Array(P * K);
  for (let p = 0; p < P; p++) {
    for (let k = 0; k < K; k++) {
      let offset = 0;
      for (let d = 0; d < kernel.length; d++) {
        const o = Math.floor(p / outStrides[d]!) % outSpatial[d]!;
        const t = Math.floor(k / kStrides[d]!) % kernel[d]!;
        const at = o * a.strides[d]! - plans[d]!.padBefore + t * a.dilations[d]!;
        if (at < 0 || at >= inSpatial[d]!) {
          offset = -1;
          break;
        }
        offset += at * inStrides[d]!;
      }
      result[p * K + k] = offset;
    }
  }
  return result;
}

/** NC... convolution of centred integers; weights [M, C/group, k...]; int32 bias [M] optional. */
function convExact(x: Exact, w: Exact, bias: Tensor | undefined, attrs: IntegerConvAttrs): Exact {
  const [n, c] = x.shape as [number, number];
  const [m, cinPerGroup] = w.shape as [number, number];
  const kernel = w.shape.slice(2);
  if (x.shape.length !== w.shape.length || cinPerGroup * attrs.group !== c || m % attrs.group !== 0) {
    throw new RangeError(`integer Conv: input [${x.shape}] and weights [${w.shape}] with group ${attrs.group} do not fit`);
  }
  const a = resolveConvWindow(attrs, kernel.length);
  const inSpatial = x.shape.slice(2);
  const plans = inSpatial.map((len, axis) => planAxis3d(a, kernel, axis, len));
  const tap = taps(inSpatial, kernel, plans, a);
  const P = sizeOf(plans.map((p) => p.out));
  const K = sizeOf(kernel);
  const plane = sizeOf(inSpatial);
  const coutPerGroup = m / a.group;
  const out = new Float64Array(n * m * P);
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < m; oc++) {
      const o = (b * m + oc) * P;
      if (bias) out.fill(bias.data[oc]!, o, o + P);
      const firstIn = Math.floor(oc / coutPerGroup) * cinPerGroup;
      for (let ic = 0; ic < cinPerGroup; ic++) {
        const xBase = (b * c + firstIn + ic) * plane;
        const wBase = (oc * cinPerGroup + ic) * K;
        for (let p = 0; p < P; p++) {
          let acc = 0;
          for (let k = 0; k < K; k++) {
            const t = tap[p * K + k]!;
            if (t >= 0) acc += x.data[xBase + t]! * w.data[wBase + k]!;
          }
          out[o + p]! += acc;
        }
      }
    }
  }
  return { shape: [n, m, ...plans.map((p) => p.out)], data: out };
}

export function convInteger(x: Tensor, w: Tensor, xZero: Tensor | undefined, wZero: Tensor | undefined, a: IntegerConvAttrs): Tensor {
  return int32(convExact(centred(x, xZero, 1, 'ConvInteger x_zero_point'), centred(w, wZero, 0, 'ConvInteger w_zero_point'), undefined, a));
}

export function qlinearConv(x: Quantized, w: Quantized, y: OutputQuant, bias: Tensor | undefined, a: IntegerConvAttrs): Tensor {
  const acc = convExact(centred(x.q, x.zero, 1, 'QLinearConv x_zero_point'), centred(w.q, w.zero, 0, 'QLinearConv w_zero_point'), bias, a);
  const inScale = paramAt(acc.shape, x.scale, 1, 'QLinearConv x_scale');
  const perChannel = paramAt(acc.shape, w.scale, 1, 'QLinearConv w_scale');
  return requantize(acc, inScale, perChannel, y);
}
