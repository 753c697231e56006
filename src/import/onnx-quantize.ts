// ONNX converters of the quantize op family (ir/ops/quantize.ts).

import type { AutoPad } from '../ir/graph.ts';
import type { IntegerConvAttrs } from '../ir/ops/quantize.ts';
import { node, simple, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';

// TensorProto.DataType codes.
const UINT8 = 2;
const INT8 = 3;
const TYPE_NAMES: Record<number, string> = {
  1: 'float32', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4',
};
const typeName = (t: number) => TYPE_NAMES[t] ?? `type ${t}`;

function intTypeOf(code: number): 'int8' | 'uint8' {
  if (code === UINT8) return 'uint8';
  if (code === INT8) return 'int8';
  throw new UnsupportedUse(`${typeName(code)} quantized values (only int8 and uint8)`);
}

/**
 * QuantizeLinear's integer type: the zero point's, else output_dtype's (opset 21), else uint8.
 * Only int8 and uint8 are taken; the others (16-bit, 4-bit, float8) are refused by name.
 */
function quantizedType(c: ConvertContext): 'int8' | 'uint8' {
  if (c.proto.input[2]) {
    const declared = c.inputType(2);
    if (declared !== undefined) return intTypeOf(declared);
    const constant = c.constantInput(2)?.dtype;
    if (constant === 'int8' || constant === 'uint8') return constant;
    // A zero point of unknown type: the kernel takes the type of the tensor it is given.
    if (constant) throw new UnsupportedUse(`a ${constant} zero point (only int8 and uint8)`);
  }
  const declared = c.attrs.int('output_dtype', 0);
  return declared ? intTypeOf(declared) : 'uint8';
}

function quantAxis(c: ConvertContext) {
  return { axis: c.attrs.int('axis', 1), blockSize: c.attrs.int('block_size', 0) };
}

function quantizeLinear(c: ConvertContext) {
  return node(c, 'QuantizeLinear', { ...quantAxis(c), dtype: quantizedType(c) });
}

/** int16/uint16 data decode to int32, which dequantizes by the same formula; 4-bit and float8 data are refused. */
function dequantizeLinear(c: ConvertContext) {
  const type = c.inputType(0);
  if (type !== undefined && type >= 17) throw new UnsupportedUse(`dequantizing ${typeName(type)} values`);
  return node(c, 'DequantizeLinear', quantAxis(c));
}

function autoPad(c: ConvertContext): AutoPad {
  const v = c.attrs.string('auto_pad', 'NOTSET');
  if (v === 'NOTSET' || v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  throw new UnsupportedUse(`auto_pad "${v}"`);
}

/** The window lists as given; omitted ones stay empty and take their defaults from the weights' rank. */
const integerConv =
  (op: 'ConvInteger' | 'QLinearConv'): Converter =>
  (c) => {
    const attrs: IntegerConvAttrs = {
      strides: c.attrs.ints('strides') ?? [],
      pads: c.attrs.ints('pads') ?? [],
      autoPad: autoPad(c),
      dilations: c.attrs.ints('dilations') ?? [],
      group: c.attrs.int('group', 1),
    };
    return node(c, op, attrs);
  };

export const quantizeConverters: Record<string, Converter> = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: simple('DynamicQuantizeLinear'),
  MatMulInteger: simple('MatMulInteger'),
  QLinearMatMul: simple('QLinearMatMul'),
  ConvInteger: integerConv('ConvInteger'),
  QLinearConv: integerConv('QLinearConv'),
};
