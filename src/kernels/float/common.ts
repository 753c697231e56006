// Shared by the fp32 kernel builders (src/kernels/float/): float32 tensors lie in GPU buffers
// plainly, 4 bytes per element in row-major order, with no packing; constants (weights, biases,
// the constant operand of an Add ...) become storage data uploaded once.

import type { Node } from '../../ir/graph.ts';
import { sizeOf, stridesOf, type Tensor } from '../../ir/tensor.ts';
import { f32Bits } from '../packed-shape.ts';
import type { StorageBinding } from '../spec.ts';

/** The largest finite float32: ±Infinity bounds become this (WGSL implementations may assume no infinities). */
export const F32_MAX = 3.4028234663852886e38;

/** A float bound as a uniform word: float32(x) bits, infinities saturated to ±F32_MAX. */
export function boundBits(x: number): number {
  return f32Bits(Math.max(-F32_MAX, Math.min(F32_MAX, x)));
}

/** A float uniform word: the bits of float32(x). */
export const floatBits = (x: number): number => f32Bits(Math.fround(x));

/** Bytes of a float32 tensor on the GPU (a rank-0 tensor holds one element). */
export const floatBytes = (shape: readonly number[]): number => sizeOf(shape) * 4;

/**
 * A constant as the f32 the GPU float path holds every tensor in: floats rounded to float32;
 * bools as 0 / 1 and integers as themselves, which f32 holds exactly below 2^24 (larger ones are
 * refused rather than rounded).
 */
export function asFloat32(t: Tensor, what: string): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    const big = t.data.find((v) => Math.abs(v) > 2 ** 24);
    if (big !== undefined) throw new RangeError(`${what} is ${t.dtype} with ${big}, which float32 does not hold exactly`);
  }
  return Float32Array.from(t.data);
}

/** A node input as a storage binding: the activation tensor, or the constant's data. */
export function operandBinding(node: Node, index: number, constants: ReadonlyMap<string, Tensor>): StorageBinding {
  const name = node.inputs[index] ?? '';
  if (name === '') throw new RangeError(`input ${index} is required`);
  const constant = constants.get(name);
  return constant ? { data: asFloat32(constant, `constant "${name}"`), label: `${node.name}/${name}` } : { tensor: name };
}

/** The value of an optional scalar constant input (e.g. Clip's min), `fallback` when omitted. */
export function scalarInput(node: Node, index: number, constants: ReadonlyMap<string, Tensor>, fallback: number): number {
  const name = node.inputs[index] ?? '';
  if (name === '') return fallback;
  const t = constants.get(name);
  if (!t) throw new RangeError(`input ${index} ("${name}") must be a constant on the GPU float path`);
  if (t.data.length !== 1) throw new RangeError(`input ${index} ("${name}") must be a scalar, got [${t.shape}]`);
  return t.data[0]!;
}

/** Element strides of `shape` broadcast to `outShape` (right-aligned; 0 along size-1 or missing axes). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const offset = outShape.length - shape.length;
  const strides = stridesOf(shape);
  return outShape.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : strides[j]!;
  });
}

/**
 * The same element walk over fewer axes: axes of size 1 dropped, and each axis merged into the
 * one outside it wherever every operand steps through the pair as through one axis (its outer
 * stride is its inner stride times the inner dim, broadcast axes included as 0 = 0 · d). A mask
 * [B, H, S, S] + [B, 1, 1, S] walks as [B, H·S, S]: the kernel's per-element coordinate division
 * runs over rank 3, not 4, and over rank 2 at B = 1. Shapes and strides outermost first.
 */
export function collapseAxes(shape: readonly number[], strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const kept = shape.flatMap((d, i) => (d === 1 ? [] : [i]));
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (const i of kept) {
    const last = outShape.length - 1;
    const merges = last >= 0 && strides.every((s, k) => outStrides[k]![last] === s[i]! * shape[i]!);
    if (merges) {
      outShape[last]! *= shape[i]!;
      strides.forEach((s, k) => (outStrides[k]![last] = s[i]!));
    } else {
      outShape.push(shape[i]!);
      strides.forEach((s, k) => outStrides[k]!.push(s[i]!));
    }
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Elements an invocation computes along an innermost row of `row` elements when it locates its
 * first element by a division per axis and the rest by one stride each: the first of 16, 4, 1
 * that divides the row (more amortise the divisions: SwiftShader runs a vector's u32 divisions
 * one lane at a time; a [1, 4, 128, 128] + [1, 1, 128, 128] mask add takes 1.4 ms at 16, 5.1 at 4
 * elements with a branch per element).
 */
export function rowElements(row: number): number {
  return [16, 4].find((n) => row % n === 0) ?? 1;
}

export const formatShape = (s: readonly number[]): string => `[${s.join(',')}]`;
