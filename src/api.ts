// The high-level API: quantize a float graph on calibration samples, and run it on the GPU.

import { Calibrator } from './calibrate/calibrator.ts';
import type { ObserverMethod, ObserverOptions } from './calibrate/observers/index.ts';
import type { GpuContext } from './gpu/device.ts';
import { Session } from './gpu/session.ts';
import type { Graph } from './ir/graph.ts';
import type { Tensor } from './ir/tensor.ts';
import type { ConvVariantOption } from './kernels/conv-variants.ts';
import { dynamicMathFor } from './kernels/float/dynamic.ts';
import type { Int8Path } from './kernels/shaders.ts';
import { fixInputs, fixInputShapes, type FixedInput } from './passes/fix-inputs.ts';
import { optimize } from './passes/pipeline.ts';
import { planFloatProgram } from './plan/float-plan.ts';
import type { QuantizedModel } from './quant/program.ts';
import { quantizeGraph } from './quant/quantize-graph.ts';
import { dynamicProducts, quantizeDynamic as quantizeDynamicGraph, type DynamicOptions, type DynamicReport } from './quant/quantize-dynamic.ts';
import { heldAside, int8Source, quantizeWithTools, type AccuracyOptions, type ToolReport } from './quant/accuracy-tools.ts';
import { CalibrationError } from './errors.ts';
import type { QdqImport } from './import/onnx-qdq.ts';

export interface QuantizeOptions extends ObserverOptions, AccuracyOptions {
  /** Calibration samples: one feed (input name → float tensor) per sample. */
  calibration: readonly Record<string, Tensor>[];
  method?: ObserverMethod;
  perTensorWeights?: boolean;
  symmetricActivations?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** What equalization, bias correction and a target search did (pairs, corrected layers, sensitivity, layers kept in float). */
  onToolReport?: (report: ToolReport) => void;
  /** Graph inputs fixed to a value (e.g. silero VAD's sr: 16000): constants from here on, so an If on one folds away. */
  fixedInputs?: Readonly<Record<string, FixedInput>>;
  /** Graph inputs' symbolic dims bound to numbers (e.g. x: [1, 3, 160, 448]): static shapes from here on. */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /**
   * MatMul / Gemm nodes of the fused graph (as `inspect --nhwc` names them) quantized dynamically
   * instead (int8 weights per output column, activations quantized at run time from their own
   * range, D1–D5), the rest static: one program, the dynamic products as float steps.
   */
  dynamic?: readonly string[];
}

/** The graph with the caller's fixed inputs and input shapes applied, then the passes (NHWC). */
function prepared(graph: Graph, options: { fixedInputs?: Readonly<Record<string, FixedInput>>; inputShapes?: Readonly<Record<string, readonly number[]>> }): Graph {
  return optimize(fixInputShapes(fixInputs(graph, options.fixedInputs ?? {}), options.inputShapes ?? {}), { layout: 'NHWC' });
}

/**
 * Float graph (as imported) → int8 program: passes (BN folding, fusion, NHWC), calibration on
 * the samples (yielding to the event loop between samples, so a page stays responsive), and
 * quantization.
 */
