// The quantize op family: explicit quantization ops run in float reference semantics: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { broadcastDims, isNum, UNKNOWN, type ShapeRule, type ShapeRules } from '../dims.ts';
import type { AutoPad, Dim } from '../graph.ts';
import { CPU_FLOAT, type OpTraits } from '../op-kinds.ts';
import { planAxis3d } from './spatial.ts';

/**
 * How a scale (and zero point) covers the data: one value (scalar or [1]), one per index of
 * `axis` (1-D), or with blockSize > 0 one per block of blockSize indices along `axis` (the
 * scale has the data's rank).
 */
export interface QuantAxis {
  axis: number;
  blockSize: number;
}

/**
 * Any number of spatial axes, as the weights' rank gives them: empty lists take ONNX's defaults
 * (strides and dilations 1, pads 0) for that rank. pads: [begins..., ends...].
 */
export interface IntegerConvAttrs {
  strides: number[];
  pads: number[];
  autoPad: AutoPad;
  dilations: number[];
  group: number;
}

export interface QuantizeAttrs {
  /** Inputs: x, scale, zero point?. The output has the zero point's dtype, else `dtype`. */
  QuantizeLinear: QuantAxis & { dtype: 'int8' | 'uint8' };
  /** Inputs: x (int8, uint8 or int32), scale, zero point?; float32 out. */
  DequantizeLinear: QuantAxis;
  DynamicQuantizeLinear: Record<string, never>;
  /** Inputs: A, B, a zero point? (per tensor, or per row of A), b zero point? (per tensor, or per column of B); int32 out. */
  MatMulInteger: Record<string, never>;
  /** Inputs: a, a scale, a zero point, b, b scale, b zero point, y scale, y zero point. */
  QLinearMatMul: Record<string, never>;
  /** Inputs: x, w, x zero point?, w zero point? (per tensor or per output channel); int32 out. */
  ConvInteger: IntegerConvAttrs;
  /** Inputs: x, x scale, x zero point, w, w scale, w zero point, y scale, y zero point, int32 bias?. */
  QLinearConv: IntegerConvAttrs;
  /**
   * Not an ONNX op: dynamic quantization's product (docs/quantization.md (D1)–(D5)), what
   * onnxruntime's DynamicQuantizeLinear → MatMulInteger → Cast → Mul (→ Add) chain computes, as
   * one node. Inputs: x (float32 [..., K]), weight codes (int8 [N, K]), weight scales (float32
   * [N]), weight zero points (int8 [N]), bias? (float32 [N]); float32 [..., N] out. `perRow`:
   * each row of x (a token) gets its own scale; else one for the tensor, as DynamicQuantizeLinear.
   */
  MatMulDynamicInt8: { perRow: boolean };
  /**
   * Not an ONNX op: onnxruntime's DynamicQuantizeLinear → ConvInteger → Cast → Mul (→ Add) as one
   * node (docs/quantization.md (D6)), 2-D and group 1. Inputs: x (float32 NCHW), weight codes
   * (int8 [N, C, kh, kw]), weight scales (float32 [N]), weight zero points (int8 [N]), bias?
   * (float32 [N]); float32 NCHW out. x is quantized as one tensor.
   */
  ConvDynamicInt8: IntegerConvAttrs;
}

export const QUANTIZE_TRAITS = {
  QuantizeLinear: CPU_FLOAT,
  DequantizeLinear: CPU_FLOAT,
  DynamicQuantizeLinear: CPU_FLOAT,
  MatMulInteger: CPU_FLOAT,
  QLinearMatMul: CPU_FLOAT,
  ConvInteger: CPU_FLOAT,
  QLinearConv: CPU_FLOAT,
  MatMulDynamicInt8: { ...CPU_FLOAT, gpu: 'dynamic-int8' },
  ConvDynamicInt8: { ...CPU_FLOAT, gpu: 'dynamic-int8' },
} as const satisfies Record<keyof QuantizeAttrs, OpTraits>;

/** The lists of an integer conv for weights of `rank` spatial axes, defaults filled in. */
export function resolveConvWindow(a: IntegerConvAttrs, rank: number): IntegerConvAttrs {
  const or = (v: number[], length: number, fill: number) => (v.length > 0 ? v : new Array<number>(length).fill(fill));
  return { ...a, strides: or(a.strides, rank, 1), pads: or(a.pads, 2 * rank, 0), dilations: or(a.dilations, rank, 1) };
}

/** numpy matmul of two shapes (1-D operands promoted, their added axis dropped). */
function matmulDims(a: Dim[], b: Dim[]): Dim[] {
  const aM = a.length === 1 ? [1, a[0]!] : a;
  const bM = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcastDims(aM.slice(0, -2), bM.slice(0, -2));
  return [...batch, ...(a.length === 1 ? [] : [aM[aM.length - 2]!]), ...(b.length === 1 ? [] : [bM[bM.length - 1]!])];
}

function convDims(a: IntegerConvAttrs, x: Dim[], w: Dim[] | undefined): Dim[] | undefined {
  if (!w) return undefined;
  const kernel = w.slice(2);
  if (!kernel.every(isNum)) return [x[0]!, w[0]!, ...kernel.map(() => UNKNOWN)];
  const win = resolveConvWindow(a, kernel.length);
  const spatial = x.slice(2).map((d, axis) => (isNum(d) ? planAxis3d(win, kernel, axis, d).out : UNKNOWN));
  return [x[0]!, w[0]!, ...spatial];
}

const matmulRule =
  (b: number): ShapeRule<'MatMulInteger' | 'QLinearMatMul'> =>
  (_node, x, inputs) => {
    const other = inputs.shape(b);
    return [other && x.length > 0 && other.length > 0 ? matmulDims(x, other) : undefined];
  };

export const QUANTIZE_SHAPES: ShapeRules<keyof QuantizeAttrs> = {
  DynamicQuantizeLinear: (_node, x) => [x, [], []],
  MatMulInteger: matmulRule(1),
  QLinearMatMul: matmulRule(3),
  ConvInteger: (node, x, inputs) => [convDims(node.attrs, x, inputs.shape(1))],
  QLinearConv: (node, x, inputs) => [convDims(node.attrs, x, inputs.shape(3))],
  ConvDynamicInt8: (node, x, inputs) => [convDims(node.attrs, x, inputs.shape(1))],
  MatMulDynamicInt8: (_node, x, inputs) => {
    const n = inputs.shape(1)?.[0];
    return [x.length > 0 && n !== undefined ? [...x.slice(0, -1), n] : undefined];
  },
};
