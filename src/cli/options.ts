// Options shared by the commands that read image data.

import type { Command } from 'cac';
import { parsePreprocessFlags, type Preprocess, type PreprocessFlags } from '../data/preprocess.ts';
import { loadImageSet } from '../data/files.ts';
import type { ImageSet } from '../data/dataset.ts';
import { OBSERVER_METHODS, type ObserverMethod } from '../calibrate/observers/index.ts';
import { InputError } from '../errors.ts';
import type { CatalogModel } from '../models/catalog.ts';

export function withPreprocessOptions(command: Command): Command {
  return command
    .option('--scale <s>', 'Multiply stored pixel values by s (default 1/255)')
    .option('--mean <m>', 'Subtract the mean: one value or one per channel, comma-separated (default 0)')
    .option('--std <s>', 'Divide by the std: one value or one per channel (default 1)')
    .option('--size <HxW>', 'Resize images to HxW (default: the model input size)')
    .option('--layout <nchw|nhwc>', 'Layout of the model input tensor (default nchw)');
}

export function preprocessFrom(flags: PreprocessFlags, channels: number | undefined): Preprocess {
  return parsePreprocessFlags(flags, channels);
}

export function loadImages(path: string, inputShape: (number | string)[], flags: PreprocessFlags, labels?: string, count?: number): ImageSet {
  const layout = preprocessFrom({ layout: flags.layout }, undefined).layout;
  const channelDim = inputShape[layout === 'nhwc' ? inputShape.length - 1 : 1];
  const preprocess = preprocessFrom(flags, typeof channelDim === 'number' ? channelDim : undefined);
  return loadImageSet(path, { preprocess, inputShape, ...(labels ? { labels } : {}), ...(count !== undefined ? { count } : {}) });
}

export function methodFrom(value: unknown): ObserverMethod {
  const method = String(value ?? 'entropy');
  if (!(OBSERVER_METHODS as readonly string[]).includes(method)) {
    throw new InputError(`--method must be one of ${OBSERVER_METHODS.join(', ')}; got "${method}"`);
  }
  return method as ObserverMethod;
}

export function countFrom(value: unknown, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`${flag} must be a positive integer, got "${String(value)}"`);
  return n;
}

/** The catalog model's own preprocessing, for the flags the user did not give. */
export function withModelDefaults<F extends PreprocessFlags>(flags: F, model: CatalogModel | undefined): F {
  if (!model) return flags;
  const p = model.preprocess;
  return { ...flags, scale: flags.scale ?? p.scale, mean: flags.mean ?? p.mean.join(','), std: flags.std ?? p.std.join(','), layout: flags.layout ?? p.layout };
}

/**
 * `--fix-input NAME=VALUE` (repeatable): graph inputs fixed at session creation, e.g. silero
 * VAD's `sr=16000`; VALUE is a number or a comma-separated list.
 */
export function fixedInputsFrom(flag: unknown): Record<string, number | number[]> {
  const items = flag === undefined ? [] : Array.isArray(flag) ? flag : [flag];
  return Object.fromEntries(
    items.map((item) => {
      const m = /^([^=]+)=(.+)$/.exec(String(item));
      const values = m ? m[2]!.split(',').map(Number) : [];
      if (!m || values.some((v) => !Number.isFinite(v))) throw new InputError(`--fix-input takes NAME=VALUE (a number or a comma-separated list), got "${String(item)}"`);
      return [m[1]!, values.length === 1 ? values[0]! : values];
    }),
  );
}