export async function quantize(graph: Graph, options: QuantizeOptions): Promise<QuantizedModel> {
  const source = int8Source(dynamicProducts(prepared(graph, options), options.dynamic), options);
  const method = options.method ?? 'entropy';
  if (options.calibration.length === 0) throw new CalibrationError('quantize() needs at least one calibration sample');
  const calibrator = new Calibrator(source.graph, method, options);
  // With a target cosine, every 4th sample is held aside to measure it and does not calibrate.
  const split = heldAside(options.calibration.length, options);
  const samples = split.calibrate.map((i) => options.calibration[i]!);
  const total = samples.length;
  for (const [i, sample] of samples.entries()) {
    calibrator.addSample(sample);
    options.onProgress?.(i + 1, total);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const { model, report } = quantizeWithTools(source, calibrator.ranges(), {
    ...options,
    method,
    samples: total,
    perTensorWeights: options.perTensorWeights ?? false,
    symmetricActivations: options.symmetricActivations ?? false,
  }, total, (i) => samples[i]!, split.held.map((i) => options.calibration[i]!));
  options.onToolReport?.(report);
  return model;
}

/**
 * Dynamic quantization as a program (a .q8), no calibration data: every MatMul / Gemm of
 * constant weights dynamic as quantizeDynamic makes it, every other node a float step. The same
 * arithmetic as createFloatSession on quantizeDynamic's graph, through Session.create.
 */
export function quantizeDynamicProgram(graph: Graph, options: DynamicOptions & Pick<QuantizeOptions, 'fixedInputs' | 'inputShapes'> = {}): QuantizedModel {
  const dynamic = quantizeDynamicGraph(prepared(graph, options), options).graph;
  return quantizeGraph(dynamic, new Map(), { method: 'dynamic', keepFloat: dynamic.nodes.map((n) => n.name) });
}

/**
 * An ONNX QDQ model (importOnnxQdq()) → int8 program with no calibration: the passes, then the
 * model's own scales, zero points, int8 weights and int32 biases (docs/quantization.md, "QDQ import").
 */
export function quantizeQdq(imported: QdqImport): QuantizedModel {
  if (!imported.given) throw new CalibrationError('the model has no QuantizeLinear/DequantizeLinear nodes: quantize() it on calibration samples');
  return quantizeGraph(optimize(imported.graph, { layout: 'NHWC' }), new Map(), { method: 'qdq', given: imported.given });
}

export interface CreateSessionOptions {
  /** From requestGpuDevice(navigator.gpu) in a page, or nodeGpuDevice() (webgpu-int8/node) in node. */
  gpu: GpuContext;
  batch?: number;
  int8Path?: Int8Path;
  /**
   * int8 conv kernel variant: 'auto' (default, timed per adapter) or one forced
   * (SessionOptions.convVariant); in createFloatSession, the dynamic products' arithmetic (dynamicMathFor).
   */
  convVariant?: ConvVariantOption;
  /** Inputs' symbolic dims bound to numbers at session creation (a program exported with dynamic height and width). */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
}

export function createSession(model: QuantizedModel, options: CreateSessionOptions): Promise<Session> {
  return Session.create(model, options);
}

/**
 * The fp32 baseline of the same graph on the GPU, through the same scheduler and runtime. A graph
 * whose inputs keep symbolic dims past the batch (once `inputShapes` is applied), e.g. a text
 * encoder's [batch, sequence], gives a dynamic session: planned per input shape at run time, every
 * symbolic dim (the batch too) taken from the feeds, the last PLAN_CACHE_SIZE plans kept.
 */
export async function createFloatSession(
  graph: Graph,
  options: Omit<CreateSessionOptions, 'int8Path'> & Pick<QuantizeOptions, 'fixedInputs'>,
): Promise<Session> {
  const bound = fixInputShapes(fixInputs(graph, options.fixedInputs ?? {}), options.inputShapes ?? {});
  const plan = { dynamicMath: dynamicMathFor(options.gpu, options.convVariant) };
  if (bound.inputs.some((i) => i.shape.some((d, k) => k > 0 && typeof d === 'string'))) {
    return Session.dynamic(bound, (shapes) => planFloatProgram(prepared(bound, { inputShapes: shapes }), 1, plan), options);
  }
  const nhwc = prepared(bound, {});
  return Session.fromPlan(nhwc, planFloatProgram(nhwc, options.batch ?? 1, plan), options);
}

/**
 * Dynamic quantization (docs/quantization.md D1–D6), no calibration data: the graph's passes,
 * then every MatMul / Gemm of constant weights as MatMulDynamicInt8 (int8 per output column,
 * activations quantized on the GPU at run time). Run it with createFloatSession or runFloat;
 * exportDynamicOnnx writes onnxruntime's form of the same nodes.
 */
export function quantizeDynamic(graph: Graph, options: DynamicOptions = {}): { graph: Graph; report: DynamicReport } {
  return quantizeDynamicGraph(optimize(graph), options);
}
