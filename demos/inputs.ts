// Input images: gallery photos, Fashion-MNIST test images, the user's own files and webcam frames.
// Each knows how to draw itself and how to become a model's input tensor. PNG and JPEG files go
// through the library's decoders and preprocessing, exactly as the CLI reads them, so the page and
// `webgpu-int8 run` compute the same thing for the same file; other formats (WebP, GIF, ...) and
// webcam frames are decoded by the browser.

import { InputError, convertChannels, decodeImage, resizeBilinear, type ImageSet, type Pixels, type Tensor } from '../src/index.ts';
import { textDetectorInput } from '../src/models/text-map.ts';
import { tensorFromEncoded, tensorFromPixels, textCropName, type DemoModel, type TextCrop } from './models.ts';

export interface InputImage {
  /** Unique per source: 'photos/x.png', 'fashion/3', 'file/x.png', 'webcam/12'. */
  id: string;
  name: string;
  caption?: string;
  /** What the image is, when known (Fashion-MNIST test labels). */
  truth?: string;
  width: number;
  height: number;
  /** Drawable at any size (an ImageBitmap or a canvas). */
  source: CanvasImageSource;
  /** The model input, and a note on anything done beyond the model's own preprocessing. */
  tensor(model: DemoModel): { tensor: Tensor; note?: string };
}

const isEncodedByLibrary = (b: Uint8Array) => (b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) || (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff);

function canvasOf(width: number, height: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = width;
  c.height = height;
  return c;
}

/** Pixels with 1-4 channels → an RGBA canvas (for drawing what the library decoded). */
function canvasFromPixels(p: Pixels): HTMLCanvasElement {
  const c = canvasOf(p.width, p.height);
  const ctx = c.getContext('2d')!;
  const img = ctx.createImageData(p.width, p.height);
  const rgba = convertChannels(p, 4);
  for (let i = 0; i < img.data.length; i++) img.data[i] = rgba.data[i]!;
  ctx.putImageData(img, 0, 0);
  return c;
}

/** Everything a canvas can draw → RGBA pixels. */
export function pixelsOf(source: CanvasImageSource, width: number, height: number): Pixels {
  const c = canvasOf(width, height);
  const ctx = c.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(source, 0, 0, width, height);
  const { data } = ctx.getImageData(0, 0, width, height);
  return { width, height, channels: 4, data: new Uint8Array(data.buffer) };
}

/**
 * Decoded pixels → the model input: channels, bilinear resize, normalization (the library's
 * functions, in the CLI's order). Fashion-MNIST shows light clothes on black: a photo whose
 * border is light is inverted first.
 */
function tensorFromDecoded(model: DemoModel, pixels: Pixels): { tensor: Tensor; note?: string } {
  if (model.kind === 'text-detector') return textInputOf(model, pixels);
  const { height, width, channels } = model.size;
  const p = resizeBilinear(convertChannels(pixels, channels), height, width);
  let data = p.data;
  let note: string | undefined;
  if (model.id === 'fashion-mnist') {
    let border = 0;
    let n = 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (y === 0 || x === 0 || y === height - 1 || x === width - 1) {
          border += data[y * width + x]!;
          n++;
        }
      }
    }
    if (border / n > 127) {
      data = Float32Array.from(data, (v) => 255 - v);
      note = 'inverted to light-on-dark, as Fashion-MNIST images are';
    }
  }
  return { tensor: tensorFromPixels(model, data), ...(note ? { note } : {}) };
}

/**
 * Any image → the text detector's fixed-size input: scaled (bilinear) until it covers the input,
 * keeping its aspect ratio (text squeezed out of shape is text the detector does not know), and
 * its centre cut out.
 */
function textInputOf(model: DemoModel, pixels: Pixels): { tensor: Tensor; note?: string } {
  const { height, width } = model.size;
  const rgb = convertChannels(pixels, 3);
  if (rgb.width === width && rgb.height === height) return { tensor: textDetectorInput(rgb, 0, 0, model.size) };
  const scale = Math.max(width / rgb.width, height / rgb.height);
  const w = Math.max(width, Math.round(rgb.width * scale));
  const hh = Math.max(height, Math.round(rgb.height * scale));
  const left = (w - width) >> 1;
  const top = (hh - height) >> 1;
  const tensor = textDetectorInput(resizeBilinear(rgb, hh, w), left, top, model.size);
  return { tensor, note: `scaled to ${w}×${hh} and its centre ${width}×${height} cut out, the detector's input size` };
}

