// `webgpu-int8 bench --node`: the browser bench's models, peaks, checks and reports, in node on
// Dawn (npm `webgpu`) instead of in Chromium. The models are prepared here as for the browser
// bench (bench/driver/models.ts); the peaks and every model × engine run in a worker process
// of their own (bench/node/worker.ts), the counterpart of the browser bench's fresh pages.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchOptions } from '../../src/cli/bench-contract.ts';
import { progressBar } from '../../src/cli/progress.ts';
import { analyze } from '../driver/analyze.ts';
import { BENCH_CACHE, prepareModel, type PreparedModel } from '../driver/models.ts';
import { writeReports } from '../driver/output.ts';
import { gitState, machineOf, measureModels, peakLine, quietProgress, requestFor } from '../driver/report.ts';
import { engineLabel, SCHEMA, type BenchReport, type NodeHost } from '../driver/schema.ts';
import type { EngineRequest, EngineResult, ModelAssets, PeakResult } from '../page/protocol.ts';
import { chooseVulkanDriver, dawnFlags } from './gpu.ts';
import { runWorker } from './workers.ts';

/** Generous: MobileNetV2 on ORT's WebGPU EP on SwiftShader takes ~4 s a run. */
const ENGINE_TIMEOUT_MS = 15 * 60_000;
const PEAKS_TIMEOUT_MS = 5 * 60_000;

/** A prepared model's files by path: node workers read them from disk. */
function assetsOf(m: PreparedModel): ModelAssets {
  const tfjs = m.files.tfjsDir ? path.join(m.files.tfjsDir, 'model.json') : undefined;
  return {
    id: m.id,
    ...(m.files.q8 ? { q8: m.files.q8 } : {}),
    ...(m.files.dynamicOnnx ? { dynamicOnnx: m.files.dynamicOnnx } : {}),
    float: tfjs ? { kind: 'tfjs', url: tfjs } : { kind: 'onnx', url: m.files.floatOnnx! },
    onnx: m.files.onnx,
    ...(tfjs ? { tfjs } : {}),
    inputs: m.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape, url: i.file })),
    outputs: m.outputs,
  };
}

/** A worker that dies (a driver crash, a native abort) is a failed engine, not a failed bench. */
async function runEngine(request: EngineRequest, adapter: string | undefined, log: (line: string) => void): Promise<EngineResult> {
  const label = `${request.model.id} ${engineLabel({ engine: request.engine, ...(request.onnx ? { onnx: request.onnx } : {}) })}`;
  const total = 1 + request.warmup + request.runs;
  const bar = progressBar(label.padEnd(30), total);
  const note = quietProgress(label, total, log);
  try {
    const answer = await runWorker({
      job: { kind: 'engine', request, ...(adapter ? { adapter } : {}) },
      onProgress: (done) => {
        bar.tick(done);
        note(done);
      },
      timeoutMs: ENGINE_TIMEOUT_MS,
    });
    if (answer.kind === 'engine') return answer.result;
    return { ok: false, engine: request.engine, stage: 'worker', error: answer.kind === 'error' ? answer.message : `unexpected answer ${answer.kind}` };
  } catch (e) {
    return { ok: false, engine: request.engine, stage: 'worker', error: (e as Error).message };
  } finally {
    bar.stop();
  }
}

async function measurePeaks(adapter: string | undefined): Promise<PeakResult> {
  const answer = await runWorker({ job: { kind: 'peaks', ...(adapter ? { adapter } : {}) }, timeoutMs: PEAKS_TIMEOUT_MS });
  if (answer.kind === 'peaks') return answer.result;
  throw new Error(`bench --node: no adapter to measure: ${answer.kind === 'error' ? answer.message : answer.kind}`);
}

async function listAdapters(): Promise<NodeHost['adapters']> {
  try {
    const answer = await runWorker({ job: { kind: 'adapters' }, timeoutMs: 60_000 });
    return answer.kind === 'adapters' ? answer.result : { error: answer.kind === 'error' ? answer.message : answer.kind };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function packageVersion(name: string): string | null {
  try {
    const file = createRequire(import.meta.url).resolve(`${name}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

export async function runNodeBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log ?? ((line: string) => console.log(line));
  const started = Date.now();
  const loadStart = os.loadavg();
  const vulkanIcd = chooseVulkanDriver();
  log(`preparing ${options.models.join(', ')} (int8 programs are calibrated once and cached in ${path.relative(process.cwd(), BENCH_CACHE) || BENCH_CACHE})`);
  const prepared = options.models.map((id) => prepareModel(id, log));
  const adapters = await listAdapters();
  log(`Dawn's adapters: ${'error' in adapters ? `not listed (${adapters.error})` : adapters.join('; ')}; Vulkan driver manifest: ${vulkanIcd ?? 'the loader\'s default search'}`);
  log('measuring the adapter\'s peak rates (WGSL microbenchmarks)…');
  const peaks = await measurePeaks(options.adapter);
  log(peakLine(peaks));
  const models = await measureModels(prepared, options.engines, async (m, run) => analyze(m, await runEngine(requestFor(m, run, options, assetsOf(m)), options.adapter, log), peaks.peaks, run.onnx), log);
  const report: BenchReport = {
    schema: SCHEMA,
    date: new Date(started).toISOString(),
    git: gitState(),
    machine: machineOf(loadStart),
    browser: null,
    node: { webgpu: packageVersion('webgpu') ?? 'unknown', onnxruntimeNode: packageVersion('onnxruntime-node'), dawnFlags: dawnFlags(options.adapter), adapters, adapterFeatures: peaks.adapterFeatures ?? [], vulkanIcd },
    adapter: { ...peaks.adapter, dot4I8Packed: peaks.dot4I8Packed, features: peaks.features },
    emulated: peaks.adapter.isFallbackAdapter,
    options: { runs: options.runs, warmup: options.warmup, models: options.models, engines: options.engines, variant: options.variant ?? null, budgetSeconds: options.budgetSeconds ?? null, adapter: options.adapter ?? null },
    peaks: peaks.peaks,
    models,
    durationSeconds: (Date.now() - started) / 1000,
  };
  if (options.outDir) for (const file of writeReports(report, options.outDir)) log(`wrote ${path.relative(process.cwd(), file)}`);
  return report;
}
