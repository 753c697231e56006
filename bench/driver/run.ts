// The bench from start to finish: prepare the models in node, serve the bench page, launch
// headless Chromium, measure the adapter's peaks, then every model × engine in a fresh page, and
// write the JSON, markdown and SVG reports.
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { progressBar } from '../../src/cli/progress.ts';
import { modelsDir } from '../../src/models/cache.ts';
import type { EngineId, EngineRequest, EngineResult, ModelAssets, PeakResult } from '../page/protocol.ts';
import { analyze } from './analyze.ts';
import { launchBrowser } from './browser.ts';
import { BENCH_CACHE, prepareModel, type BenchModelId, type PreparedModel } from './models.ts';
import { writeReports } from './output.ts';
import { gitState, machineOf, measureModels, peakLine, quietProgress, requestFor } from './report.ts';
import { engineLabel, SCHEMA, type BenchReport, type EngineReport } from './schema.ts';
import { REPO_ROOT, startBenchServer } from './server.ts';

import type { BenchOptions } from '../../src/cli/bench-contract.ts';

export type { BenchOptions };

const PAGE_READY_MS = 120_000;

/** URLs of a prepared model's files on the bench server (bench/driver/server.ts). */
function assetsOf(m: PreparedModel): ModelAssets {
  const url = (file: string) => {
    const rel = (base: string, prefix: string) => `${prefix}${path.relative(base, file).split(path.sep).join('/')}`;
    if (file.startsWith(BENCH_CACHE)) return rel(BENCH_CACHE, '/bench-assets/bench/');
    if (file.startsWith(modelsDir() + path.sep)) return rel(modelsDir(), '/bench-assets/models/');
    return rel(path.join(REPO_ROOT, 'models'), '/bench-assets/bundled/');
  };
  const tfjs = m.files.tfjsDir ? url(path.join(m.files.tfjsDir, 'model.json')) : undefined;
  return {
    id: m.id,
    ...(m.files.q8 ? { q8: url(m.files.q8) } : {}),
    ...(m.files.dynamicOnnx ? { dynamicOnnx: url(m.files.dynamicOnnx) } : {}),
    float: tfjs ? { kind: 'tfjs', url: tfjs } : { kind: 'onnx', url: url(m.files.floatOnnx!) },
    onnx: url(m.files.onnx),
    ...(tfjs ? { tfjs } : {}),
    inputs: m.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape, url: url(i.file) })),
    outputs: m.outputs,
  };
}

async function openPage(browser: Browser, url: string, onProgress?: (done: number, total: number) => void): Promise<Page> {
  const page = await browser.newPage();
  if (onProgress) await page.exposeFunction('benchProgress', onProgress);
  await page.goto(`${url}/bench/index.html`);
  await page.waitForFunction(() => typeof window.benchEngine === 'function', undefined, { timeout: PAGE_READY_MS });
  return page;
}

/** A page crash or a protocol error is a failed engine, not a failed bench. */
async function runEngine(browser: Browser, url: string, request: EngineRequest, log: (line: string) => void): Promise<EngineResult> {
  const label = `${request.model.id} ${engineLabel({ engine: request.engine, ...(request.onnx ? { onnx: request.onnx } : {}) })}`;
  const total = 1 + request.warmup + request.runs;
  const bar = progressBar(label.padEnd(30), total);
  const note = quietProgress(label, total, log);
  let page: Page | undefined;
  try {
    page = await openPage(browser, url, (done) => {
      bar.tick(done);
      note(done);
    });
    const crashed = new Promise<never>((_, reject) => page!.once('crash', () => reject(new Error('the page crashed'))));
    return await Promise.race([page.evaluate((r) => window.benchEngine!(r), request), crashed]);
  } catch (e) {
    return { ok: false, engine: request.engine, stage: 'page', error: (e as Error).message.split('\n')[0]! };
  } finally {
    bar.stop();
    await page?.close().catch(() => undefined);
  }
}

/** Engines that cannot run a model are listed as skipped, with why. */
function skipReason(engine: EngineId, model: PreparedModel): string | null {
  if (engine === 'tfjs-webgpu' && !model.files.tfjsDir) return 'the model has no TF.js version (it is an ONNX model)';
  return null;
}

export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const loadStart = os.loadavg();
  log(`preparing ${options.models.join(', ')} (int8 programs are calibrated once and cached in ${path.relative(process.cwd(), BENCH_CACHE) || BENCH_CACHE})`);
  const prepared = options.models.map((id) => prepareModel(id, log));
  const server = await startBenchServer();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser(options.browserPath, options.flags);
    log('measuring the adapter\'s peak rates (WGSL microbenchmarks)…');
    const peakPage = await openPage(browser, server.url);
    const peaks: PeakResult = await peakPage.evaluate(() => window.benchPeaks!());
    await peakPage.close();
    log(peakLine(peaks));
    const models = await measureModels(prepared, options.engines, async (m, run): Promise<EngineReport> => {
      const skip = skipReason(run.engine, m);
      return skip ? { engine: run.engine, status: 'skipped', error: { stage: 'plan', message: skip } } : analyze(m, await runEngine(browser!, server.url, requestFor(m, run, options, assetsOf(m)), log), peaks.peaks, run.onnx);
    }, log);
    const report: BenchReport = {
      schema: SCHEMA,
      date: new Date(started).toISOString(),
      git: gitState(),
      machine: machineOf(loadStart),
      browser: { executable: options.browserPath, version: browser.version(), flags: options.flags, userAgent: peaks.userAgent },
      adapter: { ...peaks.adapter, dot4I8Packed: peaks.dot4I8Packed, features: peaks.features },
      emulated: peaks.adapter.isFallbackAdapter,
      options: { runs: options.runs, warmup: options.warmup, models: options.models, engines: options.engines, variant: options.variant ?? null, budgetSeconds: options.budgetSeconds ?? null },
      peaks: peaks.peaks,
      models,
      durationSeconds: (Date.now() - started) / 1000,
    };
    if (options.outDir) for (const file of writeReports(report, options.outDir)) log(`wrote ${path.relative(process.cwd(), file)}`);
    return report;
  } finally {
    await browser?.close();
    await server.close();
  }
}
