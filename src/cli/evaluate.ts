// `webgpu-int8 eval`: int8 vs fp32 accuracy, agreement and per-layer error on an image set.

import type { ObserverMethod } from '../calibrate/observers/index.ts';
import type { ImageSet } from '../data/dataset.ts';
import type { Graph } from '../ir/graph.ts';
import type { QuantizedModel } from '../quant/program.ts';
import type { PreprocessFlags } from '../data/preprocess.ts';
import { InputError } from '../errors.ts';
import { evaluate, type EvalReport } from '../eval/evaluate.ts';
import { loadFloatModel, loadModel, inputShapeOf } from './model.ts';
import { loadImages } from './options.ts';
import { progressBar } from './progress.ts';
import { calibrateAndQuantize, describeProgram } from './quantize.ts';

export interface EvalFlags extends PreprocessFlags {
  data: string;
  labels?: string;
  calib?: string;
  calibCount: number;
  method: ObserverMethod;
  perTensor: boolean;
  symmetricActivations: boolean;
  float?: string;
  count?: number;
  json: boolean;
}

export function runEval(modelPath: string, flags: EvalFlags): void {
  const loaded = loadModel(modelPath);
  let report: EvalReport;
  if (loaded.kind === 'onnx') {
    if (!flags.calib) throw new InputError('eval of a float .onnx model needs --calib DATA to calibrate on (or pass a .q8)');
    const shape = inputShapeOf(loaded.graph.inputs);
    const calib = loadImages(flags.calib, shape, flags);
    const model = calibrateAndQuantize(loaded, calib, flags);
    if (!flags.json) console.log(describeProgram(model));
    const images = loadImages(flags.data, shape, flags, flags.labels, flags.count);
    report = evaluateWithProgress(model, images, loaded.nhwc);
  } else {
    // A .q8 holds no float weights: --float names the model it came from, for fp32 figures.
    const float = flags.float ? loadFloatModel(flags.float) : undefined;
    const images = loadImages(flags.data, inputShapeOf(loaded.model.inputs), flags, flags.labels, flags.count);
    report = evaluateWithProgress(loaded.model, images, float?.nhwc);
  }
  console.log(flags.json ? JSON.stringify({ method: methodOf(loaded, flags), ...report }) : formatReport(report));
}

const methodOf = (loaded: ReturnType<typeof loadModel>, flags: EvalFlags) =>
  loaded.kind === 'q8' ? loaded.model.calibration.method : flags.method;

function evaluateWithProgress(model: QuantizedModel, images: ImageSet, floatGraph: Graph | undefined): EvalReport {
  const progress = progressBar('evaluating', images.count);
  const report = evaluate(model, images, { ...(floatGraph ? { floatGraph } : {}), onProgress: (done) => progress.tick(done) });
  progress.stop();
  return report;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);

function formatReport(r: EvalReport): string {
  const lines = [
    `images: ${r.images}`,
    `fp32 accuracy:  ${pct(r.fp32_accuracy)}`,
    `int8 accuracy:  ${pct(r.int8_accuracy)}`,
    `top-1 agreement: ${pct(r.top1_agreement)}`,
  ];
  if (r.per_layer.length > 0) {
    lines.push('per quantized tensor (int8 vs fp32):', '  SQNR dB   cosine    tensor');
    for (const l of r.per_layer) lines.push(`  ${l.sqnr_db.toFixed(2).padStart(7)}  ${l.cosine.toFixed(5)}  ${l.name}`);
  }
  lines.push(r.float_ops.length ? `ops left in float: ${r.float_ops.join(', ')}` : 'fully integral: every op runs in int8');
  if (r.int8_accuracy === null) lines.push('(no --labels: no accuracy)');
  if (r.top1_agreement === null) lines.push('(a .q8 without --float MODEL.onnx: no fp32 comparison)');
  return lines.join('\n');
}
