// Images as interleaved pixels (height × width × channels, row-major, values on the 0..255
// scale): PNG and JPEG decoding, channel conversion and bilinear resizing. No node APIs, so
// it runs in the browser too.

import { decode as decodePngBytes, convertIndexedToRgb } from 'fast-png';
import { decode as decodeJpegBytes } from 'jpeg-js';
import { InputError } from '../errors.ts';

export interface Pixels {
  height: number;
  width: number;
  /** 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA (or any count, for array data). */
  channels: number;
  /** height × width × channels values, interleaved, on the 0..255 scale for decoded images. */
  data: Uint8Array | Float32Array;
}

export type ImageFormat = 'png' | 'jpeg';

/** The image format from the file's first bytes, or undefined. */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/** Decodes a PNG or JPEG (told apart by content, not by name). */
export function decodeImage(bytes: Uint8Array, where = 'image'): Pixels {
  const format = sniffImage(bytes);
  if (format === 'png') return decodePng(bytes, where);
  if (format === 'jpeg') return decodeJpeg(bytes, where);
  throw new InputError(`${where}: not a PNG or JPEG image`);
}

/**
 * PNG of any colour type and bit depth: palettes are expanded to RGB(A), 1/2/4-bit gray is
 * stretched to 0..255, 16-bit samples are mapped to 0..255 (v / 257, kept fractional).
 */
export function decodePng(bytes: Uint8Array, where = 'PNG image'): Pixels {
  let png: ReturnType<typeof decodePngBytes>;
  try {
    png = decodePngBytes(bytes);
  } catch (e) {
    throw new InputError(`${where}: cannot decode PNG: ${(e as Error).message}`);
  }
  const { width, height } = png;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    return { height, width, channels: rgb.length / (width * height), data: rgb };
  }
  const channels = png.channels;
  if (png.depth === 16) {
    return { height, width, channels, data: Float32Array.from(png.data, (v) => v / 257) };
  }
  if (png.depth < 8) {
    // Rows are packed, each starting on a byte; only gray images have depths below 8 here.
    const depth = png.depth;
    const out = new Uint8Array(width * height * channels);
    const rowBytes = Math.ceil((width * channels * depth) / 8);
    const max = (1 << depth) - 1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width * channels; x++) {
        const bit = x * depth;
        const byte = png.data[y * rowBytes + (bit >> 3)]!;
        out[y * width * channels + x] = Math.round((((byte >> (8 - depth - (bit & 7))) & max) * 255) / max);
      }
    }
    return { height, width, channels, data: out };
  }
  return { height, width, channels, data: png.data instanceof Uint8Array ? png.data : Uint8Array.from(png.data) };
}

/** Baseline and progressive JPEG, to RGB (gray JPEGs come out as RGB with equal channels). */
export function decodeJpeg(bytes: Uint8Array, where = 'JPEG image'): Pixels {
  try {
    const jpeg = decodeJpegBytes(bytes, { useTArray: true, formatAsRGBA: false });
    return { height: jpeg.height, width: jpeg.width, channels: 3, data: jpeg.data };
  } catch (e) {
    throw new InputError(`${where}: cannot decode JPEG: ${(e as Error).message}`);
  }
}

/**
 * Converts to `channels` channels:
 * - to 1: gray stays; gray+alpha drops alpha; RGB(A) → luminance 0.299 R + 0.587 G + 0.114 B
 *   (ITU-R BT.601, as PIL's convert('L') and OpenCV's RGB2GRAY);
 * - to 3: gray is replicated; RGBA drops alpha (no compositing: the stored colour is kept);
 * - to 4: gray/RGB get an opaque alpha of 255.
 * Alpha is never composited. Other combinations are refused.
 */
export function convertChannels(p: Pixels, channels: number, where = 'image'): Pixels {
  if (p.channels === channels) return p;
  const n = p.height * p.width;
  const src = p.data;
  const c = p.channels;
  const out = new Float32Array(n * channels);
  const hasColor = c === 3 || c === 4;
  const isGray = c === 1 || c === 2;
  if (channels === 1 && (isGray || hasColor)) {
    for (let i = 0; i < n; i++) {
      out[i] = isGray ? src[i * c]! : 0.299 * src[i * c]! + 0.587 * src[i * c + 1]! + 0.114 * src[i * c + 2]!;
    }
  } else if ((channels === 3 || channels === 4) && (isGray || hasColor)) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) out[i * channels + k] = isGray ? src[i * c]! : src[i * c + k]!;
      if (channels === 4) out[i * 4 + 3] = c === 2 || c === 4 ? src[i * c + c - 1]! : 255;
    }
  } else {
    throw new InputError(`${where}: cannot convert ${c}-channel data to the ${channels} channels the model input has`);
  }
  return { height: p.height, width: p.width, channels, data: out };
}

/**
 * Bilinear resize with half-pixel centres: output pixel (y, x) samples the input at
 * ((y + 0.5) · inH / outH − 0.5, (x + 0.5) · inW / outW − 0.5), clamped to the edge pixels.
 * This is OpenCV's INTER_LINEAR, TF's resize_bilinear with half_pixel_centers=True and
 * PyTorch's interpolate(mode='bilinear', align_corners=False) without antialiasing; large
 * downscales therefore alias, as in those libraries. Same size returns the input unchanged.
 */
export function resizeBilinear(p: Pixels, height: number, width: number): Pixels {
  if (p.height === height && p.width === width) return p;
  if (!(height > 0 && width > 0 && p.height > 0 && p.width > 0)) {
    throw new RangeError(`cannot resize ${p.height}x${p.width} to ${height}x${width}`);
  }
  const c = p.channels;
  const src = p.data;
  const out = new Float32Array(height * width * c);
  const xs = taps(p.width, width);
  const ys = taps(p.height, height);
  for (let y = 0; y < height; y++) {
    const y0 = ys.lo[y]!, y1 = ys.hi[y]!, fy = ys.frac[y]!;
    for (let x = 0; x < width; x++) {
      const x0 = xs.lo[x]!, x1 = xs.hi[x]!, fx = xs.frac[x]!;
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * p.width + x0) * c + k]!;
        const b = src[(y0 * p.width + x1) * c + k]!;
        const d = src[(y1 * p.width + x0) * c + k]!;
        const e = src[(y1 * p.width + x1) * c + k]!;
        const top = a + (b - a) * fx;
        const bottom = d + (e - d) * fx;
        out[(y * width + x) * c + k] = top + (bottom - top) * fy;
      }
    }
  }
  return { height, width, channels: c, data: out };
}

/** For each output coordinate: the two input neighbours and the weight of the second. */
function taps(inSize: number, outSize: number) {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let i = 0; i < outSize; i++) {
    const s = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    const l = Math.floor(s);
    lo[i] = l;
    hi[i] = Math.min(l + 1, inSize - 1);
    frac[i] = s - l;
  }
  return { lo, hi, frac };
}