function cached(fn: (model: DemoModel) => { tensor: Tensor; note?: string }): InputImage['tensor'] {
  const cache = new Map<string, { tensor: Tensor; note?: string }>();
  return (model) => {
    let t = cache.get(model.id);
    if (!t) cache.set(model.id, (t = fn(model)));
    return t;
  };
}

/** A file's bytes (gallery or user's): PNG/JPEG by the library, the rest by the browser. */
export async function imageFromBytes(id: string, name: string, bytes: Uint8Array, caption?: string): Promise<InputImage> {
  const notImage = (why: string) => new InputError(`“${name}” is not an image this page can read (${why}). Try a PNG or JPEG photo.`);
  if (isEncodedByLibrary(bytes)) {
    let decoded: Pixels;
    try {
      decoded = decodeImage(bytes, name);
    } catch (e) {
      throw notImage((e as Error).message);
    }
    let source: CanvasImageSource;
    try {
      source = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
    } catch {
      source = canvasFromPixels(decoded);
    }
    return {
      id,
      name,
      ...(caption ? { caption } : {}),
      width: decoded.width,
      height: decoded.height,
      source,
      tensor: cached((model) => (model.catalog ? { tensor: tensorFromEncoded(model, name, bytes) } : tensorFromDecoded(model, decoded))),
    };
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]));
  } catch (e) {
    throw notImage(`the browser cannot decode it: ${(e as Error).message}`);
  }
  const pixels = pixelsOf(bitmap, bitmap.width, bitmap.height);
  return {
    id,
    name,
    ...(caption ? { caption } : {}),
    width: bitmap.width,
    height: bitmap.height,
    source: bitmap,
    tensor: cached((model) => tensorFromDecoded(model, pixels)),
  };
}

/** Fashion-MNIST test image `index` (28×28 gray), with its true class. */
export function fashionImage(set: ImageSet, index: number, classes: readonly string[] | undefined): InputImage {
  const t = set.input(index);
  const data = t.data as Float32Array;
  const source = canvasFromPixels({ width: 28, height: 28, channels: 1, data: Float32Array.from(data, (v) => v * 255) });
  const label = set.labels?.[index];
  return {
    id: `fashion/${index}`,
    name: `test image ${index}`,
    ...(label !== undefined ? { truth: classes?.[label] ?? `class ${label}` } : {}),
    width: 28,
    height: 28,
    source,
    tensor: cached((model) => {
      if (model.id !== 'fashion-mnist') return tensorFromDecoded(model, { width: 28, height: 28, channels: 1, data: Float32Array.from(data, (v) => v * 255) });
      return { tensor: t };
    }),
  };
}

/** A webcam frame (or any drawable) as an input. */
export function frameImage(id: string, source: CanvasImageSource, width: number, height: number): InputImage {
  const pixels = pixelsOf(source, width, height);
  const canvas = canvasFromPixels(pixels);
  return { id, name: 'webcam', width, height, source: canvas, tensor: cached((model) => tensorFromDecoded(model, pixels)) };
}

/**
 * A text photo's crop (demos/models.ts TextCrop) as an input: for the text detector exactly the
 * node test's input (textDetectorInput of the decoded photo at the crop's corner); drawn as the
 * crop alone.
 */
export function textCropImage(crop: TextCrop, photo: Pixels, size: { height: number; width: number }): InputImage {
  const name = textCropName(crop);
  const pixels: Pixels = { width: size.width, height: size.height, channels: photo.channels, data: new Uint8Array(size.width * size.height * photo.channels) };
  if (crop.left + size.width > photo.width || crop.top + size.height > photo.height) throw new InputError(`the crop ${name} does not fit in ${crop.file} (${photo.width}×${photo.height})`);
  for (let y = 0; y < size.height; y++) {
    const from = ((crop.top + y) * photo.width + crop.left) * photo.channels;
    for (let i = 0; i < size.width * photo.channels; i++) pixels.data[y * size.width * photo.channels + i] = photo.data[from + i]!;
  }
  return {
    id: `text/${name}`,
    name,
    caption: `${crop.file}, ${size.width}×${size.height} from (${crop.left}, ${crop.top})`,
    width: size.width,
    height: size.height,
    source: canvasFromPixels(pixels),
    tensor: cached((model) => (model.kind === 'text-detector' ? { tensor: textDetectorInput(photo, crop.left, crop.top, model.size) } : tensorFromDecoded(model, pixels))),
  };
}
