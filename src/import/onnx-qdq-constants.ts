// The quantized constants of an ONNX QDQ model (src/import/onnx-qdq.ts): a Q or DQ node's
// parameters, constants decoded on first use, and ONNX's QuantizeLinear of a float constant.

import { ModelFormatError, UnsupportedModelError } from '../errors.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import { roundHalfEven } from '../quant/qparams.ts';
import { OnnxAttrs } from './onnx-attrs.ts';
import type { NodeProto, TensorProto } from './onnx-proto.ts';
import { OnnxDataType as T } from './onnx-schema.ts';
import { decodeTensorProto } from './onnx-tensor.ts';

const TYPE_NAMES: Record<number, string> = { [T.UINT8]: 'uint8', [T.INT8]: 'int8', [T.UINT16]: 'uint16', [T.INT16]: 'int16', [T.INT32]: 'int32' };
export const typeName = (t: number) => TYPE_NAMES[t] ?? `ONNX data type ${t}`;

/** The parameters of one Q or DQ node: scale(s), zero point(s), integer type, axis (null per tensor). */
export interface QuantParams {
  scale: Float32Array;
  zeroPoint: Float64Array;
  dataType: number;
  axis: number | null;
}

export interface Constant {
  tensor: Tensor;
  dataType: number;
}

/** A DequantizeLinear of a constant: its integers (q − z) and scales, as the model gives them. */
export interface QuantizedConstant {
  ints: Int32Array;
  shape: number[];
  params: QuantParams;
  /** The integer initializer (or float constant for Q → DQ) and the DequantizeLinear node. */
  tensor: string;
  node: string;
}

/** A Q node's integer type when it has no zero point: output_dtype (opset 21) or uint8. */
export function outputType(q: NodeProto): number {
  return new OnnxAttrs(q).int('output_dtype', 0) || T.UINT8;
}

export function lazyConstant(t: TensorProto, where: string): Constant {
  let decoded: Tensor | undefined;
  return {
    get tensor() {
      return (decoded ??= decodeTensorProto(t, where));
    },
    dataType: t.dataType,
  };
}

export function constantNodeValue(n: NodeProto): Constant | undefined {
  const a = n.attribute.find((x) => x.name === 'value');
  if (a?.t) return lazyConstant(a.t, `attribute "value" of node "${n.name}"`);
  const attrs = new OnnxAttrs(n);
  if (attrs.has('value_float')) return { tensor: tensor('float32', [], [attrs.float('value_float', 0)]), dataType: T.FLOAT };
  if (attrs.has('value_floats')) return { tensor: tensor('float32', [attrs.floats('value_floats')!.length], attrs.floats('value_floats')!), dataType: T.FLOAT };
  return undefined;
}

export const sameParams = (a: QuantParams, b: QuantParams) =>
  a.dataType === b.dataType && a.axis === b.axis && a.scale.length === b.scale.length && a.scale.every((s, i) => s === b.scale[i] && a.zeroPoint[i] === b.zeroPoint[i]);

/** Calls f(i, a) for every element i of a tensor of `shape`, a its index along the quantization axis (0 per tensor). */
export function forEachAxisIndex(shape: number[], p: QuantParams, where: string, f: (i: number, a: number) => void): void {
  const count = shape.reduce((x, y) => x * y, 1);
  if (p.axis === null) {
    for (let i = 0; i < count; i++) f(i, 0);
    return;
  }
  const axis = p.axis < 0 ? p.axis + shape.length : p.axis;
  if (axis < 0 || axis >= shape.length || shape[axis] !== p.scale.length) {
    throw new ModelFormatError(`${where}: ${p.scale.length} scales on axis ${p.axis} of a tensor of shape [${shape}]`);
  }
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  for (let i = 0; i < count; i++) f(i, Math.floor(i / inner) % shape[axis]!);
}

/** ONNX QuantizeLinear of a float constant, as integers q − z: saturate(round_half_even(x / s) + z) − z. */
export function quantizeConstant(t: Tensor, p: QuantParams): Int32Array {
  const [lo, hi] = p.dataType === T.INT8 ? [-128, 127] : p.dataType === T.UINT8 ? [0, 255] : [NaN, NaN];
  if (Number.isNaN(lo)) throw new UnsupportedModelError(`quantizing a constant to ${typeName(p.dataType)} is not supported`);
  const ints = new Int32Array(t.data.length);
  forEachAxisIndex(t.shape, p, 'QuantizeLinear', (i, a) => {
    const z = p.zeroPoint[a]!;
    ints[i] = Math.min(hi, Math.max(lo, roundHalfEven(Math.fround(t.data[i]! / p.scale[a]!)) + z)) - z;
  });
  return ints;
}
