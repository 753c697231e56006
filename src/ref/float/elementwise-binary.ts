// Broadcasting elementwise ops of two or more inputs whose output dtype is not always the inputs'
// (comparisons give bool, Pow the base's), and the integer rules of Mod and BitShift.

import { allocData, isFloat, sizeOf, type DType, type Tensor } from '../../ir/tensor.ts';
import { broadcastOffsets, broadcastShapes } from './broadcast.ts';

type Fn2 = (a: number, b: number) => number;

/** f over a and b broadcast together (numpy rules), into a tensor of `dtype`. */
export function zip(a: Tensor, b: Tensor, dtype: DType, f: Fn2): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const n = sizeOf(shape);
  const data = allocData(dtype, n);
  const ad = a.data;
  const bd = b.data;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) data[i] = f(ad[i]!, bd[i]!);
  } else {
    const ao = broadcastOffsets(a.shape, shape);
    const bo = broadcastOffsets(b.shape, shape);
    for (let i = 0; i < n; i++) data[i] = f(ad[ao[i]!]!, bd[bo[i]!]!);
  }
  return { dtype, shape, data };
}

function sameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) throw new TypeError(`${op}: dtypes ${a.dtype} and ${b.dtype} differ`);
}

/** An op whose inputs and output share one dtype. */
export function sameTyped(op: string, f: Fn2) {
  return (a: Tensor, b: Tensor): Tensor => {
    sameDType(op, a, b);
    return zip(a, b, a.dtype, f);
  };
}

/** A comparison or logic op: inputs of one dtype, a bool output. */
export function predicate(op: string, f: (a: number, b: number) => boolean) {
  return (a: Tensor, b: Tensor): Tensor => {
    sameDType(op, a, b);
    return zip(a, b, 'bool', (x, y) => (f(x, y) ? 1 : 0));
  };
}

/** Min, Max, Sum: the inputs folded left to right, all broadcast together. */
export function fold(op: string, inputs: Tensor[], f: Fn2): Tensor {
  const [first, ...rest] = inputs;
  if (!first) throw new RangeError(`${op} needs at least one input`);
  return rest.reduce(sameTyped(op, f), first);
}

export function mean(inputs: Tensor[]): Tensor {
  const sum = fold('Mean', inputs, (a, b) => a + b);
  const data = allocData(sum.dtype, sum.data.length);
  for (let i = 0; i < data.length; i++) data[i] = sum.data[i]! / inputs.length;
  return { ...sum, data };
}

// Any NaN operand makes a NaN, as numpy's maximum and minimum do.
export const max: Fn2 = (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b);
export const min: Fn2 = (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b);

/** The output has the base's dtype: an integer base gets the integer part of the power. */
export function pow(base: Tensor, exponent: Tensor): Tensor {
  const f: Fn2 = isFloat(base.dtype) ? Math.pow : (a, b) => Math.trunc(a ** b);
  return zip(base, exponent, base.dtype, f);
}

/**
 * fmod: the remainder of truncated division (C fmod, the dividend's sign). Otherwise that of
 * floored division (Python %, the divisor's sign). An integer division by zero gives 0.
 */
export function mod(a: Tensor, b: Tensor, fmod: boolean): Tensor {
  sameDType('Mod', a, b);
  const int = !isFloat(a.dtype);
  return zip(a, b, a.dtype, (x, y) => {
    if (int && y === 0) return 0;
    const r = x % y;
    return fmod || r === 0 || (r < 0) === (y < 0) ? r : r + y;
  });
}

/**
 * BitShift on unsigned integers. A left shift wraps at the width of the IR dtype's array (8 bits
 * for uint8); uint16 is held in int32 and uint32/uint64 in int64, so a left shift that overflows
 * those narrower ONNX types is not wrapped at their width.
 */
export function bitShift(x: Tensor, y: Tensor, direction: 'left' | 'right'): Tensor {
  sameDType('BitShift', x, y);
  return zip(x, y, x.dtype, direction === 'left' ? (a, b) => a * 2 ** b : (a, b) => Math.floor(a / 2 ** b));
}

/** Bitwise ops in two's complement; int64 through BigInt, the narrower dtypes in 32 bits (their arrays wrap). */
export function bitwise(op: string, f: (a: bigint, b: bigint) => bigint) {
  return (a: Tensor, b: Tensor): Tensor => {
    sameDType(op, a, b);
    return zip(a, b, a.dtype, (x, y) => Number(BigInt.asIntN(64, f(BigInt(x), BigInt(y)))));
  };
}

/** PRelu: the slope broadcasts to X's shape; the output is X's shape. */
export function prelu(x: Tensor, slope: Tensor): Tensor {
  const s = alignSlope(x.shape, slope);
  const shape = broadcastShapes(x.shape, s.shape);
  if (shape.join() !== x.shape.join()) throw new RangeError(`PRelu: slope [${slope.shape}] does not broadcast to X [${x.shape}]`);
  return zip(x, s, x.dtype, (v, k) => (v < 0 ? k * v : v));
}

/**
 * A 1-D slope that does not broadcast numpy's way but matches exactly one of X's dims is that
 * axis's (the per-channel slope of opset < 7 models), as ONNX's reference implementation takes it.
 */
function alignSlope(xShape: number[], slope: Tensor): Tensor {
  if (slope.shape.length !== 1) return slope;
  const d = slope.shape[0]!;
  const last = xShape[xShape.length - 1];
  if (d === 1 || d === last) return slope;
  const axes = xShape.flatMap((n, i) => (n === d ? [i] : []));
  if (axes.length !== 1) return slope;
  return { ...slope, shape: xShape.map((n, i) => (i === axes[0] ? n : 1)) };
}

/** Where(condition, X, Y): X's element where the condition holds, else Y's; all three broadcast. */
export function where(condition: Tensor, x: Tensor, y: Tensor): Tensor {
  sameDType('Where', x, y);
  const shape = broadcastShapes(broadcastShapes(condition.shape, x.shape), y.shape);
  const n = sizeOf(shape);
  const co = broadcastOffsets(condition.shape, shape);
  const xo = broadcastOffsets(x.shape, shape);
  const yo = broadcastOffsets(y.shape, shape);
  const data = allocData(x.dtype, n);
  for (let i = 0; i < n; i++) data[i] = condition.data[co[i]!] ? x.data[xo[i]!]! : y.data[yo[i]!]!;
  return { dtype: x.dtype, shape, data };
}
