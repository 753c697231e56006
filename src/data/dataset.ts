// Labelled image sets as the engine consumes them: one float input tensor per sample.
//
// Sources (all node-free here; src/data/files.ts reads them from disk):
// - arrays [N, H, W], [N, H, W, C], [N, C, H, W] or [N, F] (IDX files, .npy files);
// - lists of encoded PNG / JPEG images, decoded lazily one at a time.
// Each sample goes: channel conversion → bilinear resize → (x · scale − mean) / std → layout.
//
// Rules:
// - The model input is [1, C, H, W] (layout nchw, the default) or [1, H, W, C] (nhwc); its
//   batch dim may be symbolic, and so may H and W (then --size, or the data's own size, decides).
// - Rank-4 arrays: the channel dim is dim 1 (NCHW) or dim 3 (NHWC). The one of the two that
//   equals the model's channel count C wins; if neither does, the one whose count converts to C
//   (1 ↔ 3) wins; when both qualify, --layout decides (the data is taken to be in the model's
//   layout); when none does, it is an InputError naming both shapes.
// - Rank-3 arrays are gray [N, H, W]. Rank-2 arrays [N, F] need F = C·H·W and are taken to be
//   flattened model inputs, in the model's layout.
// - Channels: 1 → 3 replicates gray, 3 → 1 takes luminance (0.299 R + 0.587 G + 0.114 B); images
//   may also be gray+alpha or RGBA (alpha dropped) and fill a 4-channel input (alpha 255 added).
// - Sizes: an image whose size differs from the target is always resized. An array whose H×W
//   differs is resized only when --size is given; otherwise it is an InputError naming both shapes.
// - --size must agree with a model input whose H and W are fixed.

import { InputError } from '../errors.ts';
import type { Dim } from '../ir/graph.ts';
import { f32, type Tensor } from '../ir/tensor.ts';
import type { IdxArray } from './idx.ts';
import { convertChannels, decodeImage, resizeBilinear, type Pixels } from './image.ts';
import type { Labels } from './labels.ts';
import { checkChannels, normalize, type Preprocess } from './preprocess.ts';

export interface ImageSet {
  count: number;
  /** [height, width, channels] of every image (as fed to the model, after conversion and resizing). */
  imageShape: [number, number, number];
  /** The image as a float tensor of the model input's shape ([1, C, H, W] for NCHW), preprocessed. */
  input(index: number): Tensor;
  /** Class labels; values above 255 come as an Int32Array. */
  labels?: Uint8Array | Int32Array;
  /** For sets read from image files: each image's name, in order. */
  names?: string[];
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

export interface ImageSetOptions {
  preprocess: Preprocess;
  /**
   * The model's input shape in its layout: [1, C, H, W] for nchw, [1, H, W, C] for nhwc. The
   * batch dim may be symbolic (a name, or a number ≤ 0); H and W may be symbolic too.
   */
  inputShape: readonly Dim[];
  /** Use only the first `count` samples (labels are checked against the full set first). */
  count?: number;
}

/** A plain numeric array with its shape, as IDX and .npy files give them. */
export interface ArrayData {
  shape: readonly number[];
  data: ArrayLike<number>;
}

/** An encoded PNG or JPEG, read when its sample is asked for. */
export interface EncodedImage {
  name: string;
  bytes(): Uint8Array;
}

const known = (d: Dim | undefined): d is number => typeof d === 'number' && Number.isFinite(d) && d > 0;
const fmt = (shape: readonly Dim[]) => `[${shape.join(',')}]`;

interface Target {
  channels: number;
  height: number | undefined;
  width: number | undefined;
  /** Non-rank-4 model inputs: the per-sample shape (batch dim excluded). */
  flat?: number[];
}

function modelTarget(options: ImageSetOptions): Target {
  const { inputShape, preprocess: pre } = options;
  const batch = inputShape[0];
  if (known(batch) && batch !== 1) {
    throw new InputError(`the model input ${fmt(inputShape)} has batch ${batch}; one image per run (batch 1) is supported`);
  }
  if (inputShape.length !== 4) {
    const rest = inputShape.slice(1);
    if (inputShape.length < 2 || !rest.every(known)) {
      throw new InputError(`the model input ${fmt(inputShape)} is not [1,C,H,W] and its per-sample dims are not all known`);
    }
    return { channels: 1, height: undefined, width: undefined, flat: rest };
  }
  const [c, h, w] = pre.layout === 'nchw' ? [inputShape[1], inputShape[2], inputShape[3]] : [inputShape[3], inputShape[1], inputShape[2]];
  if (!known(c)) throw new InputError(`the model input ${fmt(inputShape)} has a symbolic channel dim (layout ${pre.layout})`);
  checkChannels(pre, c);
  let height = known(h) ? h : undefined;
  let width = known(w) ? w : undefined;
  if (pre.size) {
    const [sh, sw] = pre.size;
    if ((height !== undefined && height !== sh) || (width !== undefined && width !== sw)) {
      throw new InputError(`--size ${sh}x${sw} does not match the model input ${fmt(inputShape)} (layout ${pre.layout})`);
    }
    height = sh;
    width = sw;
  }
  return { channels: c, height, width };
}

function toTensor(p: Pixels, pre: Preprocess): Tensor {
  const shape = pre.layout === 'nchw' ? [1, p.channels, p.height, p.width] : [1, p.height, p.width, p.channels];
  return f32(shape, normalize(p, pre));
}

function checkIndex(i: number, count: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`image index ${i} is outside 0..${count - 1}`);
}

