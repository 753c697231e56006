// The bench's JSON output (bench/results/bench-<date>.json and latest.json), documented field by
// field in bench/README.md. Bump SCHEMA when a field changes meaning.
import type { EngineId, GpuTime, MemoryFigure, OnnxVariant, PeakRate } from '../page/protocol.ts';
import type { LayerKind } from './macs.ts';

export const SCHEMA = 'webgpu-int8-bench/1';

/** Which peak a kernel's arithmetic is measured against. */
export type MathKind = 'dp4a' | 'f32' | 'i32' | 'emulated';

export interface LatencyStats {
  runs: number;
  median: number;
  p10: number;
  p90: number;
  mean: number;
  min: number;
  max: number;
}

export interface Correctness {
  /** Over every output element, against the CPU float reference. */
  maxAbs: number;
  /** maxAbs / the largest |reference| value of the same output (the worst output). */
  maxRel: number;
  meanAbs: number;
  /** Classifiers: the top-1 class of the first output. */
  top1?: { reference: number; engine: number; agrees: boolean };
  /** Face detectors: faces decoded from the outputs (score > 0.75, NMS), matched at IoU ≥ 0.5. */
  faces?: { reference: number; engine: number; matched: number; minIoU: number | null };
  /** Text detectors: IoU of the probability maps thresholded at 0.3, and the pixels either marks. */
  textMap?: { iou: number; pixels: number };
  /** Matting (ISNet): the matte output's mean and max |engine − reference|, the IoU of the two thresholded at 0.5, and the pixels either marks. */
  matte?: { mae: number; max: number; iou: number; pixels: number };
  /**
   * Dynamic models: which CPU float reference the row is checked against: 'float' (the float
   * graph: fp32 and onnxruntime's float rows) or 'dynamic' (our dynamic-int8 graph: int8 and
   * onnxruntime's (dynamic) rows). Absent on the other models (the float reference).
   */
  against?: 'float' | 'dynamic';
  /**
   * 'agrees': same top-1 / same faces / text maps at IoU ≥ 0.85 / mattes at MAE ≤ 0.01 and IoU ≥
   * 0.98, and (float engines against the float reference) maxRel ≤ 1e-3; else 'deviates'.
   */
  verdict: 'agrees' | 'deviates';
}

export interface KernelReport {
  label: string;
  shader: string;
  ms: number;
  /** The graph layer the kernel computes: pointwise (1×1), depthwise, other conv, gemm; null for other ops. */
  layer: LayerKind | null;
  macs: number | null;
  /** 2·MACs / GPU time. */
  gops: number | null;
  math: MathKind | null;
  /** gops / the adapter's peak for `math`. */
  peakFraction: number | null;
}

export interface EngineReport {
  engine: EngineId;
  /** onnxruntime on a dynamic model: which of the model's ONNX files the row ran (two rows, 'dynamic' and 'float'). */
  onnx?: OnnxVariant;
  /** 'skipped': the engine cannot run this model (error.message says why). */
  status: 'ok' | 'failed' | 'skipped';
  /** Set unless status is 'ok': the stage that threw (or 'plan' when skipped) and the message. */
  error?: { stage: string; message: string };
  latencyMs?: LatencyStats;
  runsMs?: number[];
  createMs?: number;
  firstRunMs?: number;
  firstInferenceMs?: number;
  gpu?: GpuTime;
  /** 2·MACs / median latency (e2e) and / GPU time (gpu). */
  gops?: { e2e: number; gpu: number | null };
  memory?: MemoryFigure;
  correctness?: Correctness;
  /** Our engines: GPU time per dispatch with MACs, GOPS and the fraction of its variant's peak. */
  kernels?: KernelReport[];
  /**
   * Our engines, against the adapter's peaks: the time every conv/gemm kernel would take at the
   * peak of its own arithmetic, over the time the conv/gemm kernels took (ofPeak) and over the
   * whole model's GPU time, every dispatch included (ofPeakWholeGpu); and per kind of arithmetic.
   */
  peakFraction?: {
    convGpuMs: number;
    convGops: number;
    ofPeak: number | null;
    ofPeakWholeGpu: number | null;
    byMath: Partial<Record<MathKind, { ms: number; gops: number; ofPeak: number | null }>>;
    /** The same by layer kind (ofPeak: time at each kernel's own peak / time taken; NaN-free only when every peak is known). */
    byLayer: Partial<Record<LayerKind, { kernels: number; ms: number; gops: number; ofPeak: number | null }>>;
  };
  info?: Record<string, unknown>;
  warnings?: string[];
}

