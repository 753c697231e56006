// Where the model cache is (src/models/cache.ts: WEBGPU_INT8_CACHE, else XDG_CACHE_HOME, else
// the home directory; read on every call), what a lookup in an empty cache says to run, and the
// `fetch-models` command's refusals (unknown ids and flags, contradictory options), none of
// which needs anything fetched. (The fetching itself: test/unit/fetch-models.test.ts.)

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cac } from 'cac';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { registerFetchModels, runFetchModels } from '../../src/cli/fetch-models.ts';
import { InputError } from '../../src/errors.ts';
import { CACHE_ENV, cacheDir, cacheLocation, imagesRoot, modelsDir, packDir } from '../../src/models/cache.ts';
import { MODEL_IDS } from '../../src/models/catalog.ts';
import { fetchModels, selectModels } from '../../src/models/fetch.ts';
import { MissingCacheError, imageManifest, imagesDir, modelDir } from '../../src/models/paths.ts';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('cacheDir', () => {
  it('WEBGPU_INT8_CACHE wins, made absolute against the working directory', () => {
    expect(cacheDir({ [CACHE_ENV]: '/srv/models', XDG_CACHE_HOME: '/xdg' })).toBe('/srv/models');
    expect(cacheDir({ [CACHE_ENV]: 'rel/cache' })).toBe(path.join(process.cwd(), 'rel/cache'));
    expect(cacheLocation({ [CACHE_ENV]: '/srv/models' }).from).toBe(CACHE_ENV);
  });

  it('else $XDG_CACHE_HOME/webgpu-int8 when XDG_CACHE_HOME is absolute', () => {
    expect(cacheLocation({ XDG_CACHE_HOME: '/xdg/cache' })).toEqual({ dir: '/xdg/cache/webgpu-int8', from: 'XDG_CACHE_HOME' });
    expect(cacheDir({ [CACHE_ENV]: '', XDG_CACHE_HOME: '/xdg/cache' })).toBe('/xdg/cache/webgpu-int8');
  });

  it('else ~/.cache/webgpu-int8; a relative XDG_CACHE_HOME is ignored', () => {
    const home = path.join(os.homedir(), '.cache', 'webgpu-int8');
    expect(cacheLocation({})).toEqual({ dir: home, from: 'home' });
    expect(cacheDir({ XDG_CACHE_HOME: 'relative/cache' })).toBe(home);
    vi.stubEnv('HOME', '/home/someone');
    expect(cacheDir({})).toBe('/home/someone/.cache/webgpu-int8');
  });

  it('is read from process.env on every call, as are the folders under it', () => {
    vi.stubEnv(CACHE_ENV, '/tmp/one');
    expect([cacheDir(), modelsDir(), imagesRoot(), packDir()]).toEqual(['/tmp/one', '/tmp/one/models', '/tmp/one/images', '/tmp/one/pk']);
    vi.stubEnv(CACHE_ENV, '');
    vi.stubEnv('XDG_CACHE_HOME', '/tmp/xdg');
    expect(modelsDir()).toBe('/tmp/xdg/webgpu-int8/models');
  });

  it('an empty cache: lookups name the folder and the command that fills it', () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'model-cache-'));
    try {
      vi.stubEnv(CACHE_ENV, empty);
      expect(() => modelDir('emotion')).toThrow(MissingCacheError);
      expect(() => modelDir('emotion')).toThrow(`model emotion is not in ${path.join(empty, 'models', 'emotion')}: run \`webgpu-int8 fetch-models emotion\` first`);
      expect(() => imagesDir('photos')).toThrow(`no images in ${path.join(empty, 'images', 'photos')}: run \`webgpu-int8 fetch-models --images-only\` first`);
      expect(() => imageManifest()).toThrow(/manifest\.json missing: run `webgpu-int8 fetch-models --images-only` first/);
      expect(new MissingCacheError('x')).toBeInstanceOf(InputError);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('fetch-models refusals', () => {
  /** Runs `fn` with the cache in a new empty folder; returns what it threw and what it wrote there (nothing: []). */
  function inEmptyCache(fn: () => unknown): { error: unknown; written: string[] } {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'model-cache-'));
    try {
      vi.stubEnv(CACHE_ENV, empty);
      let error: unknown;
      try {
        fn();
      } catch (e) {
        error = e;
      }
      return { error, written: fs.readdirSync(empty) };
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  }

  it('an unknown id is an InputError listing the valid ids, and nothing is fetched', () => {
    const { error, written } = inEmptyCache(() => fetchModels({ ids: ['emotion', 'nope'], log: () => {} }));
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`unknown model id "nope"; valid ids: ${MODEL_IDS.join(', ')}`);
    expect(written).toEqual([]);
    expect(() => selectModels(['a', 'b'])).toThrow(/^unknown model ids "a", "b"; valid ids: mobilenet_v2_mid, /);
    expect(selectModels(['emotion', 'blazeface-front', 'emotion']).map((m) => m.id)).toEqual(['blazeface-front', 'emotion']);
    expect(selectModels([]).map((m) => m.id)).toEqual(MODEL_IDS);
  });

  it('contradictory or empty requests are InputErrors before anything is written', () => {
    for (const [fn, message] of [
      [() => fetchModels({ models: false, images: false, log: () => {} }), /^nothing to fetch/],
      [() => fetchModels({ ids: ['emotion'], models: false, log: () => {} }), /model ids \(emotion\) were given but the models were not asked for/],
      [() => runFetchModels([], { modelsOnly: true, imagesOnly: true }, () => {}), /--models-only and --images-only exclude each other/],
      [() => runFetchModels(['emotion'], { imagesOnly: true }, () => {}), /--images-only fetches no models/],
      [() => runFetchModels(['bogus'], {}, () => {}), /unknown model id "bogus"; valid ids/],
    ] as const) {
      const { error, written } = inEmptyCache(fn);
      expect(error, String(message)).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
      expect(written, String(message)).toEqual([]);
    }
  });

  /** A cac instance with only this command, parsed but not run. */
  function parsed(...args: string[]) {
    const cli = cac('webgpu-int8');
    registerFetchModels(cli);
    cli.parse(['node', 'webgpu-int8', 'fetch-models', ...args], { run: false });
    return cli;
  }

  it('the command takes ids and its three flags, and rejects unknown flags', () => {
    const cli = parsed('emotion', 'blazeface-front', '--force', '--models-only');
    expect(cli.matchedCommandName).toBe('fetch-models');
    expect(cli.args).toEqual(['emotion', 'blazeface-front']);
    expect(cli.options).toMatchObject({ force: true, modelsOnly: true });
    expect(() => parsed('--bogus-flag').runMatchedCommand()).toThrow('Unknown option `--bogusFlag`');
    const { error } = inEmptyCache(() => parsed('nope').runMatchedCommand());
    expect(error).toBeInstanceOf(InputError);
  });

  it('a refused request prints nothing, not even the cache line', () => {
    for (const [ids, flags] of [
      [['nope'], {}],
      [[], { modelsOnly: true, imagesOnly: true }],
    ] as const) {
      const lines: string[] = [];
      const { error } = inEmptyCache(() => runFetchModels(ids, flags, (line) => lines.push(line)));
      expect(error).toBeInstanceOf(InputError);
      expect(lines).toEqual([]);
    }
  });
});
