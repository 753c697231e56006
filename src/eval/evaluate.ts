// int8 vs fp32 on a labelled (or unlabelled) image set: accuracy, top-1 agreement, and per
// quantized tensor the SQNR and cosine similarity of the dequantized int8 values to the float ones.

import type { Graph } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { argmax, type ImageSet } from '../data/dataset.ts';
import type { QuantizedModel } from '../quant/program.ts';
import { stepOutputs } from '../quant/q8-file.ts';
import { dequantizeValue } from '../quant/qparams.ts';
import { runFloat } from '../ref/float/run.ts';
import { runInt8 } from '../ref/int8/run.ts';
import { cosineOf, logitsOf } from './outputs.ts';

export interface LayerError {
  name: string;
  sqnr_db: number;
  cosine: number;
}

export interface EvalReport {
  images: number;
  fp32_accuracy: number | null;
  int8_accuracy: number | null;
  top1_agreement: number | null;
  per_layer: LayerError[];
  /** Ops that run in float inside the int8 program ("fully integral" check). */
  float_ops: string[];
  /**
   * Cosine similarity of the int8 and fp32 logits per image (the input of a final Softmax, else
   * the first output): mean and minimum over the images.
   */
  logit_cosine: { mean: number; min: number } | null;
  /** The task's own comparison of int8 and fp32 outputs (e.g. face boxes), when one is given. */
  task?: TaskReport;
  /** With a reference runner: how many images gave output bytes identical to it, and how many did not. */
  reference_identical?: number;
  reference_different?: number;
}

/** What a model's outputs mean, compared int8 against fp32 (e.g. detections: same boxes?). */
export interface TaskMetric {
  add(int8: Record<string, Tensor>, fp32: Record<string, Tensor>): void;
  report(): TaskReport;
}

export interface TaskReport {
  /** One line per figure, for the CLI. */
  lines: string[];
  [figure: string]: unknown;
}

export interface EvaluateOptions {
  /** The float graph the program was quantized from (optimize(graph, { layout: 'NHWC' })); without it, only int8 accuracy. */
  floatGraph?: Graph;
  task?: TaskMetric;
  count?: number;
  onProgress?: (done: number, total: number) => void;
}

interface Accumulator {
  signal: number;
  noise: number;
  dot: number;
  int8Energy: number;
}

/** Counts correct and agreeing top-1 predictions. */
class Top1 {
  fp32Correct = 0;
  int8Correct = 0;
  agree = 0;

  add(int8Out: Tensor, floatOut: Tensor | undefined, label: number | undefined): void {
    const predicted = argmax(int8Out.data);
    if (label !== undefined && predicted === label) this.int8Correct++;
    if (!floatOut) return;
    const floatPredicted = argmax(floatOut.data);
    if (floatPredicted === predicted) this.agree++;
    if (label !== undefined && floatPredicted === label) this.fp32Correct++;
  }

  report(count: number, hasLabels: boolean, hasFloat: boolean): Pick<EvalReport, 'fp32_accuracy' | 'int8_accuracy' | 'top1_agreement'> {
    return {
      fp32_accuracy: hasLabels && hasFloat ? this.fp32Correct / count : null,
      int8_accuracy: hasLabels ? this.int8Correct / count : null,
      top1_agreement: hasFloat ? this.agree / count : null,
    };
  }
}

/** Per-image cosine of int8 vs fp32 logits. */
class LogitCosine {
  private readonly values: number[] = [];

  add(int8: Tensor | undefined, fp32: Tensor | undefined): void {
    if (int8 && fp32) this.values.push(cosineOf(int8, fp32));
  }

  report(): EvalReport['logit_cosine'] {
    if (this.values.length === 0) return null;
    return { mean: this.values.reduce((x, y) => x + y, 0) / this.values.length, min: Math.min(...this.values) };
  }
}

/** A task metric (detections) replaces the classifier's top-1 figures. */
const NO_TOP1 = { fp32_accuracy: null, int8_accuracy: null, top1_agreement: null } as const;

const floatOps = (model: QuantizedModel) => model.steps.flatMap((s) => (s.op === 'float' ? [`${s.node.op} (${s.name})`] : []));

