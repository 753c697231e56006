// Cast: a tensor's values as another element type, as ONNX (numpy's astype) converts them.

import type { CastType } from '../../ir/ops/elementwise.ts';
import { allocData, type DType, type Tensor } from '../../ir/tensor.ts';

/** The IR dtype that holds each ONNX type (see ir/tensor.ts: narrow types ride in wider arrays). */
export const CAST_DTYPE: Record<CastType, DType> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float32',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int32',
  uint16: 'int32',
  int32: 'int32',
  uint32: 'int64',
  int64: 'int64',
  uint64: 'int64',
  bool: 'bool',
};

const truncate = (v: number): number => (Number.isFinite(v) ? Math.trunc(v) : 0);

// Each target's value from a number; the typed arrays of int8, uint8, int32 wrap on their own.
const CONVERT: Record<CastType, (v: number) => number> = {
  float32: (v) => v,
  float64: (v) => v,
  float16: roundToHalf,
  int8: truncate,
  uint8: truncate,
  int16: (v) => (truncate(v) << 16) >> 16,
  uint16: (v) => truncate(v) & 0xffff,
  int32: truncate,
  uint32: (v) => truncate(v) >>> 0,
  int64: truncate,
  uint64: (v) => (v < 0 ? 2 ** 64 + truncate(v) : truncate(v)),
  bool: (v) => (v !== 0 ? 1 : 0),
};

/** Every IR dtype names a CastType too: CastLike passes its target tensor's dtype. */
export function cast(x: Tensor, to: CastType): Tensor {
  const dtype = CAST_DTYPE[to];
  const f = CONVERT[to];
  const data = allocData(dtype, x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = f(x.data[i]!);
  return { dtype, shape: [...x.shape], data };
}

/**
 * The float16 nearest to v (ties to even), as a number: IEEE half has 11 significant bits and
 * exponents from -14 (subnormals below, in steps of 2^-24); past 65504 + half a step it is ∞.
 */
export function roundToHalf(v: number): number {
  if (!Number.isFinite(v) || v === 0) return v;
  const a = Math.abs(v);
  if (a >= 65520) return v > 0 ? Infinity : -Infinity;
  let exponent = Math.floor(Math.log2(a));
  // log2 may be off by one ulp next to a power of two.
  if (2 ** exponent > a) exponent--;
  else if (2 ** (exponent + 1) <= a) exponent++;
  exponent = Math.max(exponent, -14);
  const step = 2 ** (exponent - 10);
  const q = a / step;
  let n = Math.round(q);
  if (n - q === 0.5 && n % 2 === 1) n -= 1;
  return Math.sign(v) * n * step;
}
