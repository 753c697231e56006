// Preprocessing of calibration / evaluation data: x' = (x · scale − mean[c]) / std[c], where x
// is the stored value (0..255 for images, IDX and uint8 arrays; as stored for float arrays),
// then laid out NCHW or NHWC. The command-line flags --scale, --mean, --std, --size and
// --layout are parsed and checked here, each mistake reported in one line.

import { InputError } from '../errors.ts';
import type { Pixels } from './image.ts';

export type DataLayout = 'nchw' | 'nhwc';

export interface Preprocess {
  /** Multiplies every stored value first (default 1/255). */
  scale: number;
  /** One value for every channel, or one per channel (default [0]). */
  mean: number[];
  /** One value for every channel, or one per channel (default [1]). */
  std: number[];
  /** [height, width] to resize to; default: the model's input size. */
  size?: [number, number];
  /** Layout of the model input tensor (default nchw); also breaks ties when reading rank-4 arrays. */
  layout: DataLayout;
}

export const DEFAULT_PREPROCESS: Readonly<Preprocess> = Object.freeze({ scale: 1 / 255, mean: [0], std: [1], layout: 'nchw' });

/** The flags as a command-line parser hands them over: strings, numbers, or missing. */
export interface PreprocessFlags {
  scale?: unknown;
  mean?: unknown;
  std?: unknown;
  size?: unknown;
  layout?: unknown;
}

/**
 * Parses and checks the preprocessing flags. With `channels` (the model input's channel count)
 * the lengths of --mean and --std are checked against it too.
 * Accepted forms: --scale 0.00392 or 1/255; --mean 0.5 or 0.485,0.456,0.406 (same for --std);
 * --size 224x224, 224,224 or 224 (square); --layout nchw or nhwc.
 */
export function parsePreprocessFlags(flags: PreprocessFlags, channels?: number): Preprocess {
  const scale = flags.scale === undefined ? DEFAULT_PREPROCESS.scale : parseNumber(flags.scale, '--scale');
  if (!(scale !== 0)) throw new InputError('--scale must not be 0');
  const mean = flags.mean === undefined ? [0] : parseList(flags.mean, '--mean');
  const std = flags.std === undefined ? [1] : parseList(flags.std, '--std');
  const zero = std.findIndex((s) => s === 0);
  if (zero >= 0) throw new InputError(`--std must not contain 0 (value ${zero + 1} of ${std.length} is 0)`);
  const out: Preprocess = { scale, mean, std, layout: parseLayout(flags.layout) };
  if (flags.size !== undefined) out.size = parseSize(flags.size);
  if (channels !== undefined) checkChannels(out, channels);
  return out;
}

/** --mean and --std must have one value, or one per channel of the model input. */
export function checkChannels(pre: Preprocess, channels: number): void {
  for (const [flag, values] of [['--mean', pre.mean], ['--std', pre.std]] as const) {
    if (values.length !== 1 && values.length !== channels) {
      throw new InputError(
        `${flag} has ${values.length} values but the model input has ${channels} channel${channels === 1 ? '' : 's'}`,
      );
    }
  }
}

function single(value: unknown, flag: string): string {
  if (Array.isArray(value)) throw new InputError(`${flag} is given more than once`);
  if (typeof value === 'boolean') throw new InputError(`${flag} needs a value`);
  return String(value).trim();
}

function parseNumber(value: unknown, flag: string): number {
  const text = single(value, flag);
  const fraction = /^([^/]+)\/([^/]+)$/.exec(text);
  const n = fraction ? Number(fraction[1]) / Number(fraction[2]) : text === '' ? NaN : Number(text);
  if (!Number.isFinite(n)) throw new InputError(`${flag} must be a number, got "${text}"`);
  return n;
}

function parseList(value: unknown, flag: string): number[] {
  const text = single(value, flag);
  const parts = text.split(',').map((s) => s.trim());
  return parts.map((p) => {
    const n = p === '' ? NaN : Number(p);
    if (!Number.isFinite(n)) throw new InputError(`${flag} must be a number or a comma list of numbers, got "${text}"`);
    return n;
  });
}

function parseSize(value: unknown): [number, number] {
  const text = single(value, '--size');
  const parts = text.split(/[x×,]/i).map((s) => s.trim());
  const dims = parts.map(Number);
  if ((dims.length === 1 || dims.length === 2) && dims.every((d) => Number.isInteger(d) && d > 0)) {
    return [dims[0]!, dims[1] ?? dims[0]!];
  }
  throw new InputError(`--size must be HxW with positive integers (e.g. 28x28), got "${text}"`);
}

function parseLayout(value: unknown): DataLayout {
  if (value === undefined) return 'nchw';
  const text = single(value, '--layout').toLowerCase();
  if (text === 'nchw' || text === 'nhwc') return text;
  throw new InputError(`--layout must be nchw or nhwc, got "${text}"`);
}

/**
 * Applies scale, mean and std to interleaved pixels and lays them out as one [C, H, W]
 * (nchw) or [H, W, C] (nhwc) block. The channel count must already be the model's.
 */
export function normalize(p: Pixels, pre: Preprocess, layout: DataLayout = pre.layout): Float32Array {
  const { height, width, channels: c, data } = p;
  checkChannels(pre, c);
  const hw = height * width;
  const out = new Float32Array(hw * c);
  for (let k = 0; k < c; k++) {
    const mean = pre.mean.length === 1 ? pre.mean[0]! : pre.mean[k]!;
    const std = pre.std.length === 1 ? pre.std[0]! : pre.std[k]!;
    if (layout === 'nchw') {
      for (let i = 0; i < hw; i++) out[k * hw + i] = (data[i * c + k]! * pre.scale - mean) / std;
    } else {
      for (let i = 0; i < hw; i++) out[i * c + k] = (data[i * c + k]! * pre.scale - mean) / std;
    }
  }
  return out;
}
