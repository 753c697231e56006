// One model × engine on the page (or in a node worker, bench/node/worker.ts): its library loaded (untimed), create (timed), a first inference (timed: lazy engines compile
// their shaders here), warm-ups, timed runs, then one GPU-time measurement apart from the timed
// runs (profiling changes how work is submitted). A throw at any stage becomes the result.
import { MIN_BUDGET_RUNS, type EngineFailed, type EngineRequest, type EngineResult } from './protocol.ts';
import { fetchBytes, inputOf, type Engine, type Outputs, type Runner } from './engines/runner.ts';

export type Progress = (done: number, total: number) => void;

const plain = (out: Outputs) => Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { shape: v.shape, data: Array.from(v.data) }]));

function failed(request: EngineRequest, stage: string, e: unknown): EngineFailed {
  const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return { ok: false, engine: request.engine, stage, error };
}

/** `read` fetches a model file: over HTTP on the page (its URL), from disk in node (its path). */
export async function measure(request: EngineRequest, engine: Engine, progress: Progress, read: (url: string) => Promise<Uint8Array> = fetchBytes): Promise<EngineResult> {
  let stage = 'load';
  let runner: Runner | undefined;
  try {
    const input = await Promise.all(request.model.inputs.map(async (asset) => inputOf(asset, await read(asset.url))));
    const total = 1 + request.warmup + request.runs;
    await engine.load(request);
    stage = 'create';
    const t0 = performance.now();
    runner = await engine.create(request);
    const t1 = performance.now();
    stage = 'run';
    let last = await runner.run(input);
    const t2 = performance.now();
    progress(1, total);
    for (let i = 0; i < request.warmup; i++) {
      await runner.run(input);
      progress(2 + i, total);
    }
    const runsMs: number[] = [];
    const timedStart = performance.now();
    for (let i = 0; i < request.runs; i++) {
      if (request.budgetMs !== undefined && i >= MIN_BUDGET_RUNS && performance.now() - timedStart > request.budgetMs) break;
      const start = performance.now();
      last = await runner.run(input);
      runsMs.push(performance.now() - start);
      progress(1 + request.warmup + 1 + i, total);
    }
    stage = 'profile';
    const gpu = await runner.gpuTime(input).catch((e: unknown) => ({ ms: null, source: `failed: ${String(e)}` }));
    return {
      ok: true,
      engine: request.engine,
      createMs: t1 - t0,
      firstRunMs: t2 - t0,
      firstInferenceMs: t2 - t1,
      runsMs,
      gpu,
      memory: runner.memory(),
      outputs: plain(last),
      info: runner.info(),
      warnings: runner.warnings,
    };
  } catch (e) {
    return failed(request, stage, e);
  } finally {
    await runner?.dispose().catch(() => undefined);
  }
}
