// How a tensor of a given logical shape lies in a GPU buffer, for the builders of the
// elementwise, concat, pool and layout kernels: an int8 tensor [..., C] as rows of ceil(C/4)
// packed u32 words (a rank-0 int8 tensor as one row of one channel); a float32 tensor as plain f32.

import { sizeOf } from '../ir/tensor.ts';
import { wordsFor } from './pack.ts';

/** The packed (last) dimension; 1 for a scalar. */
export const channelsOf = (shape: readonly number[]): number => (shape.length === 0 ? 1 : shape[shape.length - 1]!);

/** The number of packed rows: the product of all dimensions but the last. */
export const rowsOf = (shape: readonly number[]): number => sizeOf(shape.slice(0, -1));

/** Bytes of an int8 tensor as packed words. */
export const int8Bytes = (shape: readonly number[]): number => rowsOf(shape) * wordsFor(channelsOf(shape)) * 4;

/** Bytes of a float32 tensor. */
export const float32Bytes = (shape: readonly number[]): number => sizeOf(shape) * 4;

/** The bit pattern of float32(x), as an int32 uniform word (uniformWords truncates to int32). */
export function f32Bits(x: number): number {
  return new Int32Array(new Float32Array([x]).buffer)[0]!;
}

/** Up to 8 values, innermost (last) first, padded with `fill`: a WGSL `array<vec4<u32>, 2>`. */
export const MAX_RANK = 8;
export function innermostFirst(values: readonly number[], fill: number, what: string): number[] {
  if (values.length > MAX_RANK) throw new RangeError(`${what}: rank ${values.length} is above the kernels' ${MAX_RANK}`);
  const out = [...values].reverse();
  while (out.length < MAX_RANK) out.push(fill);
  return out;
}
