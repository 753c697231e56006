// ONNX converters of the elementwise op family (ir/ops/elementwise.ts).

import type { CastType, ElementwiseAttrs } from '../ir/ops/elementwise.ts';
import { legacyBinary, node, noAttrs, simple, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';

type Op = keyof ElementwiseAttrs;

// Opset 1's `consumed_inputs` attribute (of Abs, Neg, Exp, ...) was a memory hint with no effect on the values.
const UNARY = [
  'Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Erf', 'Tanh',
  'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh',
  'Softplus', 'Softsign', 'Mish', 'IsNaN', 'Not', 'BitwiseNot', 'PRelu', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor',
  // Before opset 8 the inputs had to have one shape; numpy broadcasting covers that use.
  'Min', 'Max', 'Sum', 'Mean', 'Where',
] as const satisfies readonly Op[];

// Before opset 7 these took `broadcast` / `axis` attributes instead of numpy broadcasting.
const LEGACY_BINARY = ['Pow', 'And', 'Or', 'Xor', 'Equal', 'Less', 'Greater'] as const satisfies readonly Op[];

const legacyBinaryOp = (op: (typeof LEGACY_BINARY)[number]): Converter => (c) => legacyBinary(c, op);

/** TensorProto.DataType → the element type Cast makes; the others (string, bfloat16, float8, 4-bit, complex) are refused. */
const ONNX_TYPES: Record<number, CastType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

/** Cast-1's `to` was the type's name. */
const TYPE_NAMES: Record<string, CastType> = {
  FLOAT: 'float32', UINT8: 'uint8', INT8: 'int8', UINT16: 'uint16', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  BOOL: 'bool', FLOAT16: 'float16', DOUBLE: 'float64', UINT32: 'uint32', UINT64: 'uint64',
};

function castTarget(c: ConvertContext): CastType {
  if (c.opset < 6) {
    const name = c.attrs.string('to', '');
    const to = TYPE_NAMES[name];
    if (!to) throw new UnsupportedUse(`a cast to "${name}"`);
    return to;
  }
  if (!c.attrs.has('to')) throw new UnsupportedUse('no "to" attribute');
  const code = c.attrs.int('to', 0);
  const to = ONNX_TYPES[code];
  if (!to) throw new UnsupportedUse(`a cast to ONNX data type ${code}`);
  return to;
}

function gelu(c: ConvertContext): 'none' | 'tanh' {
  const v = c.attrs.string('approximate', 'none');
  if (v !== 'none' && v !== 'tanh') throw new UnsupportedUse(`approximate "${v}"`);
  return v;
}

function bitShiftDirection(c: ConvertContext): 'left' | 'right' {
  const v = c.attrs.string('direction', '');
  if (v !== 'LEFT' && v !== 'RIGHT') throw new UnsupportedUse(`direction "${v}"`);
  return v === 'LEFT' ? 'left' : 'right';
}

export const elementwiseConverters: Record<string, Converter> = {
  ...Object.fromEntries(UNARY.map((op) => [op, simple(op)])),
  ...Object.fromEntries(LEGACY_BINARY.map((op) => [op, legacyBinaryOp(op)])),
  LessOrEqual: simple('LessOrEqual'),
  GreaterOrEqual: simple('GreaterOrEqual'),
  Elu: (c) => node(c, 'Elu', { alpha: c.attrs.float('alpha', 1) }),
  Selu: (c) => {
    // Opset 6 gave the defaults to float32 precision; opset 1 had them to 4 places.
    const [alpha, gamma] = c.opset < 6 ? [1.6732, 1.0507] : [1.67326319217681884765625, 1.05070102214813232421875];
    return node(c, 'Selu', { alpha: c.attrs.float('alpha', alpha), gamma: c.attrs.float('gamma', gamma) });
  },
  Celu: (c) => node(c, 'Celu', { alpha: c.attrs.float('alpha', 1) }),
  ThresholdedRelu: (c) => node(c, 'ThresholdedRelu', { alpha: c.attrs.float('alpha', 1) }),
  Gelu: (c) => node(c, 'Gelu', { approximate: gelu(c) }),
  Shrink: (c) => node(c, 'Shrink', { lambd: c.attrs.float('lambd', 0.5), bias: c.attrs.float('bias', 0) }),
  IsInf: (c) => node(c, 'IsInf', { detectNegative: c.attrs.int('detect_negative', 1) === 1, detectPositive: c.attrs.int('detect_positive', 1) === 1 }),
  Mod: (c) => node(c, 'Mod', { fmod: c.attrs.int('fmod', 0) === 1 }),
  BitShift: (c) => node(c, 'BitShift', { direction: bitShiftDirection(c) }),
  Cast: (c) => node(c, 'Cast', { to: castTarget(c) }),
  // A like input of declared type (a graph input or constant) fixes the target at import: that is
  // how a float16 target is seen, float16 values being held as float32. Otherwise input 1's
  // dtype decides at run time.
  CastLike: (c) => {
    const declared = c.inputType(1);
    const to = declared === undefined ? undefined : ONNX_TYPES[declared];
    return to ? node(c, 'Cast', { to }, [c.proto.input[0]!]) : node(c, 'Cast', { to: null });
  },
};
