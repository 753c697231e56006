// Labelled image sets as the engine consumes them: one float input tensor per sample.

import { InputError } from '../errors.ts';
import { f32, type Tensor } from '../ir/tensor.ts';
import type { IdxArray } from './idx.ts';

export interface ImageSet {
  count: number;
  /** [height, width, channels] of every image. */
  imageShape: [number, number, number];
  /** The image as float NCHW [1, C, H, W], preprocessed (x/255). */
  input(index: number): Tensor;
  labels?: Uint8Array;
}

/** An IDX image array [N, H, W] (grayscale) with optional IDX labels [N]. */
export function imageSetFromIdx(images: IdxArray, labels?: IdxArray): ImageSet {
  if (images.shape.length !== 3) throw new InputError(`IDX images must have shape [N, H, W], got [${images.shape}]`);
  const [count, h, w] = images.shape as [number, number, number];
  if (labels && labels.shape[0] !== count) {
    throw new InputError(`${count} images but ${labels.shape[0]} labels`);
  }
  const size = h * w;
  return {
    count,
    imageShape: [h, w, 1],
    input: (i) => f32([1, 1, h, w], Float32Array.from(images.data.subarray(i * size, (i + 1) * size), (v) => v / 255)),
    ...(labels ? { labels: labels.data } : {}),
  };
}

export function argmax(values: ArrayLike<number>, offset = 0, length = values.length): number {
  let best = offset;
  for (let i = offset + 1; i < offset + length; i++) if (values[i]! > values[best]!) best = i;
  return best - offset;
}
