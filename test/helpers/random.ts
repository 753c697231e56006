// Seeded random tensors for tests.
import { f32, sizeOf, type Tensor } from '../../src/ir/tensor.ts';
import { rng } from './int8-ref.ts';

/** Uniform in [0, 1), seeded. */
export function uniform(seed: number): () => number {
  const next = rng(seed);
  return () => next() / 2 ** 32;
}

export function randomTensor(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const next = uniform(seed);
  return f32(shape, Array.from({ length: sizeOf(shape) }, () => lo + (hi - lo) * next()));
}

/** Max |a − b| relative to max |b| (the passes' numeric-equivalence measure). */
export function relativeMaxDiff(a: { data: ArrayLike<number> }, b: { data: ArrayLike<number> }): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.data.length; i++) {
    diff = Math.max(diff, Math.abs(a.data[i]! - b.data[i]!));
    scale = Math.max(scale, Math.abs(b.data[i]!));
  }
  return diff / (scale || 1);
}