const limit = (n: number, count: number | undefined) => (count === undefined ? n : Math.max(0, Math.min(n, count)));

/** Channel counts an array's channel dim may have to fill `c` model channels. */
const convertible = (from: number, c: number) => from === c || ((from === 1 || from === 3) && (c === 1 || c === 3));

/**
 * An image set over an array ([N,H,W], [N,H,W,C], [N,C,H,W] or [N,F]; see the rules at the top).
 * `where` names the source in errors.
 */
export function imageSetFromArray(array: ArrayData, where: string, options: ImageSetOptions): ImageSet {
  const pre = options.preprocess;
  const target = modelTarget(options);
  const shape = array.shape;
  const n = shape[0] ?? 0;
  const cannot = (why: string) =>
    new InputError(`${where}: data shape ${fmt(shape)} cannot fill the model input ${fmt(options.inputShape)}${why ? ': ' + why : ''}`);
  if (shape.length < 2) throw cannot('expected [N,H,W], [N,H,W,C], [N,C,H,W] or [N,F]');
  const sampleSize = shape.slice(1).reduce((a, b) => a * b, 1);
  const count = limit(n, options.count);

  if (target.flat) {
    const flat = target.flat;
    const want = flat.reduce((a, b) => a * b, 1);
    if (sampleSize !== want) throw cannot(`${sampleSize} values per sample, the model takes ${want}`);
    if (pre.mean.length !== 1 || pre.std.length !== 1) {
      throw new InputError(`--mean and --std take one value for the model input ${fmt(options.inputShape)}, which has no channel dim`);
    }
    return {
      count,
      imageShape: [1, want, 1],
      input(i) {
        checkIndex(i, count);
        const out = new Float32Array(want);
        for (let k = 0; k < want; k++) out[k] = (array.data[i * want + k]! * pre.scale - pre.mean[0]!) / pre.std[0]!;
        return f32([1, ...flat], out);
      },
    };
  }

  const c = target.channels;
  // How a sample is laid out: dims [H, W, C] with channel stride, as a reader of element (y, x, k).
  let h: number, w: number, sc: number, channelsFirst: boolean;
  if (shape.length === 3) {
    [h, w, sc, channelsFirst] = [shape[1]!, shape[2]!, 1, false];
  } else if (shape.length === 4) {
    const [d1, d2, d3] = [shape[1]!, shape[2]!, shape[3]!];
    const pick = (test: (d: number) => boolean): boolean | undefined => {
      if (test(d1) && test(d3)) return pre.layout === 'nchw';
      if (test(d1)) return true;
      if (test(d3)) return false;
      return undefined;
    };
    const first = pick((d) => d === c) ?? pick((d) => convertible(d, c));
    if (first === undefined) throw cannot(`neither dim 1 nor dim 3 is a channel count that fills ${c} channel${c === 1 ? '' : 's'}`);
    [h, w, sc, channelsFirst] = first ? [d2, d3, d1, true] : [d1, d2, d3, false];
  } else if (shape.length === 2) {
    if (target.height === undefined || target.width === undefined || sampleSize !== c * target.height * target.width) {
      throw cannot(`[N,F] data needs F = C·H·W of a model input with known H and W`);
    }
    [h, w, sc, channelsFirst] = [target.height, target.width, c, pre.layout === 'nchw'];
  } else {
    throw cannot('expected [N,H,W], [N,H,W,C], [N,C,H,W] or [N,F]');
  }
  if (!convertible(sc, c)) throw cannot(`${sc} channels cannot be converted to ${c}`);
  const outH = target.height ?? h;
  const outW = target.width ?? w;
  if ((outH !== h || outW !== w) && !pre.size) {
    throw cannot(`the images are ${h}x${w}, the model wants ${outH}x${outW}; pass --size ${outH}x${outW} to resize`);
  }
  return {
    count,
    imageShape: [outH, outW, c],
    input(i) {
      checkIndex(i, count);
      const hw = h * w;
      const pixels = new Float32Array(hw * sc);
      const base = i * sampleSize;
      if (channelsFirst) {
        for (let k = 0; k < sc; k++) for (let j = 0; j < hw; j++) pixels[j * sc + k] = array.data[base + k * hw + j]!;
      } else {
        for (let j = 0; j < hw * sc; j++) pixels[j] = array.data[base + j]!;
      }
      let p: Pixels = { height: h, width: w, channels: sc, data: pixels };
      p = convertChannels(p, c, where);
      p = resizeBilinear(p, outH, outW);
      return toTensor(p, pre);
    },
  };
}

