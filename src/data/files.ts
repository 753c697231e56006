// Node-only: reads calibration / evaluation data from disk into an ImageSet. The kind of source
// is told from the file system and the file's first bytes, not from its name:
// - a directory: its PNG / JPEG files (.png, .jpg, .jpeg, any case; not recursive; other files
//   ignored), sorted by file name in plain code-unit order (as `LC_ALL=C ls`, Python's sorted());
// - a .npy file (magic \x93NUMPY);
// - an IDX file, optionally gzipped (as MNIST's *-ubyte and *-ubyte.gz);
// - a single PNG or JPEG file: a set of one image.
// Labels: an IDX file, a .npy file of integers, or a text file with one integer per line.

import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import { imageSetFromArray, imageSetFromImages, withLabels, type ImageSet, type ImageSetOptions } from './dataset.ts';
import { parseIdx } from './idx.ts';
import { sniffImage } from './image.ts';
import { isGzip, isIdx, parseLabels } from './labels.ts';
import { isNpy, parseNpy } from './npy.ts';

export interface LoadOptions extends ImageSetOptions {
  /** Path of the labels file (IDX, .npy or text). */
  labels?: string;
}

const IMAGE_FILE = /\.(png|jpe?g)$/i;

function stat(path: string, what: string): Stats {
  try {
    return statSync(path);
  } catch {
    throw new InputError(`${what} not found: ${path}`);
  }
}

function read(path: string, what: string): Uint8Array {
  stat(path, what);
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false; // a broken link
  }
}

/** The image files of a directory, sorted by name (code-unit order). */
export function listImages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.name.startsWith('.') && IMAGE_FILE.test(e.name) && (e.isFile() || (e.isSymbolicLink() && isFile(join(dir, e.name)))))
    .map((e) => e.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Loads images (and labels) from `source`; see the rules in dataset.ts and at the top of this file. */
export function loadImageSet(source: string, options: LoadOptions): ImageSet {
  const { set, total } = loadImages(source, options);
  if (options.labels === undefined) return set;
  const labels = parseLabels(read(options.labels, 'labels'), options.labels);
  return withLabels(set, total, labels, `images: ${source}, labels: ${options.labels}`);
}

function loadImages(source: string, options: ImageSetOptions): { set: ImageSet; total: number } {
  if (stat(source, 'images').isDirectory()) {
    const names = listImages(source);
    if (names.length === 0) throw new InputError(`${source}: no PNG or JPEG images (.png, .jpg, .jpeg) in this folder`);
    const images = names.map((name) => ({ name, bytes: () => read(join(source, name), 'image') }));
    return { set: imageSetFromImages(images, source, options), total: names.length };
  }
  const bytes = read(source, 'images');
  if (isNpy(bytes)) {
    const npy = parseNpy(bytes, source);
    return { set: imageSetFromArray(npy, source, options), total: npy.shape[0] ?? 0 };
  }
  if (sniffImage(bytes)) {
    return { set: imageSetFromImages([{ name: basename(source), bytes: () => bytes }], dirname(source), options), total: 1 };
  }
  if (isGzip(bytes) || isIdx(bytes)) {
    const idx = parseIdx(bytes, source);
    return { set: imageSetFromArray(idx, source, options), total: idx.shape[0] ?? 0 };
  }
  throw new InputError(`${source}: unknown data format (expected a folder of PNG/JPEG images, a .npy file, or an IDX file, optionally .gz)`);
}
