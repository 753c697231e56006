// The text detector's pictures: its input back to pixels (undoing PaddleOCR's normalization) and
// its text map over it, the pixels above DB's threshold (0.3) tinted in the program's colour.

import type { Tensor } from '../src/index.ts';
import { MEAN, STD, TEXT_THRESHOLD } from '../src/models/text-map.ts';

/** The [1, 3, H, W] input as RGBA pixels. */
export function textInputPixels(tensor: Tensor, into: ImageData): void {
  const [, , height, width] = tensor.shape as [number, number, number, number];
  const plane = height * width;
  const x = tensor.data;
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) into.data[i * 4 + c] = Math.round((x[c * plane + i]! * STD[c]! + MEAN[c]!) * 255);
    into.data[i * 4 + 3] = 255;
  }
}

/** How many values of a map are above the threshold. */
export function textPixels(map: ArrayLike<number>, threshold = TEXT_THRESHOLD): number {
  let n = 0;
  for (let i = 0; i < map.length; i++) n += Number(map[i]! > threshold);
  return n;
}

/** The input, dimmed, with the map's text pixels in `color` ([r, g, b]) over it. */
export function drawTextMap(canvas: HTMLCanvasElement, input: Tensor, map: ArrayLike<number>, color: readonly [number, number, number]): void {
  const [, , height, width] = input.shape as [number, number, number, number];
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  textInputPixels(input, img);
  for (let i = 0; i < width * height; i++) {
    const on = map[i]! > TEXT_THRESHOLD;
    for (let c = 0; c < 3; c++) {
      const v = img.data[i * 4 + c]!;
      img.data[i * 4 + c] = on ? Math.round(0.35 * v + 0.65 * color[c]!) : Math.round(0.6 * v + 0.4 * 255);
    }
  }
  ctx.putImageData(img, 0, 0);
}
