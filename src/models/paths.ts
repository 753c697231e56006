// Where `npm run fetch-models` (scripts/fetch-models.mjs) puts the pretrained models and the
// photos: the git-ignored .cache/ at the package root, resolved from this file like
// src/cli/bundled.ts does (node only). Every lookup checks the files are there and otherwise
// says how to get them.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';
import { catalogModel, type CatalogModel, type ModelId } from './catalog.ts';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));

/** The package root's cache directory (git-ignored). */
export const CACHE_DIR = root('.cache');
export const MODELS_DIR = path.join(CACHE_DIR, 'models');
export const IMAGES_DIR = path.join(CACHE_DIR, 'images');

export const FETCH_HINT = 'run `npm run fetch-models` first';

/** Raised when the cache lacks something fetch-models provides. */
export class MissingCacheError extends InputError {
  override name = 'MissingCacheError';
}

/** .cache/models/<id>/ (model.json, shards, LICENSE); throws MissingCacheError if not fetched. */
export function modelDir(id: ModelId): string {
  catalogModel(id);
  const dir = path.join(MODELS_DIR, id);
  if (!fs.existsSync(path.join(dir, 'model.json'))) {
    throw new MissingCacheError(`model ${id} is not in ${dir}: ${FETCH_HINT}`);
  }
  return dir;
}

/** .cache/models/<id>/model.json. */
export function modelJsonPath(id: ModelId): string {
  return path.join(modelDir(id), 'model.json');
}

/**
 * The folders of .cache/images/ (docs/images.md), each disjoint from the others:
 * - photos: whole photos to evaluate the classifiers on (≥ 30);
 * - calib: whole photos to calibrate them on (every 4th photo by name, so none is in photos/);
 * - faces: face crops of the face photos to evaluate the face detectors on (each has a face the
 *   fp32 BlazeFace front model finds);
 * - faces-calib: other crops of the same photos, to calibrate the face detectors on.
 */
export type ImageSet = 'photos' | 'calib' | 'faces' | 'faces-calib';

export const IMAGE_SETS: readonly ImageSet[] = Object.freeze(['photos', 'calib', 'faces', 'faces-calib'] as const);

/** .cache/images/<set>/; throws MissingCacheError if absent or empty. */
export function imagesDir(set: ImageSet): string {
  if (!IMAGE_SETS.includes(set)) throw new RangeError(`unknown image set "${String(set)}" (${IMAGE_SETS.join(', ')})`);
  const dir = path.join(IMAGES_DIR, set);
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) {
    throw new MissingCacheError(`no images in ${dir}: ${FETCH_HINT}`);
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

/** One photo as .cache/images/manifest.json records it. */
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

/** One face crop as .cache/images/manifest.json records it. */
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

/** .cache/images/manifest.json, written by fetch-models. */
export function imageManifest(): ImageManifest {
  const file = path.join(IMAGES_DIR, 'manifest.json');
  if (!fs.existsSync(file)) throw new MissingCacheError(`${file} missing: ${FETCH_HINT}`);
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ImageManifest;
}

/** The images a pretrained model is evaluated on, and calibrated on (disjoint): face crops for a face detector. */
export function evaluationImages(model: CatalogModel): string {
  return imagesDir(model.kind === 'face-detector' ? 'faces' : 'photos');
}

export function calibrationImages(model: CatalogModel): string {
  return imagesDir(model.kind === 'face-detector' ? 'faces-calib' : 'calib');
}
