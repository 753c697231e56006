// Elementwise ops: unary activations and broadcasting binary arithmetic.

import { allocData, isFloat, sizeOf, type Tensor } from '../../ir/tensor.ts';
import { broadcastOffsets, broadcastShapes } from './broadcast.ts';

export function mapUnary(x: Tensor, f: (v: number) => number): Tensor {
  const data = allocData(x.dtype, x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = f(x.data[i]!);
  return { dtype: x.dtype, shape: [...x.shape], data };
}

export const relu = (v: number): number => (v > 0 ? v : 0);
export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
export const hardSigmoid = (alpha: number, beta: number) => (v: number): number =>
  Math.max(0, Math.min(1, alpha * v + beta));
export const hardSwish = (v: number): number => v * Math.max(0, Math.min(1, v / 6 + 0.5));
export const leakyRelu = (alpha: number) => (v: number): number => (v >= 0 ? v : alpha * v);
export const clip = (min: number, max: number) => (v: number): number => Math.min(max, Math.max(min, v));

export type BinaryOp = 'Add' | 'Sub' | 'Mul' | 'Div';

const floatOps: Record<BinaryOp, (a: number, b: number) => number> = {
  Add: (a, b) => a + b,
  Sub: (a, b) => a - b,
  Mul: (a, b) => a * b,
  Div: (a, b) => a / b,
};

// Integer division truncates toward zero, as ONNX's integer Div does (C semantics).
const intOps: Record<BinaryOp, (a: number, b: number) => number> = {
  ...floatOps,
  Div: (a, b) => Math.trunc(a / b),
};

export function binary(op: BinaryOp, a: Tensor, b: Tensor): Tensor {
  if (a.dtype !== b.dtype) throw new TypeError(`${op}: dtypes ${a.dtype} and ${b.dtype} differ`);
  const f = (isFloat(a.dtype) ? floatOps : intOps)[op];
  const shape = broadcastShapes(a.shape, b.shape);
  const n = sizeOf(shape);
  const data = allocData(a.dtype, n);
  const ad = a.data;
  const bd = b.data;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) data[i] = f(ad[i]!, bd[i]!);
  } else if (ad.length === n && bd.length === 1) {
    const bv = bd[0]!;
    for (let i = 0; i < n; i++) data[i] = f(ad[i]!, bv);
  } else {
    const ao = broadcastOffsets(a.shape, shape);
    const bo = broadcastOffsets(b.shape, shape);
    for (let i = 0; i < n; i++) data[i] = f(ad[ao[i]!]!, bd[bo[i]!]!);
  }
  return { dtype: a.dtype, shape, data };
}
