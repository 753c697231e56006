// `webgpu-int8 bench`: the headless benchmark (bench/driver/run.ts) from the command line. The
// bench is a TypeScript tool of the repository checkout (it serves bench/ and the library's
// sources with Vite and drives Chromium through playwright-core, all dev dependencies), so the
// driver is loaded through tsx only when the command runs; the installed package has no bench/
// and says so in one line.
import type { CAC } from 'cac';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';
import { importOptional } from '../optional-import.ts';
import { BENCH_MODELS, ENGINES, type BenchDriver, type BenchModelId, type EngineId } from './bench-contract.ts';
import { CONV_VARIANTS } from '../kernels/conv-variants.ts';
import { countFrom } from './options.ts';

/** A comma-separated option checked against the values it may take. */
function listFrom<T extends string>(value: unknown, allowed: readonly T[], flag: string): T[] {
  const items = String(value).split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
  if (bad.length || items.length === 0) throw new InputError(`${flag} takes a comma-separated list of ${allowed.join(', ')}; got "${String(value)}"`);
  return items as T[];
}

function variantFrom(value: unknown): string {
  const allowed = ['auto', ...CONV_VARIANTS];
  if (!allowed.includes(String(value))) throw new InputError(`--variant takes one of ${allowed.join(', ')}; got "${String(value)}"`);
  return String(value);
}

function warmupFrom(value: unknown): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`--warmup must be a non-negative integer, got "${String(value)}"`);
  return n;
}

const DRIVER = new URL('../../bench/driver/cli-entry.ts', import.meta.url);

async function loadDriver(): Promise<BenchDriver> {
  if (!existsSync(fileURLToPath(DRIVER))) {
    throw new InputError('bench runs from a checkout of the webgpu-int8 repository (npm ci there, then npm run bench); the installed package has no bench/');
  }
  await importOptional(() => import('playwright-core'), 'playwright-core', 'bench (headless Chromium)');
  const { tsImport } = await importOptional(() => import('tsx/esm/api'), 'tsx', 'bench (its TypeScript driver)');
  return ((await tsImport(DRIVER.href, import.meta.url)) as { driver: BenchDriver }).driver;
}

export function registerBench(cli: CAC): void {
  cli
    .command('bench', 'Benchmark in headless Chromium: our int8 and fp32 GPU sessions, TF.js WebGPU and onnxruntime-web (WebGPU, WASM) on the same adapter; latency, first run, GPU time, GOPS, memory, correctness against the float reference, the adapter\'s peak rates. Writes JSON, markdown and SVG to the output folder')
    .option('--browser-path <path>', 'Chromium executable (default: $CHROMIUM_PATH or /usr/lib/chromium/chromium)')
    .option('--flags <flags>', 'Extra Chromium flags, comma-separated (e.g. --flags=--use-angle=vulkan); --enable-unsafe-webgpu is always on')
    .option('--runs <n>', 'Timed runs per model × engine', { default: 20 })
    .option('--warmup <n>', 'Untimed runs after the first run', { default: 3 })
    .option('--models <list>', `Comma-separated: ${BENCH_MODELS.join(', ')}`, { default: BENCH_MODELS.join(',') })
    .option('--engines <list>', `Comma-separated: ${ENGINES.join(', ')}`, { default: ENGINES.join(',') })
    .option('--variant <v>', 'Force our int8 conv variant (SessionOptions.convVariant: auto, reference, dp4a, f32); default: the session\'s autotune')
    .option('--budget <seconds>', 'Stop the timed runs of a model × engine after this many seconds (at least 3 runs are kept; latencyMs.runs says how many ran)')
    .option('-o, --out <dir>', 'Output folder (default: bench/results in the package)')
    .action(async (o: Record<string, unknown>) => {
      const { runBench, DEFAULT_BROWSER } = await loadDriver();
      await runBench({
        browserPath: o.browserPath ? String(o.browserPath) : DEFAULT_BROWSER,
        flags: o.flags ? String(o.flags).split(',').map((s) => s.trim()).filter(Boolean) : [],
        runs: countFrom(o.runs, '--runs')!,
        warmup: warmupFrom(o.warmup),
        models: listFrom<BenchModelId>(o.models, BENCH_MODELS, '--models'),
        engines: listFrom<EngineId>(o.engines, ENGINES, '--engines'),
        ...(o.variant ? { variant: variantFrom(o.variant) } : {}),
        ...(o.budget !== undefined ? { budgetSeconds: countFrom(o.budget, '--budget')! } : {}),
        outDir: o.out ? path.resolve(String(o.out)) : fileURLToPath(new URL('../../bench/results', import.meta.url)),
      });
    });
}
