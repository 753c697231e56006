// The demo as a static site (`npm run build:demo`: `vite build` with the repository's
// vite.config.ts, base './', the assets plugin copying models/, data/fashion-mnist/ and the model
// cache into local/), served by a plain static file server from a sub-path
// (http://127.0.0.1:PORT/some/sub/dir/) with no Vite middleware behind it. In headless Chromium the
// page runs the bundled Fashion-MNIST CNN in int8 on WebGPU, its calibration worker included, under
// the Content-Security-Policy of demos/index.html (carried through the build unchanged), fetching
// nothing outside its folder. A second build, from an empty model cache, shows that the bundled
// model alone is enough. Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { argmax, imageSetFromIdx } from '../../src/data/dataset.ts';
import { parseIdx } from '../../src/data/idx.ts';
import { logitsOf } from '../../src/eval/outputs.ts';
import { CACHE_ENV, imagesRoot, modelsDir } from '../../src/models/cache.ts';
import { IMAGE_SOURCES } from '../../src/models/fetch-images.ts';
import { readQ8 } from '../../src/quant/q8-file.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startStaticServer, type StaticServer } from '../helpers/static-server.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skip ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const configFile = join(repoRoot, 'vite.config.ts');

/** Where the sites live on the static host. */
const SUB = '/some/sub/dir/';
const BARE = '/bare/';

const cspOf = (html: string) => /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html)?.[1];

/** Every file under `dir`, relative to it, sorted. */
const filesUnder = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => relative(dir, join(e.parentPath, e.name)))
        .sort()
    : [];

async function buildSite(outDir: string): Promise<string> {
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return readFileSync(join(outDir, 'index.html'), 'utf8');
}

interface Shown {
  label: string;
  index: number;
  percent: number;
}

async function shownTop1(page: Page, kind: 'int8' | 'fp32'): Promise<Shown> {
  const li = page.locator(`#${kind}-result li.top1`);
  return {
    label: (await li.getAttribute('data-top1'))!,
    index: Number(await li.getAttribute('data-class')),
    percent: parseFloat((await li.locator('.value').textContent())!),
  };
}

