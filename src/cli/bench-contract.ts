// What `webgpu-int8 bench` (src/cli/bench.ts) and the bench driver (bench/driver/, a TypeScript
// tool of the repository checkout, loaded through tsx when the command runs) agree on: the model
// and engine ids the CLI lists in its help, and the driver's options. Kept in src/ so the
// compiled CLI needs nothing from bench/ until the command runs.
export const BENCH_MODELS = ['fashion_mnist_cnn', 'mobilenet_v2_mid', 'blazeface-front', 'ppocr-v4-det', 'text-encoder', 'isnet'] as const;
export type BenchModelId = (typeof BENCH_MODELS)[number];
/**
 * What `--models` runs by default: every model but ISNet at 256², whose 10 G multiply-accumulates
 * take about a minute a run for each engine on SwiftShader (`--models isnet` runs it, within its
 * own caps: bench/driver/models.ts LIMITS).
 */
export const DEFAULT_BENCH_MODELS: readonly BenchModelId[] = BENCH_MODELS.filter((m) => m !== 'isnet');

/** Our int8 GPU session, our fp32 GPU session, and the peers on the same page's adapter. */
export const ENGINES = ['int8', 'fp32', 'tfjs-webgpu', 'ort-webgpu', 'ort-wasm'] as const;
/**
 * `bench --node`: our two sessions on Dawn, and onnxruntime-node with its WebGPU execution
 * provider (`ort-webgpu`: the same C++ EP that onnxruntime-web compiles to wasm, here native, on
 * its own Dawn) and its CPU one (`ort-cpu`).
 */
export const NODE_ENGINES = ['int8', 'fp32', 'ort-webgpu', 'ort-cpu'] as const;
export type EngineId = (typeof ENGINES)[number] | (typeof NODE_ENGINES)[number];

export interface BenchOptions {
  /** Chromium's executable (the browser bench only). */
  browserPath: string;
  /** Extra Chromium flags. */
  flags: string[];
  runs: number;
  warmup: number;
  models: BenchModelId[];
  engines: EngineId[];
  variant?: string;
  /** Seconds of timed runs per model × engine after which the remaining runs are dropped (≥ 3 kept). */
  budgetSeconds?: number;
  /** `bench --node`: the Dawn adapter whose name contains this (Dawn's `adapter=` flag); default: Dawn's choice. */
  adapter?: string;
  /** Where the reports go; null writes none (the report is still returned). */
  outDir: string | null;
  log?: (line: string) => void;
}

/** bench/driver/cli-entry.ts's export. */
export interface BenchDriver {
  runBench(options: BenchOptions): Promise<unknown>;
  /** The same bench in node on Dawn (bench/node/run.ts); browserPath and flags are not used. */
  runNodeBench(options: BenchOptions): Promise<unknown>;
  DEFAULT_BROWSER: string;
}