/**
 * An image set over encoded PNG/JPEG images, decoded when asked for. Every image is converted
 * to the model's channel count and resized (bilinear) to the model's H×W; when the model's H and
 * W are symbolic and --size is not given, to the first image's size.
 */
export function imageSetFromImages(images: readonly EncodedImage[], where: string, options: ImageSetOptions): ImageSet {
  const pre = options.preprocess;
  const target = modelTarget(options);
  if (target.flat) {
    throw new InputError(`${where}: images need a model input [1,C,H,W] (or [1,H,W,C]); the model input is ${fmt(options.inputShape)}`);
  }
  const c = target.channels;
  if (c !== 1 && c !== 3 && c !== 4) {
    throw new InputError(`${where}: images can fill 1, 3 or 4 channels; the model input ${fmt(options.inputShape)} has ${c}`);
  }
  if (images.length === 0) throw new InputError(`${where}: no PNG or JPEG images`);
  const decode = (i: number) => decodeImage(images[i]!.bytes(), `${where}/${images[i]!.name}`);
  let { height, width } = target;
  if (height === undefined || width === undefined) {
    const first = decode(0);
    height ??= first.height;
    width ??= first.width;
  }
  const [outH, outW] = [height, width];
  const count = limit(images.length, options.count);
  return {
    count,
    imageShape: [outH, outW, c],
    names: images.slice(0, count).map((im) => im.name),
    input(i) {
      checkIndex(i, count);
      const p = resizeBilinear(convertChannels(decode(i), c, `${where}/${images[i]!.name}`), outH, outW);
      return toTensor(p, pre);
    },
  };
}

/**
 * Attaches labels, checking their count against the full set's (`total`, before any --count
 * cut); `where` names both files in the error.
 */
export function withLabels(set: ImageSet, total: number, labels: Labels, where: string): ImageSet {
  if (labels.length !== total) throw new InputError(`${total} images but ${labels.length} labels (${where})`);
  return { ...set, labels: labels.subarray(0, set.count) };
}
