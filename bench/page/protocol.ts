// What the node driver (bench/driver/) asks the bench page for, and what the page answers.
// Everything crosses page.evaluate() as JSON: outputs as plain number arrays.

export { ENGINES, type EngineId } from '../../src/cli/bench-contract.ts';
import type { EngineId } from '../../src/cli/bench-contract.ts';

/** One model input: its file holds the raw little-endian values (float32, or int64 for token ids and masks). */
export interface InputAsset {
  name: string;
  dtype: 'float32' | 'int64';
  shape: number[];
  url: string;
}

/** URLs of one model's files as the bench server serves them (bench/driver/server.ts). */
export interface ModelAssets {
  id: string;
  /** Our int8 program (static models: calibrated, `.q8`). */
  q8?: string;
  /**
   * Dynamic models: onnxruntime's dynamic-quantization ONNX file (DynamicQuantizeLinear +
   * MatMulInteger / ConvInteger). Our int8 engine imports it (the passes fuse each chain into a
   * MatMulDynamicInt8 / ConvDynamicInt8 node) and runs it on the fp32 plan; the onnxruntime
   * engines run it as their `(dynamic)` rows.
   */
  dynamicOnnx?: string;
  /** The float model our fp32 path imports: the ONNX file, or the TF.js model.json (shards beside it). */
  float: { kind: 'onnx' | 'tfjs'; url: string };
  /** Float ONNX for onnxruntime-web (the model's own, or written from our imported graph). */
  onnx: string;
  /** The TF.js graph model, for TF.js (absent for ONNX-only models). */
  tfjs?: string;
  /** Every input, fed by name. */
  inputs: InputAsset[];
  /** Output names, in the model's order (every engine is asked for these). */
  outputs: string[];
}

/** Which ONNX file an onnxruntime engine runs: the float one, or (dynamic models) the dynamic one. */
export type OnnxVariant = 'float' | 'dynamic';

export interface EngineRequest {
  engine: EngineId;
  model: ModelAssets;
  warmup: number;
  runs: number;
  /** Force our conv kernel variant (passed to the session; see bench/README.md). */
  variant?: string;
  /** Stop the timed runs once they have taken this long (after at least MIN_BUDGET_RUNS); none by default. */
  budgetMs?: number;
  /** The onnxruntime engines: which ONNX file (default 'float'; 'dynamic' needs model.dynamicOnnx). */
  onnx?: OnnxVariant;
}

/** Timed runs kept however tight the budget. */
export const MIN_BUDGET_RUNS = 3;

export interface KernelRow {
  label: string;
  shader: string;
  ms: number;
}

export interface GpuTime {
  /** GPU time of one inference, from timestamp queries; null when the engine gives none. */
  ms: number | null;
  /** Where the figure comes from, or why there is none. */
  source: string;
  kernels?: KernelRow[];
}

export interface MemoryFigure {
  /** Weights (and other constants) held on the device, bytes. */
  weightBytes: number | null;
  /** Activation memory held on the device, bytes. */
  activationBytes: number | null;
  totalBytes: number | null;
  source: string;
}

export interface EngineOk {
  ok: true;
  engine: EngineId;
  /** Model files fetched + device, session and pipeline creation, ms (the engine's own code loads untimed before). */
  createMs: number;
  /** createMs + the first inference: what a page waits before its first answer. */
  firstRunMs: number;
  /** The first inference alone (shader compilation happens here for lazy engines). */
  firstInferenceMs: number;
  /** End-to-end latency of each timed run (input upload → output read back), ms. */
  runsMs: number[];
  gpu: GpuTime;
  memory: MemoryFigure;
  /** The last timed run's outputs, by name. */
  outputs: Record<string, { shape: number[]; data: number[] }>;
  /** Engine-specific facts: backend, versions, session info, threads. */
  info: Record<string, unknown>;
  /** Uncaptured WebGPU errors and warnings the engine reported. */
  warnings: string[];
}

export interface EngineFailed {
  ok: false;
  engine: EngineId;
  /** Which phase threw: load, create, run, profile. */
  stage: string;
  error: string;
}

export type EngineResult = EngineOk | EngineFailed;

export interface PeakRate {
  /** Operations per second / 1e9: 8 per dot4I8Packed (4 multiplies, 4 adds), 2 per f32 FMA. */
  gops: number;
  /** Milliseconds of the dispatches at the best workgroup count; the rate is from the fastest. */
  samples: number[];
  /** Work per dispatch: workgroups × 256 threads × iterations × accumulators × ops. */
  opsPerDispatch: number;
  /** The workgroup count that gave the best rate (of 16, 256, 4096). */
  workgroups: number;
  timing: 'timestamp-query' | 'wall-clock';
}

export interface PeakResult {
  adapter: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean };
  dot4I8Packed: boolean;
  /** Features enabled on the device (those the library asks for, when the adapter has them). */
  features: string[];
  /** bench --node: every feature the adapter offers (subgroups, shader-f16, …), as Dawn lists them. */
  adapterFeatures?: string[];
  userAgent: string;
  hardwareConcurrency: number;
  peaks: { dot4: PeakRate | { error: string }; f32: PeakRate; f32vec4: PeakRate; i32vec4: PeakRate };
}
