// Browser smoke test: headless Debian Chromium (playwright-core) with --enable-unsafe-webgpu,
// SwiftShader adapter here. Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WGSL } from '../gpu/wgsl.generated.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { int8SmokeReference, makeInt8SmokeInput } from '../helpers/int8-ref.ts';
import { firstMismatch } from '../helpers/int8-smoke-gpu.ts';
import { type StaticServer, startStaticServer } from '../helpers/static-server.ts';
import type { BrowserSmokeResult } from './page.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skip ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

describe('WebGPU in headless Chromium', () => {
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageLog: string[] = [];

  beforeAll(async () => {
    if (skip) return;
    server = await startStaticServer({
      root: repoRoot,
      pages: { '/': '<!doctype html><title>webgpu-int8 smoke</title><link rel="icon" href="data:,"><script type="module" src="/test/browser/page.ts"></script>' },
    });
    const t0 = performance.now();
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('console', (m) => pageLog.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageLog.push(`pageerror: ${e.message}`));
    await page.goto(`${server.url}/`);
    await page.waitForFunction(() => typeof window.int8Smoke === 'function', undefined, { timeout: 30_000 });
    console.log(`chromium ${browser.version()} up and page loaded in ${(performance.now() - t0).toFixed(0)} ms`);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (pageLog.length) console.log(`page console:\n${pageLog.join('\n')}`);
  });

  it.skipIf(skip)(`runs dot4I8Packed / pack4xI8Clamp bit-exact on the page's adapter${why}`, { timeout: 120_000 }, async () => {
    const input = makeInt8SmokeInput(512, 256);
    const result: BrowserSmokeResult = await page.evaluate(([code, inp]) => window.int8Smoke!(code, inp), [WGSL['int8-smoke.wgsl'], input] as const);
    console.log(
      'browser adapter:', JSON.stringify(result.adapterInfo),
      '\nfeatures:', result.features.join(','),
      `\ndevice ${result.ms.device.toFixed(0)} ms, kernel (pipeline + dispatch + readback) ${result.ms.kernel.toFixed(0)} ms`,
      `\n${result.userAgent}`,
    );
    expect(result.dot4I8Packed, 'SwiftShader in Chromium exposes dot4I8Packed').toBe(true);
    const want = int8SmokeReference(input);
    expect(firstMismatch(result.output.dots, want.dots)).toBeUndefined();
    expect(firstMismatch(result.output.packed, want.packed)).toBeUndefined();
    expect(result.output).toEqual(want);
  });
});
