// One page result → its report row: latency statistics, GOPS from the model's MACs, the
// correctness check, and for our engines the per-kernel rows measured against the adapter's peaks.
import type { EngineResult, KernelRow, OnnxVariant, PeakResult } from '../page/protocol.ts';
import { checkOutputs } from './correctness.ts';
import type { Layer } from './macs.ts';
import type { PreparedModel } from './models.ts';
import type { EngineReport, KernelReport, MathKind } from './schema.ts';
import { latencyStats } from './stats.ts';

/** GOPS for `macs` multiply-accumulates in `ms` milliseconds (2 ops per MAC). */
export const gopsOf = (macs: number, ms: number): number => (2 * macs) / (ms * 1e6);

/**
 * The arithmetic a kernel runs, read from its shader id (src/kernels/shaders.ts): the `_f32`
 * conv variants do f32 math on int8 data; the depthwise int8 kernel multiplies lanes as
 * vec4<i32>; other int8 convs use dot4I8Packed (or its i32 emulation on the emulated path). The
 * float products (matmul_f32: MatMul, Gemm, attention) are f32; the dynamic-int8 products
 * (dynq_gemm, dynq_conv) dot4I8Packed, and dynq_gemm_f32 f32 on int8 codes. The dynamic nodes'
 * range, qparams and quantize dispatches do no multiply-accumulates: null.
 */
export function mathOf(shader: string, int8Path: string | undefined): MathKind | null {
  if (shader === 'conv2d_f32' || shader === 'matmul_f32' || shader === 'dynq_gemm_f32' || /^conv2d_int8.*_f32$/.test(shader)) return 'f32';
  if (shader === 'dynq_gemm' || shader === 'dynq_conv') return int8Path === 'emulated' ? 'emulated' : 'dp4a';
  if (!shader.startsWith('conv2d_int8')) return null;
  if (int8Path === 'emulated') return 'emulated';
  return shader.startsWith('conv2d_int8_dw') ? 'i32' : 'dp4a';
}

/** The adapter's peak GOPS for each kind of arithmetic (the better of scalar and vec4 for f32). */
export function peakTable(peaks: PeakResult['peaks']): Record<MathKind, number | null> {
  return {
    dp4a: 'gops' in peaks.dot4 ? peaks.dot4.gops : null,
    f32: Math.max(peaks.f32.gops, peaks.f32vec4.gops),
    i32: peaks.i32vec4.gops,
    emulated: null,
  };
}

/** A kernel label is its step's (node's) name; a step planned as several kernels suffixes it. */
function layerOf(label: string, layers: Map<string, Layer>): Layer | null {
  if (layers.has(label)) return layers.get(label)!;
  for (let cut = label.lastIndexOf('/'); cut > 0; cut = label.lastIndexOf('/', cut - 1)) {
    if (layers.has(label.slice(0, cut))) return layers.get(label.slice(0, cut))!;
  }
  return null;
}

function kernelRows(rows: KernelRow[], model: PreparedModel, peaks: Record<MathKind, number | null>, int8Path: string | undefined): KernelReport[] {
  return rows.map((k) => {
    const math = mathOf(k.shader, int8Path);
    const layer = math ? layerOf(k.label, model.layers) : null;
    const macs = layer?.macs ?? null;
    const gops = macs !== null && k.ms > 0 ? gopsOf(macs, k.ms) : null;
    const peak = math ? peaks[math] : null;
    return { ...k, layer: layer?.kind ?? null, macs, gops, math, peakFraction: gops !== null && peak ? gops / peak : null };
  });
}

/** What `kernels` would take at the peaks of their arithmetic, ms (NaN if a peak is unknown). */
function idealMs(kernels: KernelReport[], peaks: Record<MathKind, number | null>): number {
  return kernels.reduce((s, k) => s + (peaks[k.math!] ? (2 * k.macs!) / (peaks[k.math!]! * 1e6) : NaN), 0);
}

function wholeModel(kernels: KernelReport[], peaks: Record<MathKind, number | null>, totalGpuMs: number): EngineReport['peakFraction'] {
  const conv = kernels.filter((k) => k.macs !== null && k.math !== null);
  const byMath: NonNullable<EngineReport['peakFraction']>['byMath'] = {};
  for (const math of new Set(conv.map((k) => k.math!))) {
    const ks = conv.filter((k) => k.math === math);
    const ms = ks.reduce((s, k) => s + k.ms, 0);
    const gops = gopsOf(ks.reduce((s, k) => s + k.macs!, 0), ms);
    byMath[math] = { ms, gops, ofPeak: peaks[math] ? gops / peaks[math]! : null };
  }
  const byLayer: NonNullable<EngineReport['peakFraction']>['byLayer'] = {};
  for (const kind of new Set(conv.map((k) => k.layer!))) {
    const ks = conv.filter((k) => k.layer === kind);
    const ms = ks.reduce((s, k) => s + k.ms, 0);
    byLayer[kind] = { kernels: ks.length, ms, gops: gopsOf(ks.reduce((s, k) => s + k.macs!, 0), ms), ofPeak: idealMs(ks, peaks) / ms };
  }
  const convGpuMs = conv.reduce((s, k) => s + k.ms, 0);
  // Time-weighted: the ideal time of each kernel at its own peak, over the time it took.
  const ideal = idealMs(conv, peaks);
  const known = Number.isFinite(ideal) && convGpuMs > 0;
  return {
    convGpuMs,
    convGops: gopsOf(conv.reduce((s, k) => s + k.macs!, 0), convGpuMs),
    ofPeak: known ? ideal / convGpuMs : null,
    ofPeakWholeGpu: known && totalGpuMs > 0 ? ideal / totalGpuMs : null,
    byMath,
    byLayer,
  };
}

/** `onnx`: the ONNX file an onnxruntime row ran (its reference on a dynamic model: correctness.ts). */
export function analyze(model: PreparedModel, result: EngineResult, peaks: PeakResult['peaks'], onnx?: OnnxVariant): EngineReport {
  if (!result.ok) return { engine: result.engine, status: 'failed', error: { stage: result.stage, message: result.error } };
  const latencyMs = latencyStats(result.runsMs);
  const report: EngineReport = {
    engine: result.engine,
    status: 'ok',
    latencyMs,
    runsMs: result.runsMs,
    createMs: result.createMs,
    firstRunMs: result.firstRunMs,
    firstInferenceMs: result.firstInferenceMs,
    gpu: { ms: result.gpu.ms, source: result.gpu.source },
    gops: { e2e: gopsOf(model.totalMacs, latencyMs.median), gpu: result.gpu.ms ? gopsOf(model.totalMacs, result.gpu.ms) : null },
    memory: result.memory,
    info: result.info,
    warnings: result.warnings,
  };
  try {
    report.correctness = checkOutputs(model, result.engine, result.outputs, onnx);
  } catch (e) {
    report.status = 'failed';
    report.error = { stage: 'check', message: (e as Error).message };
  }
  if ((result.engine === 'int8' || result.engine === 'fp32') && result.gpu.kernels) {
    const table = peakTable(peaks);
    const int8Path = (result.info.session as { int8Path?: string } | undefined)?.int8Path;
    report.kernels = kernelRows(result.gpu.kernels, model, table, result.engine === 'int8' ? int8Path : undefined);
    report.peakFraction = wholeModel(report.kernels, table, result.gpu.ms ?? 0);
  }
  return report;
}
