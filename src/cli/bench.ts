// `webgpu-int8 bench`: the headless benchmark (bench/driver/run.ts; with --node, bench/node/run.ts)
// from the command line. The bench is a TypeScript tool of the repository checkout (it serves
// bench/ and the library's sources with Vite and drives Chromium through playwright-core, all dev
// dependencies), so the driver is loaded through tsx only when the command runs; the installed
// package has no bench/ and says so in one line. The GPU kit (scripts/gpu-kit.sh) registers this
// same command with its bundled node driver.
import type { CAC } from 'cac';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';
import { importOptional } from '../optional-import.ts';
import { BENCH_MODELS, DEFAULT_BENCH_MODELS, ENGINES, NODE_ENGINES, type BenchDriver, type BenchModelId, type EngineId } from './bench-contract.ts';
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

/** The checkout's driver through tsx (the GPU kit passes its bundled one to registerBench instead). */
async function loadDriver(node: boolean): Promise<BenchDriver> {
  if (!existsSync(fileURLToPath(DRIVER))) {
    throw new InputError('bench runs from a checkout of the webgpu-int8 repository (npm ci there, then npm run bench), or from the GPU kit (scripts/gpu-kit.sh); the installed package has no bench/');
  }
  if (!node) await importOptional(() => import('playwright-core'), 'playwright-core', 'bench (headless Chromium)');
  const { tsImport } = await importOptional(() => import('tsx/esm/api'), 'tsx', 'bench (its TypeScript driver)');
  return ((await tsImport(DRIVER.href, import.meta.url)) as { driver: BenchDriver }).driver;
}

/** The engines --engines may name, and its default: all of them, in Chromium or in node. */
const enginesOf = (node: boolean): readonly EngineId[] => (node ? NODE_ENGINES : ENGINES);

export function registerBench(cli: CAC, driver: (node: boolean) => Promise<BenchDriver> = loadDriver): void {
  cli
    .command('bench', 'Benchmark in headless Chromium (or with --node, in node on Dawn): our int8 and fp32 GPU sessions, TF.js WebGPU and onnxruntime-web (WebGPU, WASM) on the same adapter (--node: onnxruntime-node\'s WebGPU and CPU execution providers); latency, first run, GPU time, GOPS, memory, correctness against the float reference, the adapter\'s peak rates. Writes JSON, markdown and SVG to the output folder')
    .option('--node', 'Run in node on Dawn (npm webgpu) on whatever adapter the machine has, with onnxruntime-node as the peer, instead of in Chromium')
    .option('--adapter <name>', '--node: the Dawn adapter whose name contains this (several GPUs); a name none has lists them')
    .option('--browser-path <path>', 'Chromium executable (default: $CHROMIUM_PATH or /usr/lib/chromium/chromium)')
    .option('--flags <flags>', 'Extra Chromium flags, comma-separated (e.g. --flags=--use-angle=vulkan); --enable-unsafe-webgpu is always on')
    .option('--runs <n>', 'Timed runs per model × engine', { default: 20 })
    .option('--warmup <n>', 'Untimed runs after the first run', { default: 3 })
    .option('--models <list>', `Comma-separated: ${BENCH_MODELS.join(', ')} (default: all but isnet)`, { default: DEFAULT_BENCH_MODELS.join(',') })
    .option('--engines <list>', `Comma-separated: ${ENGINES.join(', ')} (--node: ${NODE_ENGINES.join(', ')}); default: all`)
    .option('--variant <v>', 'Force our int8 conv variant (SessionOptions.convVariant: auto, reference, dp4a, f32, tiled); default: the session\'s autotune')
    .option('--budget <seconds>', 'Stop the timed runs of a model × engine after this many seconds (at least 3 runs are kept; latencyMs.runs says how many ran)')
    .option('-o, --out <dir>', 'Output folder (default: bench/results in the package)')
    .action(async (o: Record<string, unknown>) => {
      const node = o.node === true;
      if (o.adapter !== undefined && !node) throw new InputError('--adapter picks a Dawn adapter: it goes with --node (Chromium picks its own)');
      const engines = enginesOf(node);
      const { runBench, runNodeBench, DEFAULT_BROWSER } = await driver(node);
      await (node ? runNodeBench : runBench)({
        browserPath: o.browserPath ? String(o.browserPath) : DEFAULT_BROWSER,
        flags: o.flags ? String(o.flags).split(',').map((s) => s.trim()).filter(Boolean) : [],
        runs: countFrom(o.runs, '--runs')!,
        warmup: warmupFrom(o.warmup),
        models: listFrom<BenchModelId>(o.models, BENCH_MODELS, '--models'),
        engines: listFrom<EngineId>(o.engines ?? engines.join(','), engines, node ? '--engines (with --node)' : '--engines'),
        ...(o.adapter !== undefined ? { adapter: String(o.adapter) } : {}),
        ...(o.variant ? { variant: variantFrom(o.variant) } : {}),
        ...(o.budget !== undefined ? { budgetSeconds: countFrom(o.budget, '--budget')! } : {}),
        outDir: o.out ? path.resolve(String(o.out)) : fileURLToPath(new URL('../../bench/results', import.meta.url)),
      });
    });
}
