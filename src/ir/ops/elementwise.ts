// The elementwise op family: unary math, binary arithmetic, comparisons, logic, casts and selection (Where).
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { broadcastDims, type ShapeRule, type ShapeRules } from '../dims.ts';
import type { Dim } from '../graph.ts';
import { CPU_FLOAT, FLOAT_ONLY, LUT, type OpTraits } from '../op-kinds.ts';

type None = Record<string, never>;

/**
 * The element types a Cast can make. The IR holds some in a wider dtype (float16 in float32,
 * int16/uint16 in int32, uint32/uint64 in int64), so Cast keeps the ONNX type to round or wrap
 * the values to the ones that type can hold.
 */
export type CastType = 'float32' | 'float64' | 'float16' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

export interface ElementwiseAttrs {
  Abs: None;
  Neg: None;
  Exp: None;
  Log: None;
  Sqrt: None;
  Reciprocal: None;
  Floor: None;
  Ceil: None;
  /** Halves round to even. */
  Round: None;
  Sign: None;
  Erf: None;
  Tanh: None;
  Sin: None;
  Cos: None;
  Tan: None;
  Asin: None;
  Acos: None;
  Atan: None;
  Sinh: None;
  Cosh: None;
  Asinh: None;
  Acosh: None;
  Atanh: None;
  Softplus: None;
  Softsign: None;
  Mish: None;
  Elu: { alpha: number };
  Selu: { alpha: number; gamma: number };
  Celu: { alpha: number };
  ThresholdedRelu: { alpha: number };
  Gelu: { approximate: 'none' | 'tanh' };
  Shrink: { lambd: number; bias: number };
  IsNaN: None;
  IsInf: { detectNegative: boolean; detectPositive: boolean };
  Not: None;
  BitwiseNot: None;
  /** The output has the base's dtype; the exponent may be of another. */
  Pow: None;
  /** `fmod`: the result takes the dividend's sign (C fmod); otherwise the divisor's (Python %). */
  Mod: { fmod: boolean };
  /** The slope broadcasts to X's shape (unidirectionally). */
  PRelu: None;
  BitShift: { direction: 'left' | 'right' };
  BitwiseAnd: None;
  BitwiseOr: None;
  BitwiseXor: None;
  And: None;
  Or: None;
  Xor: None;
  Equal: None;
  Less: None;
  LessOrEqual: None;
  Greater: None;
  GreaterOrEqual: None;
  /** Variadic, numpy-broadcast. */
  Min: None;
  Max: None;
  Sum: None;
  Mean: None;
  /** Inputs: condition, X, Y, broadcast together. */
  Where: None;
  /** `to` null: input 1's dtype (ONNX CastLike), read at run time. */
  Cast: { to: CastType | null };
}

type Op = keyof ElementwiseAttrs;

// Truly elementwise on their one data input: they follow it into NHWC.
const UNARY = { nhwc: 'elementwise', ...FLOAT_ONLY, gpu: 'none' } as const;
// Float functions of one float tensor: on int8 data, a 256-entry table (Q20); on the fp32 GPU
// path, an entry of unary_f32's expression table.
const TABLE = { ...UNARY, ...LUT, gpu: 'unary' } as const;
// Increasing functions: the output still shows the input's values in order.
const MONOTONIC = { ...TABLE, showsInputs: 'first' } as const;
// Numpy-broadcast arithmetic: constant operands are re-laid out with the NHWC data.
const BROADCAST = { nhwc: 'broadcast', ...FLOAT_ONLY, gpu: 'none' } as const;
// ... and with a one-element constant, a function of the other operand: a table (Q20).
const BROADCAST_TABLE = { ...BROADCAST, ...LUT } as const;
// Comparisons and logic, NCHW: on the fp32 GPU path bools are f32 0 / 1 (binary_f32).
const GPU_COMPARE = { ...CPU_FLOAT, gpu: 'binary' } as const;

export const ELEMENTWISE_TRAITS = {
  Abs: TABLE,
  Neg: TABLE,
  Exp: MONOTONIC,
  Log: MONOTONIC,
  Sqrt: MONOTONIC,
  Reciprocal: TABLE,
  Floor: TABLE,
  Ceil: TABLE,
  Round: TABLE,
  Sign: TABLE,
  Erf: MONOTONIC,
  Tanh: MONOTONIC,
  Sin: TABLE,
  Cos: TABLE,
  Tan: TABLE,
  Asin: MONOTONIC,
  Acos: TABLE,
  Atan: MONOTONIC,
  Sinh: MONOTONIC,
  Cosh: TABLE,
  Asinh: MONOTONIC,
  Acosh: MONOTONIC,
  Atanh: MONOTONIC,
  Softplus: MONOTONIC,
  Softsign: MONOTONIC,
  Mish: TABLE,
  Elu: TABLE,
  Selu: TABLE,
  Celu: TABLE,
  ThresholdedRelu: TABLE,
  Gelu: TABLE,
  Shrink: TABLE,
  IsNaN: UNARY,
  IsInf: UNARY,
  Not: UNARY,
  BitwiseNot: UNARY,
  Pow: { ...BROADCAST_TABLE, gpu: 'binary' },
  Mod: { ...BROADCAST_TABLE, gpu: 'binary' },
  // A 1-D slope may be per channel (kernel: alignSlope), which a constant re-laid out for NHWC would not keep.
  PRelu: { ...CPU_FLOAT, gpu: 'binary' },
  BitShift: CPU_FLOAT,
  BitwiseAnd: CPU_FLOAT,
  BitwiseOr: CPU_FLOAT,
  BitwiseXor: CPU_FLOAT,
  And: GPU_COMPARE,
  Or: GPU_COMPARE,
  Xor: GPU_COMPARE,
  Equal: GPU_COMPARE,
  Less: GPU_COMPARE,
  LessOrEqual: GPU_COMPARE,
  Greater: GPU_COMPARE,
  GreaterOrEqual: GPU_COMPARE,
  Min: { ...BROADCAST_TABLE, gpu: 'binary' },
  Max: { ...BROADCAST_TABLE, gpu: 'binary' },
  Sum: { ...BROADCAST, gpu: 'binary' },
  Mean: { ...BROADCAST, gpu: 'binary' },
  Where: GPU_COMPARE,
  // Cast's input 1 (CastLike's) gives only a dtype, so it follows its data input like a unary op.
  // On the GPU (every tensor f32) a Cast to a float type is an alias, to float16 a rounding.
  Cast: { ...UNARY, gpu: 'unary' },
} as const satisfies Record<Op, OpTraits>;

/** Every input broadcast together (numpy rules); undefined when one input's shape is unknown. */
const broadcastAll: ShapeRule<Op> = (_node, x, inputs) => {
  let out: Dim[] = x;
  for (let i = 1; i < inputs.count; i++) {
    const s = inputs.shape(i);
    if (!s) return [undefined];
    out = broadcastDims(out, s);
  }
  return [out];
};

const BROADCASTING = [
  'Pow', 'Mod', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'And', 'Or', 'Xor',
  'Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Min', 'Max', 'Sum', 'Mean', 'Where',
] as const satisfies readonly Op[];

// The rest (unary ops, PRelu, Cast) keep input 0's shape.
export const ELEMENTWISE_SHAPES: ShapeRules<Op> = Object.fromEntries(BROADCASTING.map((op) => [op, broadcastAll]));
