// Tensors as plain data: a dtype, a shape and a flat row-major typed array.

import { LimitError, ModelFormatError } from '../errors.ts';

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'int8' | 'uint8' | 'bool';

/**
 * int64 values are held in a Float64Array: every int64 a model uses as a shape, axis or index
 * is far below 2^53, and plain numbers keep the kernels free of BigInt arithmetic.
 */
export type TensorData = Float32Array | Float64Array | Int32Array | Int8Array | Uint8Array;

export interface Tensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

const arrayTypes = {
  float32: Float32Array,
  float64: Float64Array,
  int64: Float64Array,
  int32: Int32Array,
  int8: Int8Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** No tensor of a model this engine runs comes near this (4 GiB of float32): a bigger one is a corrupt or hostile shape. */
export const MAX_TENSOR_ELEMENTS = 2 ** 30;

/** `length`, once checked to be an element count this engine allocates: every sized array the references make goes through here. */
export function checkedLength(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new ModelFormatError(`a tensor of ${length} elements: its shape is not a list of non-negative integers`);
  if (length > MAX_TENSOR_ELEMENTS) throw new LimitError(`a tensor of ${length} elements is more than this engine allocates (2^30)`);
  return length;
}

export function allocData(dtype: DType, length: number): TensorData {
  return new arrayTypes[dtype](checkedLength(length));
}

export function tensor(dtype: DType, shape: number[], data?: ArrayLike<number>): Tensor {
  const n = sizeOf(shape);
  const out = allocData(dtype, n);
  if (data) {
    if (data.length !== n) {
      throw new RangeError(`tensor of shape [${shape}] needs ${n} values, got ${data.length}`);
    }
    out.set(data);
  }
  return { dtype, shape: [...shape], data: out };
}

export const f32 = (shape: number[], data?: ArrayLike<number>): Tensor => tensor('float32', shape, data);
export const i64 = (shape: number[], data?: ArrayLike<number>): Tensor => tensor('int64', shape, data);

export function scalarValues(t: Tensor): number[] {
  return Array.from(t.data);
}

/** The value of a one-element float tensor; undefined for any other (or none). */
export const floatScalar = (t: Tensor | undefined): number | undefined => (t && t.data.length === 1 && isFloat(t.dtype) ? t.data[0] : undefined);

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}
