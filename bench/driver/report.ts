// The parts of a bench report the browser driver (run.ts) and the node one (bench/node/run.ts)
// build the same way: the one-line summaries, the model rows, the machine and the checkout.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import type { EngineId, PeakResult } from '../page/protocol.ts';
import type { PreparedModel } from './models.ts';
import type { BenchReport, EngineReport, ModelReport } from './schema.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function summary(model: string, r: EngineReport): string {
  if (r.status === 'skipped') return `${model} ${r.engine}: skipped (${r.error?.message})`;
  if (r.status === 'failed') return `${model} ${r.engine}: FAILED at ${r.error?.stage}: ${r.error?.message}`;
  const l = r.latencyMs!;
  const c = r.correctness;
  const check = c ? `${c.verdict} (max rel ${c.maxRel.toExponential(1)})` : 'unchecked';
  return `${model} ${r.engine}: median ${l.median.toFixed(1)} ms (p10 ${l.p10.toFixed(1)}, p90 ${l.p90.toFixed(1)}), first run ${r.firstRunMs!.toFixed(0)} ms, ${check}`;
}

/** Every model through every engine, in order, each report logged as it lands. */
export async function measureModels(
  models: readonly PreparedModel[],
  engines: readonly EngineId[],
  measure: (model: PreparedModel, engine: EngineId) => Promise<EngineReport>,
  log: (line: string) => void,
): Promise<ModelReport[]> {
  const reports: ModelReport[] = [];
  for (const m of models) {
    const rows: EngineReport[] = [];
    for (const engine of engines) {
      const report = await measure(m, engine);
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
    input: { name: m.inputName, shape: m.inputShape, source: m.inputSource },
    outputs: m.outputs,
    macs: m.totalMacs,
    calibration: m.calibration,
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