/** int8 on the CPU reference, with per-layer error against the float graph's tensors. */
export function evaluate(model: QuantizedModel, images: ImageSet, options: EvaluateOptions = {}): EvalReport {
  const count = Math.min(options.count ?? images.count, images.count);
  const input = model.inputs[0]!.name;
  const output = model.outputs[0]!.name;
  const logits = logitsOf(model);
  const layers = new Map<string, Accumulator>();
  const top1 = new Top1();
  const cosine = new LogitCosine();
  for (let i = 0; i < count; i++) {
    const feed = { [input]: images.input(i) };
    const floats = new Map<string, Tensor>();
    const floatOuts = options.floatGraph ? runFloat(options.floatGraph, feed, { observe: (name, t) => floats.set(name, t) }) : undefined;
    let int8Logits: Tensor | undefined;
    const int8Outs = runInt8(model, feed, {
      observe: (name, t) => {
        if (name === logits) int8Logits = t;
        const info = model.tensors.get(name);
        const reference = info?.dtype === 'int8' ? floats.get(info.source) : undefined;
        if (info?.dtype === 'int8' && reference) accumulate(layers, info.source, reference, t, info.qparams);
      },
    });
    top1.add(int8Outs[output]!, floatOuts?.[output], images.labels?.[i]);
    cosine.add(int8Logits ?? int8Outs[logits], floats.get(logits) ?? floatOuts?.[logits]);
    if (floatOuts) options.task?.add(int8Outs, floatOuts);
    options.onProgress?.(i + 1, count);
  }
  return {
    images: count,
    ...(options.task ? NO_TOP1 : top1.report(count, images.labels !== undefined, options.floatGraph !== undefined)),
    logit_cosine: cosine.report(),
    ...(options.task ? { task: options.task.report() } : {}),
    per_layer: [...layers].map(([name, a]) => ({
      name,
      sqnr_db: a.noise === 0 ? Infinity : 10 * Math.log10(a.signal / a.noise),
      cosine: a.signal === 0 || a.int8Energy === 0 ? (a.signal === a.int8Energy ? 1 : 0) : a.dot / Math.sqrt(a.signal * a.int8Energy),
    })),
    float_ops: floatOps(model),
  };
}

/**
/**
 * int8 through any runner (the GPU session): accuracy, agreement, logit cosine and the task's
 * figures from its outputs. The runner returns the model outputs and, when they differ, the
 * logits (logitsOf): give it a program cut with withOutputs(). per_layer is empty here (the CPU
 * evaluation reports it).
 */
export async function evaluateWith(
  run: (feeds: Record<string, Tensor>) => Promise<Record<string, Tensor>>,
  model: QuantizedModel,
  images: ImageSet,
  options: EvaluateOptions & { reference?: (feeds: Record<string, Tensor>) => Record<string, Tensor> } = {},
): Promise<EvalReport> {
  const count = Math.min(options.count ?? images.count, images.count);
  const input = model.inputs[0]!.name;
  const output = model.outputs[0]!.name;
  const logits = logitsOf(model);
  const top1 = new Top1();
  const cosine = new LogitCosine();
  let identical = 0;
  for (let i = 0; i < count; i++) {
    const feed = { [input]: images.input(i) };
    const int8Outs = await run(feed);
    const floats = new Map<string, Tensor>();
    const floatOuts = options.floatGraph ? runFloat(options.floatGraph, feed, { observe: (name, t) => floats.set(name, t) }) : undefined;
    if (options.reference && sameExactOutputs(model, int8Outs, options.reference(feed))) identical++;
    top1.add(int8Outs[output]!, floatOuts?.[output], images.labels?.[i]);
    cosine.add(int8Outs[logits], floats.get(logits) ?? floatOuts?.[logits]);
    if (floatOuts) options.task?.add(int8Outs, floatOuts);
    options.onProgress?.(i + 1, count);
  }
  return {
    images: count,
    ...(options.task ? NO_TOP1 : top1.report(count, images.labels !== undefined, options.floatGraph !== undefined)),
    logit_cosine: cosine.report(),
    ...(options.task ? { task: options.task.report() } : {}),
    per_layer: [],
    float_ops: floatOps(model),
    ...(options.reference ? { reference_identical: identical, reference_different: count - identical } : {}),
  };
}

/**
 * The outputs computed in int8 (dequantize steps, not float ops like a final Softmax, whose exp
 * may differ between a GPU and JS) are byte-identical in both runs. False when there are none.
 */
function sameExactOutputs(model: QuantizedModel, a: Record<string, Tensor>, b: Record<string, Tensor>): boolean {
  const exact = new Set(model.steps.filter((s) => s.op !== 'float').flatMap(stepOutputs));
  const names = Object.keys(a).filter((n) => exact.has(n));
  return names.length > 0 && names.every((n) => b[n] !== undefined && sameBytes(a[n]!, b[n]));
}

function sameBytes(a: Tensor, b: Tensor): boolean {
  const x = new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
  const y = new Uint8Array(b.data.buffer, b.data.byteOffset, b.data.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function accumulate(layers: Map<string, Accumulator>, name: string, reference: Tensor, q: Tensor, qp: { scale: number; zeroPoint: number }): void {
  let a = layers.get(name);
  if (!a) layers.set(name, (a = { signal: 0, noise: 0, dot: 0, int8Energy: 0 }));
  for (let i = 0; i < q.data.length; i++) {
    const f = reference.data[i]!;
    const d = dequantizeValue(q.data[i]!, qp);
    a.signal += f * f;
    a.noise += (f - d) * (f - d);
    a.dot += f * d;
    a.int8Energy += d * d;
  }
}
