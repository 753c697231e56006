// Float reference kernels of the elementwise op family (ir/ops/elementwise.ts).

import type { ElementwiseAttrs } from '../../ir/ops/elementwise.ts';
import type { Tensor } from '../../ir/tensor.ts';
import { cast } from './cast.ts';
import { bitShift, bitwise, fold, max, mean, min, mod, pow, predicate, prelu, sameTyped, where } from './elementwise-binary.ts';
import { celu, elu, erf, gelu, isInf, mish, roundHalfEven, selu, shrink, softplus, softsign, thresholdedRelu } from './elementwise-math.ts';
import { mapUnary } from './elementwise.ts';
import { need, type Inputs, type Kernels } from './kernel.ts';

const unary = (f: (v: number) => number) => (i: Inputs): Tensor[] => [mapUnary(need(i, 0), f)];

/** A unary op whose output is bool whatever its input's dtype. */
const test = (f: (v: number) => boolean) => (i: Inputs): Tensor[] => {
  const x = need(i, 0);
  return [{ dtype: 'bool', shape: [...x.shape], data: Uint8Array.from(x.data, (v) => (f(v) ? 1 : 0)) }];
};

const binary = (f: (a: Tensor, b: Tensor) => Tensor) => (i: Inputs): Tensor[] => [f(need(i, 0), need(i, 1))];

const present = (i: Inputs): Tensor[] => i.filter((t): t is Tensor => t !== undefined);

export const elementwiseKernels: Kernels<keyof ElementwiseAttrs> = {
  Abs: unary(Math.abs),
  Neg: unary((v) => -v),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sqrt: unary(Math.sqrt),
  Reciprocal: unary((v) => 1 / v),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Round: unary(roundHalfEven),
  Sign: unary(Math.sign),
  Erf: unary(erf),
  Tanh: unary(Math.tanh),
  Sin: unary(Math.sin),
  Cos: unary(Math.cos),
  Tan: unary(Math.tan),
  Asin: unary(Math.asin),
  Acos: unary(Math.acos),
  Atan: unary(Math.atan),
  Sinh: unary(Math.sinh),
  Cosh: unary(Math.cosh),
  Asinh: unary(Math.asinh),
  Acosh: unary(Math.acosh),
  Atanh: unary(Math.atanh),
  Softplus: unary(softplus),
  Softsign: unary(softsign),
  Mish: unary(mish),
  Elu: (i, a) => [mapUnary(need(i, 0), elu(a.alpha))],
  Selu: (i, a) => [mapUnary(need(i, 0), selu(a.alpha, a.gamma))],
  Celu: (i, a) => [mapUnary(need(i, 0), celu(a.alpha))],
  ThresholdedRelu: (i, a) => [mapUnary(need(i, 0), thresholdedRelu(a.alpha))],
  Gelu: (i, a) => [mapUnary(need(i, 0), gelu(a.approximate))],
  Shrink: (i, a) => [mapUnary(need(i, 0), shrink(a.lambd, a.bias))],
  IsNaN: test(Number.isNaN),
  IsInf: (i, a) => test(isInf(a.detectNegative, a.detectPositive))(i),
  Not: unary((v) => (v ? 0 : 1)),
  // Two's complement: ~v is -v - 1 at every width, and the narrow arrays wrap it.
  BitwiseNot: unary((v) => -v - 1),
  Pow: binary(pow),
  Mod: (i, a) => [mod(need(i, 0), need(i, 1), a.fmod)],
  PRelu: binary(prelu),
  BitShift: (i, a) => [bitShift(need(i, 0), need(i, 1), a.direction)],
  BitwiseAnd: binary(bitwise('BitwiseAnd', (a, b) => a & b)),
  BitwiseOr: binary(bitwise('BitwiseOr', (a, b) => a | b)),
  BitwiseXor: binary(bitwise('BitwiseXor', (a, b) => a ^ b)),
  And: binary(predicate('And', (a, b) => a !== 0 && b !== 0)),
  Or: binary(predicate('Or', (a, b) => a !== 0 || b !== 0)),
  Xor: binary(predicate('Xor', (a, b) => (a !== 0) !== (b !== 0))),
  Equal: binary(predicate('Equal', (a, b) => a === b)),
  Less: binary(predicate('Less', (a, b) => a < b)),
  LessOrEqual: binary(predicate('LessOrEqual', (a, b) => a <= b)),
  Greater: binary(predicate('Greater', (a, b) => a > b)),
  GreaterOrEqual: binary(predicate('GreaterOrEqual', (a, b) => a >= b)),
  Min: (i) => [fold('Min', present(i), min)],
  Max: (i) => [fold('Max', present(i), max)],
  Sum: (i) => [fold('Sum', present(i), (a, b) => a + b)],
  Mean: (i) => [mean(present(i))],
  Where: (i) => [where(need(i, 0), need(i, 1), need(i, 2))],
  Cast: (i, a) => [cast(need(i, 0), a.to ?? need(i, 1).dtype)],
};
