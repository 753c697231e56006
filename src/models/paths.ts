// Where `webgpu-int8 fetch-models` (src/models/fetch.ts) puts the pretrained models and the
// photos: the per-user cache directory of src/models/cache.ts (WEBGPU_INT8_CACHE, else
// $XDG_CACHE_HOME/webgpu-int8, else ~/.cache/webgpu-int8), read on every call. Every lookup
// checks the files are there and otherwise says how to get them (node only).

import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { imagesRoot, modelsDir } from './cache.ts';
import { catalogModel, type CatalogModel, type ModelId } from './catalog.ts';

export { cacheDir, imagesRoot, modelsDir } from './cache.ts';

/** What to run to fetch a model, or (no id) the photos. */
export function fetchHint(id?: ModelId): string {
  return id === undefined ? 'run `webgpu-int8 fetch-models --images-only` first' : `run \`webgpu-int8 fetch-models ${id}\` first`;
}

/** Raised when the cache lacks something fetch-models provides. */
export class MissingCacheError extends InputError {
  override name = 'MissingCacheError';
}

/** <cache>/models/<id>/ (model.json, shards, LICENSE); throws MissingCacheError if not fetched. */
export function modelDir(id: ModelId): string {
  catalogModel(id);
  const dir = path.join(modelsDir(), id);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new MissingCacheError(`model ${id} is not in ${dir}: ${fetchHint(id)}`);
  }
  return dir;
}

/** <cache>/models/<id>/model.json. */
export function modelJsonPath(id: ModelId): string {
  return path.join(modelDir(id), 'model.json');
}

/**
 * The folders of <cache>/images/ (docs/images.md), each disjoint from the others:
 * - photos: whole photos to evaluate the classifiers on (≥ 30);
 * - calib: whole photos to calibrate them on (every 4th photo by name, so none is in photos/);
 * - faces: face crops of the face photos to evaluate the face detectors on (each has a face the
 *   fp32 BlazeFace front model finds);
 * - faces-calib: other crops of the same photos, to calibrate the face detectors on.
 */
export type ImageSet = 'photos' | 'calib' | 'faces' | 'faces-calib';

export const IMAGE_SETS: readonly ImageSet[] = Object.freeze(['photos', 'calib', 'faces', 'faces-calib'] as const);

/** <cache>/images/<set>/; throws MissingCacheError if absent or empty. */
export function imagesDir(set: ImageSet): string {
  if (!IMAGE_SETS.includes(set)) throw new RangeError(`unknown image set "${String(set)}" (${IMAGE_SETS.join(', ')})`);
  const dir = path.join(imagesRoot(), set);
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) {
    throw new MissingCacheError(`no images in ${dir}: ${fetchHint()}`);
  }
  return dir;
}

/** The image files of a set, full paths, sorted by name. */
export function imageFiles(set: ImageSet): string[] {
  const dir = imagesDir(set);
  return fs
    .readdirSync(dir)
    .filter((f) => /\.(png|jpe?g)$/i.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** One photo as <cache>/images/manifest.json records it. */
export interface ImageRecord {
  /** File name in photos/ or calib/: `<source>-<original name>`. */
  name: string;
  /** The folder it is in. */
  set: 'photos' | 'calib';
  source: 'skimage' | 'opencv';
  /** The Debian package it was copied from, and its path there. */
  deb: string;
  path: string;
  format: 'png' | 'jpeg';
  /** Shows a human face (the face crops come from these). */
  faces: boolean;
  license: string;
  note?: string;
  sha256: string;
}

/** One face crop as <cache>/images/manifest.json records it. */
export interface FaceCropRecord {
  /** File name in faces/ or faces-calib/: `<photo without extension>-<x>-<y>-<size>.png`. */
  name: string;
  set: 'faces' | 'faces-calib';
  /** The photo it is cut from (an ImageRecord name). */
  from: string;
  /** [x, y, size]: the square's top-left corner and side in the photo's pixels (wholly inside it). */
  rect: [number, number, number];
  /** The PNG's size (size × size, 8-bit RGB). */
  width: number;
  height: number;
  /** What it shows. */
  why: string;
  /** The fp32 blazeface-front score of the best face in it (TF.js, when the table was made). */
  score: number;
  license: string;
  /** Of the PNG file. */
  sha256: string;
}

export interface ImageManifest {
  /** Debian package → installed version (null if dpkg-query was unavailable). */
  debs: Record<string, string | null>;
  images: ImageRecord[];
  crops: FaceCropRecord[];
}

/** <cache>/images/manifest.json, written by fetch-models. */
export function imageManifest(): ImageManifest {
  const file = path.join(imagesRoot(), 'manifest.json');
  if (!fs.existsSync(file)) throw new MissingCacheError(`${file} missing: ${fetchHint()}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ImageManifest;
}

/** The images a pretrained model is evaluated on, and calibrated on (disjoint): face crops for a face detector. */
export function evaluationImages(model: CatalogModel): string {
  return imagesDir(model.kind === 'face-detector' ? 'faces' : 'photos');
}

export function calibrationImages(model: CatalogModel): string {
  return imagesDir(model.kind === 'face-detector' ? 'faces-calib' : 'calib');
}
