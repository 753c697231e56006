// QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear as ONNX's reference computes them:
// float32 arithmetic, round half to even, saturation to the integer type.

import type { QuantAxis } from '../../ir/ops/quantize.ts';
import { normAxis } from '../../ir/dims.ts';
import { f32, sizeOf, tensor, type DType, type Tensor } from '../../ir/tensor.ts';

export type IntType = 'int8' | 'uint8';

export const INT_RANGE: Record<IntType, [number, number]> = { int8: [-128, 127], uint8: [0, 255] };

/** numpy's rint: ties go to the even neighbour. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The integer of type `dtype` nearest to v (NaN becomes 0, as a cast of NaN does). */
export const saturate = (v: number, dtype: IntType): number => {
  const [lo, hi] = INT_RANGE[dtype];
  return Number.isNaN(v) ? 0 : Math.min(hi, Math.max(lo, v));
};

/**
 * For each element of data of `shape`, the offset of its scale (and zero point): per tensor, per
 * index of the axis, or per block of `blockSize` indices along it.
 */
export function paramOffsets(shape: readonly number[], param: Tensor, q: QuantAxis, what: string): Int32Array {
  const n = sizeOf(shape);
  const offsets = new Int32Array(n);
  const count = sizeOf(param.shape);
  if (q.blockSize <= 0 && count === 1) return offsets;
  const axis = normAxis(q.axis, shape.length);
  const d = shape[axis];
  if (d === undefined) throw new RangeError(`${what}: axis ${q.axis} is out of range for data of shape [${shape}]`);
  const inner = sizeOf(shape.slice(axis + 1));
  if (q.blockSize > 0) {
    const blocks = Math.ceil(d / q.blockSize);
    const want = [...shape.slice(0, axis), blocks, ...shape.slice(axis + 1)];
    if (param.shape.length !== shape.length || param.shape.some((s, i) => s !== want[i])) {
      throw new RangeError(`${what}: a blocked scale (block_size ${q.blockSize}) of data [${shape}] must have shape [${want}], got [${param.shape}]`);
    }
    for (let i = 0; i < n; i++) {
      const j = Math.floor(i / inner) % d;
      offsets[i] = (Math.floor(i / (inner * d)) * blocks + Math.floor(j / q.blockSize)) * inner + (i % inner);
    }
    return offsets;
  }
  if (param.shape.length !== 1 || count !== d) {
    throw new RangeError(`${what}: a per-axis scale along axis ${axis} of data [${shape}] must have shape [${d}], got [${param.shape}]`);
  }
  for (let i = 0; i < n; i++) offsets[i] = Math.floor(i / inner) % d;
  return offsets;
}

function checkZeroPoint(scale: Tensor, zeroPoint: Tensor | undefined, what: string): void {
  if (zeroPoint && (zeroPoint.shape.length !== scale.shape.length || zeroPoint.shape.some((s, i) => s !== scale.shape[i]))) {
    throw new RangeError(`${what}: zero point of shape [${zeroPoint.shape}] does not match scale of shape [${scale.shape}]`);
  }
}

export function quantizeLinear(x: Tensor, scale: Tensor, zeroPoint: Tensor | undefined, a: QuantAxis & { dtype: IntType }): Tensor {
  const dtype = zeroPoint ? intType(zeroPoint.dtype, 'QuantizeLinear zero point') : a.dtype;
  checkZeroPoint(scale, zeroPoint, 'QuantizeLinear');
  const at = paramOffsets(x.shape, scale, a, 'QuantizeLinear');
  const out = tensor(dtype, x.shape);
  for (let i = 0; i < out.data.length; i++) {
    const p = at[i]!;
    const z = zeroPoint ? zeroPoint.data[p]! : 0;
    out.data[i] = saturate(roundHalfEven(Math.fround(x.data[i]! / scale.data[p]!)) + z, dtype);
  }
  return out;
}

export function dequantizeLinear(x: Tensor, scale: Tensor, zeroPoint: Tensor | undefined, a: QuantAxis): Tensor {
  checkZeroPoint(scale, zeroPoint, 'DequantizeLinear');
  const at = paramOffsets(x.shape, scale, a, 'DequantizeLinear');
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const p = at[i]!;
    out[i] = Math.fround(x.data[i]! - (zeroPoint ? zeroPoint.data[p]! : 0)) * scale.data[p]!;
  }
  return f32(x.shape, out);
}

/**
 * uint8 with the scale and zero point the data's range (widened to hold 0) gives: scale
 * (max − min)/255 (1/255 for a constant input, where the range is empty), zero point −min/scale.
 */
export function dynamicQuantizeLinear(x: Tensor): Tensor[] {
  let min = 0;
  let max = 0;
  for (const v of x.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = Math.fround((max === min ? 1 : Math.fround(max - min)) / 255);
  const zeroPoint = roundHalfEven(saturate(Math.fround(0 - Math.fround(min / scale)), 'uint8'));
  const y = tensor('uint8', x.shape);
  for (let i = 0; i < y.data.length; i++) y.data[i] = saturate(roundHalfEven(Math.fround(x.data[i]! / scale)) + zeroPoint, 'uint8');
  return [y, f32([], [scale]), tensor('uint8', [], [zeroPoint])];
}

export function intType(dtype: DType, what: string): IntType {
  if (dtype === 'int8' || dtype === 'uint8') return dtype;
  throw new RangeError(`${what} is ${dtype}; only int8 and uint8 are supported`);
}