describe('the demo as a static site, from a sub-path of a plain static server', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'webgpu-int8-demo-static-'));
  const www = join(tmp, 'www');
  const site = join(www, SUB);
  const bare = join(www, BARE);
  let html = '';
  let server: StaticServer | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const t0 = performance.now();
    html = await buildSite(site);
    // The same build from an empty model cache: only the bundled model and Fashion-MNIST go in.
    const cache = process.env[CACHE_ENV];
    process.env[CACHE_ENV] = join(tmp, 'empty-cache');
    try {
      await buildSite(bare);
    } finally {
      if (cache === undefined) delete process.env[CACHE_ENV];
      else process.env[CACHE_ENV] = cache;
    }
    const t1 = performance.now();
    // A static host answers a folder with its index.html; the helper serves files only.
    server = await startStaticServer({ root: www, pages: { [SUB]: html, [BARE]: readFileSync(join(bare, 'index.html'), 'utf8') } });
    browser = await launchChromium();
    console.log(`two builds in ${(t1 - t0).toFixed(0)} ms (${filesUnder(site).length} files); server ${server.url}${SUB}, chromium ${browser.version()}`);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** A fresh page recording console errors, uncaught errors, CSP violations and every request. */
  async function openPage(path: string): Promise<{ page: Page; problems: string[]; requests: URL[] }> {
    const page = await browser!.newPage();
    const problems: string[] = [];
    const requests: URL[] = [];
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('request', (r) => requests.push(new URL(r.url())));
    // Every violation but one: long.js (protobufjs's 64-bit integers) tries, once, to compile a
    // tiny WebAssembly module and falls back to plain JavaScript when that throws, as it does
    // here: the policy has no 'wasm-unsafe-eval', on purpose. It logs nothing and breaks nothing.
    await page.exposeFunction('reportViolation', (v: string) => {
      if (!/^script-src wasm-eval /.test(v)) problems.push(`CSP violation: ${v}`);
    });
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) =>
        (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`),
      ),
    );
    await page.goto(`${server!.url}${path}`);
    await page.waitForFunction(() => document.body.dataset.gpu === 'ok' || document.body.dataset.gpu === 'none', undefined, { timeout: 60_000 });
    if ((await page.getAttribute('body', 'data-gpu')) === 'none') {
      const reason = await page.textContent('#no-webgpu-reason');
      await page.close();
      throw new Error(`the built demo found no WebGPU adapter in headless Chromium: ${reason} (set WEBGPU_INT8_SKIP_GPU=1 to skip)`);
    }
    return { page, problems, requests };
  }

  it('carries the Content-Security-Policy of demos/index.html unchanged, and only relative paths', () => {
    const source = readFileSync(join(repoRoot, 'demos/index.html'), 'utf8');
    expect(cspOf(source)).toBeDefined();
    expect(cspOf(html)).toBe(cspOf(source));
    expect(html).not.toMatch(/unsafe-(eval|inline)/);
    // No inline scripts or styles: every <script> has a src, no <style> element.
    expect(html.match(/<script\b[^>]*>/g)?.filter((tag) => !/\bsrc="/.test(tag)), 'inline scripts').toEqual([]);
    expect(html).not.toMatch(/<style\b/);
    const refs = [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(1);
    for (const ref of refs) expect(ref, ref).toMatch(/^(\.\/|data:|#|https:\/\/)/);
    for (const js of filesUnder(join(site, 'assets')).filter((f) => f.endsWith('.js'))) {
      const absolute = readFileSync(join(site, 'assets', js), 'utf8').match(/.{0,40}["'`]\/(local|assets)\/.{0,40}/g);
      expect(absolute, `absolute paths in ${js}`).toBeNull();
    }
  });

  it('copies the assets into local/: the bundled model, Fashion-MNIST, the model cache, the photo listing, the text photos', () => {
    const local = join(site, 'local');
    // The text detector's photos: those three of opencv-doc's folder, byte for byte, and nothing else of it.
    const text = ['imageTextN.png', 'imageTextR.png', 'licenseplate_motion.jpg'];
    expect(filesUnder(join(local, 'text'))).toEqual(text);
    for (const f of text) expect(readFileSync(join(local, 'text', f)).equals(readFileSync(join(IMAGE_SOURCES.opencv.dir, f))), f).toBe(true);
    expect(filesUnder(join(local, 'bundled'))).toEqual(filesUnder(join(repoRoot, 'models')));
    expect(filesUnder(join(local, 'fashion-mnist'))).toEqual(filesUnder(join(repoRoot, 'data/fashion-mnist')));
    expect(filesUnder(join(local, 'models'))).toEqual(filesUnder(modelsDir()));
    // The listing, as the dev middleware computes it: every image folder of the cache.
    const index = JSON.parse(readFileSync(join(local, 'images/index.json'), 'utf8')) as { sets: Record<string, string[]>; manifest: unknown };
    const sets: Record<string, string[]> = {};
    for (const set of readdirSync(imagesRoot(), { withFileTypes: true }).filter((e) => e.isDirectory())) {
      const files = readdirSync(join(imagesRoot(), set.name)).filter((f) => /\.(png|jpe?g)$/i.test(f)).sort();
      if (files.length) sets[set.name] = files;
    }
    expect(index.sets).toEqual(sets);
    for (const [set, files] of Object.entries(index.sets)) for (const f of files) expect(existsSync(join(local, 'images', set, f)), `${set}/${f}`).toBe(true);
    const manifest = join(imagesRoot(), 'manifest.json');
    expect(index.manifest).toEqual(existsSync(manifest) ? JSON.parse(readFileSync(manifest, 'utf8')) : null);
    // From an empty cache: no pretrained models, an empty listing.
    expect(existsSync(join(bare, 'local/models'))).toBe(false);
    expect(JSON.parse(readFileSync(join(bare, 'local/images/index.json'), 'utf8'))).toEqual({ sets: {}, manifest: null });
    expect(filesUnder(join(bare, 'local/bundled'))).toEqual(filesUnder(join(repoRoot, 'models')));
  });

  it.skipIf(skip)(`runs the bundled model in int8 on WebGPU, calibrated by its worker, from ${SUB}${why}`, { timeout: 120_000 }, async () => {
    const t0 = performance.now();
    const { page, problems, requests } = await openPage(`${SUB}?model=fashion-mnist&method=minmax&calib=20&image=0`);
    try {
      // The worker's calibration first (it fails in words when it cannot fetch its files), then both results.
      await page.locator('#calib-status[data-state="done"], #calib-status[data-state="error"], .result[data-state="error"]').first().waitFor({ timeout: 90_000 });
      expect(await page.locator('.result[data-state="error"]').allTextContents()).toEqual([]);
      expect(await page.getAttribute('#calib-status', 'data-state'), (await page.textContent('#calib-status'))!).toBe('done');
      for (const kind of ['int8', 'fp32']) await page.locator(`#${kind}-result[data-state="done"][data-input="fashion/0"]`).waitFor({ timeout: 60_000 });
      const t1 = performance.now();
      expect(await page.textContent('#calib-status')).toContain('minmax on the first 20 Fashion-MNIST training images');
      expect(await page.locator('#layer-chart svg rect.bar').count()).toBeGreaterThan(5);
      expect(await page.textContent('#adapter-chip')).not.toMatch(/Looking for a GPU/);
      // The stylesheet applied (body margin 0, the browser's own is 8px).
      expect(await page.evaluate(() => getComputedStyle(document.body).marginTop)).toBe('0px');

      // The int8 result is the CPU int8 reference's on the .q8 the page calibrated.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#q8-download')]);
      const q8 = readQ8(readFileSync((await download.path())!));
      expect(q8.calibration).toMatchObject({ method: 'minmax', samples: 20 });
      const image = imageSetFromIdx(parseIdx(readFileSync(BUNDLED.testImages))).input(0);
      // As `webgpu-int8 run --device cpu` prints it: the output's softmax, unless the output is one.
      const output = q8.outputs[0]!.name;
      const values = runInt8(q8, { [q8.inputs[0]!.name]: image })[output]!.data;
      const classes = (JSON.parse(readFileSync(BUNDLED.modelInfo, 'utf8')) as { classes: string[] }).classes;
      const top = argmax(values);
      const exp = Array.from(values, (v) => Math.exp(v - values[top]!));
      const percent = 100 * (logitsOf(q8) !== output ? values[top]! : exp[top]! / exp.reduce((a, b) => a + b, 0));
      const int8 = await shownTop1(page, 'int8');
      const fp32 = await shownTop1(page, 'fp32');
      console.log(`page (built, ${SUB}): int8 ${JSON.stringify(int8)}, fp32 ${JSON.stringify(fp32)}; CPU int8 reference ${classes[top]} ${percent.toFixed(2)}%; results in ${(t1 - t0).toFixed(0)} ms`);
      expect({ label: int8.label, index: int8.index }).toEqual({ label: classes[top], index: top });
      expect(Math.abs(int8.percent - percent)).toBeLessThanOrEqual(0.11);
      expect(fp32.index).toBe(top);

      // Everything came from the site's own folder: the page's and the worker's fetches.
      const local = requests.filter((u) => u.origin === server!.url);
      expect(local.filter((u) => !u.pathname.startsWith(SUB)).map((u) => u.href)).toEqual([]);
      const paths = local.map((u) => u.pathname.slice(SUB.length));
      expect(paths).toContain('local/bundled/fashion_mnist_cnn.onnx');
      expect(paths).toContain('local/fashion-mnist/train-first500-images-idx3-ubyte.gz'); // the worker's
      expect(paths, 'the calibration worker among the built files').toContainEqual(expect.stringMatching(/^assets\/calibrate-worker-[\w-]+\.js$/));
      expect(problems).toEqual([]);
    } finally {
      await page.close();
    }
  });

  it.skipIf(skip)(`with no pretrained models in the build, starts on the bundled model and says how to get the others${why}`, { timeout: 120_000 }, async () => {
    const { page, problems } = await openPage(BARE);
    try {
      // No ?model=: the page probes for BlazeFace (absent) and falls back to Fashion-MNIST.
      await page.locator('#int8-result[data-state="done"], .result[data-state="error"]').first().waitFor({ timeout: 90_000 });
      expect(await page.locator('.result[data-state="error"]').allTextContents()).toEqual([]);
      expect(await page.getAttribute('body', 'data-model')).toBe('fashion-mnist');
      expect((await shownTop1(page, 'int8')).label).toBeTruthy();
      await page.click('#model-picker [data-model="emotion"]');
      await page.locator('#fp32-result .error-text').waitFor({ timeout: 30_000 });
      expect(await page.textContent('#fp32-result .error-text')).toContain('The Emotion model is not on the server');
      // The 404s of the probe and of the missing model are the only errors.
      expect(problems.filter((p) => !/404/.test(p))).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
