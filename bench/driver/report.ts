// The parts of a bench report the browser driver (run.ts) and the node one (bench/node/run.ts)
// build the same way: the one-line summaries, the model rows, the machine and the checkout.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { BenchOptions } from '../../src/cli/bench-contract.ts';
import type { EngineId, EngineRequest, ModelAssets, OnnxVariant, PeakResult } from '../page/protocol.ts';
import type { PreparedModel } from './models.ts';
import { engineLabel, type BenchReport, type EngineReport, type ModelReport } from './schema.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function summary(model: string, r: EngineReport): string {
  const engine = engineLabel(r);
  if (r.status === 'skipped') return `${model} ${engine}: skipped (${r.error?.message})`;
  if (r.status === 'failed') return `${model} ${engine}: FAILED at ${r.error?.stage}: ${r.error?.message}`;
  const l = r.latencyMs!;
  const c = r.correctness;
  const check = c ? `${c.verdict} (max rel ${c.maxRel.toExponential(1)})` : 'unchecked';
  return `${model} ${engine}: median ${l.median.toFixed(1)} ms (p10 ${l.p10.toFixed(1)}, p90 ${l.p90.toFixed(1)}), first run ${r.firstRunMs!.toFixed(0)} ms, ${check}`;
}

/** One row of a model's table: an engine, and for onnxruntime on a dynamic model which of its two ONNX files. */
export interface EngineRun {
  engine: EngineId;
  onnx?: OnnxVariant;
}

const ORT_ENGINES: readonly EngineId[] = ['ort-webgpu', 'ort-wasm', 'ort-cpu'];

/** A model's rows: every engine once; on a dynamic model each onnxruntime engine twice, on the dynamic file and then the float one. */
export function engineRuns(m: Pick<PreparedModel, 'files'>, engines: readonly EngineId[]): EngineRun[] {
  return engines.flatMap((engine): EngineRun[] => (m.files.dynamicOnnx && ORT_ENGINES.includes(engine) ? [{ engine, onnx: 'dynamic' }, { engine, onnx: 'float' }] : [{ engine }]));
}

/** The request of one row: the bench's runs, warm-ups and budget within the model's limits. */
export function requestFor(m: PreparedModel, run: EngineRun, options: BenchOptions, model: ModelAssets): EngineRequest {
  const limits = m.limits ?? {};
  const budgetSeconds = options.budgetSeconds ?? limits.budgetSeconds;
  return {
    engine: run.engine,
    model,
    warmup: Math.min(options.warmup, limits.warmup ?? Infinity),
    runs: Math.min(options.runs, limits.runs ?? Infinity),
    ...(options.variant ? { variant: options.variant } : {}),
    ...(budgetSeconds ? { budgetMs: budgetSeconds * 1000 } : {}),
    ...(run.onnx ? { onnx: run.onnx } : {}),
  };
}

/** Every model through every engine, in order, each report logged as it lands. */
export async function measureModels(
  models: readonly PreparedModel[],
  engines: readonly EngineId[],
  measure: (model: PreparedModel, run: EngineRun) => Promise<EngineReport>,
  log: (line: string) => void,
): Promise<ModelReport[]> {
  const reports: ModelReport[] = [];
  for (const m of models) {
    const rows: EngineReport[] = [];
    for (const run of engineRuns(m, engines)) {
      const { engine, ...measured } = await measure(m, run);
      const report: EngineReport = { engine, ...(run.onnx ? { onnx: run.onnx } : {}), ...measured };
      log(summary(m.id, report));
      rows.push(report);
    }
    reports.push(modelReport(m, rows));
  }
  return reports;
}

export function modelReport(m: PreparedModel, engines: EngineReport[]): ModelReport {
  return {
    id: m.id,
    title: m.title,
    task: m.task,
    input: { name: m.inputs[0]!.name, shape: m.inputs[0]!.shape, source: m.inputSource },
    ...(m.inputs.length > 1 || m.inputs[0]!.dtype !== 'float32' ? { inputs: m.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape })) } : {}),
    outputs: m.outputs,
    macs: m.totalMacs,
    calibration: m.calibration,
    ...(m.limits ? { limits: m.limits } : {}),
    engines,
  };
}

export function machineOf(loadStart: number[]): BenchReport['machine'] {
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', platform: `${os.platform()} ${os.release()}`, node: process.version, loadAverage: { start: loadStart, end: os.loadavg() } };
}

/**
 * The commit the bench ran, and how many files differ from it: from git in a checkout, else from
 * WEBGPU_INT8_BUILD ("<commit> <changed files>", which the GPU kit's run.sh sets to the commit the
 * kit was built from); null when neither says.
 */
export function gitState(): BenchReport['git'] {
  const built = process.env.WEBGPU_INT8_BUILD?.match(/^([0-9a-f]{7,40}) (\d+)$/);
  if (built) return { commit: built[1]!, changedFiles: Number(built[2]) };
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changed = git('status', '--porcelain', '--untracked-files=no');
    return { commit: git('rev-parse', 'HEAD'), changedFiles: changed ? changed.split('\n').length : 0 };
  } catch {
    return null;
  }
}

export function peakLine(p: PeakResult): string {
  const g = (r: { gops: number } | { error: string }) => ('gops' in r ? r.gops.toFixed(2) : `n/a (${r.error})`);
  const a = p.adapter;
  return `adapter: ${a.vendor} ${a.architecture} (${a.description})${a.isFallbackAdapter ? ' (fallback adapter: CPU emulation)' : ''}; peaks: dot4I8Packed ${g(p.peaks.dot4)} GOPS, f32 FMA ${g(p.peaks.f32)} / vec4 ${g(p.peaks.f32vec4)} GFLOPS, vec4<i32> multiply-add ${g(p.peaks.i32vec4)} GOPS`;
}

/** Without a terminal (no progress bar), a line every PROGRESS_EVERY_MS at most, so long runs show life. */
const PROGRESS_EVERY_MS = 30_000;
export function quietProgress(label: string, total: number, log: (line: string) => void): (done: number) => void {
  if (process.stderr.isTTY) return () => {};
  let last = Date.now();
  return (done) => {
    if (Date.now() - last < PROGRESS_EVERY_MS || done === total) return;
    last = Date.now();
    log(`  ${label}: ${done}/${total} runs`);
  };
}
