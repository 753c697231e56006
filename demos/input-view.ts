// The input card's two canvases: the image as chosen, and what the model is fed.

import type { Tensor } from '../src/index.ts';
import { byId } from './dom.ts';
import type { InputImage } from './inputs.ts';
import type { DemoModel } from './models.ts';
import { fitCanvas } from './results.ts';
import { state } from './state.ts';
import { textInputPixels } from './text-view.ts';

export function drawPreview(input: InputImage): void {
  fitCanvas(byId<HTMLCanvasElement>('preview'), input);
}

/** What the model is fed, back to pixels (undoing its normalization). */
export function drawModelView(def: DemoModel, tensor: Tensor, note?: string): void {
  const { height, width, channels } = def.size;
  const canvas = byId<HTMLCanvasElement>('model-view');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  if (def.kind === 'text-detector') textInputPixels(tensor, img);
  else unnormalize(def, tensor, img);
  ctx.putImageData(img, 0, 0);
  byId('model-view-caption').textContent = `model input ${width}×${height}${channels === 1 ? ' gray' : ''}`;
  const truth = state.input?.truth ? `True class: ${state.input.truth}. ` : '';
  byId('input-note').textContent = `${truth}${note ? `Note: ${note}.` : ''}`;
}

/** An NHWC input (the bundled CNN, the TF.js models) back to RGBA pixels. */
function unnormalize(def: DemoModel, tensor: Tensor, img: ImageData): void {
  const { height, width, channels } = def.size;
  const pre = def.catalog?.preprocess ?? { scale: 1 / 255, mean: [0], std: [1] };
  const data = tensor.data as Float32Array;
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) {
      const c = channels === 1 ? 0 : k;
      const mean = pre.mean.length === 1 ? pre.mean[0]! : pre.mean[c]!;
      const std = pre.std.length === 1 ? pre.std[0]! : pre.std[c]!;
      img.data[i * 4 + k] = ((data[i * channels + c]! * std + mean) / pre.scale) | 0;
    }
    img.data[i * 4 + 3] = 255;
  }
}
