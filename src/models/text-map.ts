// PP-OCRv4 det (a DB text detector) as this project feeds and reads it: crops of a photo at a
// fixed size (multiples of 32, as its strides need), normalized with ImageNet's mean and standard
// deviation as PaddleOCR does; its output is a text-probability map, compared between engines as
// the IoU of the maps thresholded at DB's 0.3.

import type { Pixels } from '../data/image.ts';
import { InputError } from '../errors.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';

/** The input size the tests and the bench run the detector at. */
export const TEXT_MAP_SIZE = { height: 160, width: 448 } as const;
/** DB's binarization threshold of the probability map. */
export const TEXT_THRESHOLD = 0.3;

export const MEAN = [0.485, 0.456, 0.406];
export const STD = [0.229, 0.224, 0.225];

/** The [1, 3, H, W] input of the crop of `image` at (left, top). */
export function textDetectorInput(image: Pixels, left: number, top: number, size: { height: number; width: number } = TEXT_MAP_SIZE): Tensor {
  const { height: h, width: w } = size;
  if (left < 0 || top < 0 || left + w > image.width || top + h > image.height) {
    throw new InputError(`a ${w}×${h} crop at (${left}, ${top}) does not fit in a ${image.width}×${image.height} image`);
  }
  const x = new Float32Array(3 * h * w);
  for (let c = 0; c < 3; c++) {
    const channel = image.channels < 3 ? 0 : c; // gray (with or without alpha) feeds all three
    for (let y = 0; y < h; y++) {
      for (let i = 0; i < w; i++) x[(c * h + y) * w + i] = (image.data[((y + top) * image.width + i + left) * image.channels + channel]! / 255 - MEAN[c]!) / STD[c]!;
    }
  }
  return tensor('float32', [1, 3, h, w], x);
}

/** IoU of two probability maps thresholded at `threshold`, and how many pixels either marks. */
export function textMapIoU(a: ArrayLike<number>, b: ArrayLike<number>, threshold = TEXT_THRESHOLD): { iou: number; pixels: number } {
  if (a.length !== b.length) throw new InputError(`text maps of ${a.length} and ${b.length} values`);
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    const p = a[i]! > threshold;
    const q = b[i]! > threshold;
    both += Number(p && q);
    either += Number(p || q);
  }
  return { iou: either === 0 ? 1 : both / either, pixels: either };
}