export interface ModelReport {
  id: string;
  title: string;
  task: 'classifier' | 'face-detector' | 'text-detector' | 'matte';
  /** The first input (and where the inputs come from). */
  input: { name: string; shape: number[]; source: string };
  /** Every input with its dtype, when there are several or one is not float32 (the text encoder's int64 ids and mask). */
  inputs?: { name: string; dtype: 'float32' | 'int64'; shape: number[] }[];
  outputs: string[];
  /** Conv + Gemm/MatMul multiply-accumulates of one inference. */
  macs: number;
  calibration: { method: string; samples: number; source: string };
  /** The model's own caps on runs and warm-ups, and its default budget (seconds), when it has them (ISNet). */
  limits?: { runs?: number; warmup?: number; budgetSeconds?: number };
  engines: EngineReport[];
}

/** A row's engine as the tables name it: `ort-webgpu (dynamic)` for onnxruntime on a dynamic model's dynamic file. */
export const engineLabel = (r: Pick<EngineReport, 'engine' | 'onnx'>): string => (r.onnx === 'dynamic' ? `${r.engine} (dynamic)` : r.engine);

export interface NodeHost {
  /** npm `webgpu` (Dawn's node binding) and onnxruntime-node versions. */
  webgpu: string;
  onnxruntimeNode: string | null;
  /** Flags given to Dawn's create() (`adapter=<name>` when --adapter picked one). */
  dawnFlags: string[];
  /** Dawn's adapters as it lists them ("backend: 'vulkan', name: '…'"), or why they could not be listed. */
  adapters: string[] | { error: string };
  /** Every feature the adapter offers (the device enables only those the library asks for: adapter.features). */
  adapterFeatures: string[];
  /** The Vulkan driver manifests the loader was pointed at (VK_ICD_FILENAMES / VK_DRIVER_FILES), or null. */
  vulkanIcd: string | null;
}

export interface BenchReport {
  schema: typeof SCHEMA;
  date: string;
  /** The checkout that ran: HEAD and the number of tracked files changed from it. */
  git: { commit: string; changedFiles: number } | null;
  machine: { cores: number; cpu: string; platform: string; node: string; loadAverage: { start: number[]; end: number[] } };
  /** The browser bench's Chromium; null for `bench --node` (see `node`). */
  browser: { executable: string; version: string; flags: string[]; userAgent: string } | null;
  /** `bench --node` only: Dawn from npm `webgpu` in node, and onnxruntime-node. */
  node?: NodeHost;
  adapter: { vendor: string; architecture: string; device: string; description: string; isFallbackAdapter: boolean; dot4I8Packed: boolean; features: string[] };
  /** True for a fallback (software) adapter: every figure is CPU emulation, not GPU speed. */
  emulated: boolean;
  options: { runs: number; warmup: number; models: string[]; engines: EngineId[]; variant: string | null; budgetSeconds: number | null; adapter?: string | null };
  /** GOPS (GFLOPS for f32): dot4I8Packed (8 ops each), f32 FMA scalar and vec4, vec4<i32> multiply-add. */
  peaks: { dot4: PeakRate | { error: string }; f32: PeakRate; f32vec4: PeakRate; i32vec4: PeakRate };
  models: ModelReport[];
  durationSeconds: number;
}
