// int8 vs fp32 on a labelled (or unlabelled) image set: accuracy, top-1 agreement, and per
// quantized tensor the SQNR and cosine similarity of the dequantized int8 values to the float ones.

import type { Graph } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { argmax, type ImageSet } from '../data/dataset.ts';
import type { QuantizedModel } from '../quant/program.ts';
import { dequantizeValue } from '../quant/qparams.ts';
import { runFloat } from '../ref/float/run.ts';
import { runInt8 } from '../ref/int8/run.ts';

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
}

export interface EvaluateOptions {
  /** The float graph the program was quantized from (optimize(graph, { layout: 'NHWC' })); without it, only int8 accuracy. */
  floatGraph?: Graph;
  count?: number;
  onProgress?: (done: number, total: number) => void;
}

interface Accumulator {
  signal: number;
  noise: number;
  dot: number;
  int8Energy: number;
}

export function evaluate(model: QuantizedModel, images: ImageSet, options: EvaluateOptions = {}): EvalReport {
  const count = Math.min(options.count ?? images.count, images.count);
  const input = model.inputs[0]!.name;
  const output = model.outputs[0]!.name;
  const layers = new Map<string, Accumulator>();
  let fp32Correct = 0;
  let int8Correct = 0;
  let agree = 0;
  for (let i = 0; i < count; i++) {
    const feed = { [input]: images.input(i) };
    const floats = new Map<string, Tensor>();
    const floatOut = options.floatGraph ? runFloat(options.floatGraph, feed, { observe: (name, t) => floats.set(name, t) })[output] : undefined;
    const int8Out = runInt8(model, feed, {
      observe: (name, t) => {
        const info = model.tensors.get(name);
        const reference = info?.dtype === 'int8' ? floats.get(info.source) : undefined;
        if (info?.dtype === 'int8' && reference) accumulate(layers, info.source, reference, t, info.qparams);
      },
    })[output]!;
    const predicted = argmax(int8Out.data);
    const label = images.labels?.[i];
    if (label !== undefined && predicted === label) int8Correct++;
    if (floatOut) {
      const floatPredicted = argmax(floatOut.data);
      if (floatPredicted === predicted) agree++;
      if (label !== undefined && floatPredicted === label) fp32Correct++;
    }
    options.onProgress?.(i + 1, count);
  }
  const hasLabels = images.labels !== undefined;
  const hasFloat = options.floatGraph !== undefined;
  return {
    images: count,
    fp32_accuracy: hasLabels && hasFloat ? fp32Correct / count : null,
    int8_accuracy: hasLabels ? int8Correct / count : null,
    top1_agreement: hasFloat ? agree / count : null,
    per_layer: [...layers].map(([name, a]) => ({
      name,
      sqnr_db: a.noise === 0 ? Infinity : 10 * Math.log10(a.signal / a.noise),
      cosine: a.signal === 0 || a.int8Energy === 0 ? (a.signal === a.int8Energy ? 1 : 0) : a.dot / Math.sqrt(a.signal * a.int8Energy),
    })),
    float_ops: model.steps.flatMap((s) => (s.op === 'float' ? [`${s.node.op} (${s.name})`] : [])),
  };
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
