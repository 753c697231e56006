// `webgpu-int8 eval`: int8 vs fp32 accuracy, agreement and per-layer error on an image set.

import type { ObserverMethod } from '../calibrate/observers/index.ts';
import type { ImageSet } from '../data/dataset.ts';
import type { Graph } from '../ir/graph.ts';
import type { QuantizedModel } from '../quant/program.ts';
import type { PreprocessFlags } from '../data/preprocess.ts';
import { InputError } from '../errors.ts';
import { DetectionAgreement } from '../eval/detection.ts';
import { evaluate, evaluateWith, type EvalReport, type EvaluateOptions } from '../eval/evaluate.ts';
import { logitsOf } from '../eval/outputs.ts';
import { detectFaces } from '../models/detect.ts';
import { modelDir } from '../models/paths.ts';
import { withOutputs } from '../quant/truncate.ts';
import { Session } from '../gpu/session.ts';
import type { Tensor } from '../ir/tensor.ts';
import { runInt8 } from '../ref/int8/run.ts';
import { describeDevice, openDevice } from './device.ts';
import { catalogOf, loadFloatModel, loadModel, loadTfjsModel, inputShapeOf } from './model.ts';
import { loadImages, withModelDefaults } from './options.ts';
import { progressBar } from './progress.ts';
import { calibrateAndQuantize, describeProgram, quantizeGiven, type QuantizeFlags } from './quantize.ts';
import { int8Source } from '../quant/accuracy-tools.ts';

export interface EvalFlags extends PreprocessFlags, QuantizeFlags {
  data: string;
  labels?: string;
  calib?: string;
  float?: string;
  count?: number;
  json: boolean;
  device?: string;
  /** On the GPU, also run the CPU int8 reference and count images with identical output bytes. */
  compareCpu?: boolean;
}

export async function runEval(modelPath: string, userFlags: EvalFlags): Promise<void> {
  const loaded = loadModel(modelPath);
  const catalog = loaded.kind === 'q8' ? catalogOf(loaded.model.name) : loaded.catalog;
  const flags = withModelDefaults(userFlags, catalog);
  // First, so a GPU that cannot be had is said before minutes of calibration.
  let device = await openDevice(flags.device);
  let model: QuantizedModel;
  let floatGraph: Graph | undefined;
  if (loaded.kind !== 'q8') {
    if (loaded.given) model = quantizeGiven(loaded, flags.calib, flags.json); // a QDQ model: its own scales
    else {
      if (!flags.calib) throw new InputError('eval of a float .onnx model needs --calib DATA to calibrate on (or pass a .q8)');
      // Equalized, the program approximates the rescaled graph: per-layer errors are measured there.
      const source = int8Source(loaded.nhwc, flags);
      model = calibrateAndQuantize(loaded, loadImages(flags.calib, inputShapeOf(loaded.graph.inputs), flags), flags, source, flags.json);
      floatGraph = source.graph;
    }
    floatGraph ??= loaded.nhwc;
  } else {
    model = loaded.model;
    // A .q8 holds no float weights: --float names the model it came from (a pretrained model's
    // own is found by its name), for fp32 figures.
    floatGraph = flags.float ? loadFloatModel(flags.float).nhwc : catalog ? loadTfjsModel(modelDir(catalog.id)).nhwc : undefined;
  }
  if (!flags.json) console.log(describeProgram(model));
  // The program a runner executes also returns the logits, when a float Softmax follows them.
  const logits = logitsOf(model);
  const runnable = model.outputs.some((o) => o.name === logits) ? model : withOutputs(model, [...model.outputs.map((o) => o.name), logits]);
  const task = catalog?.kind === 'face-detector' ? new DetectionAgreement((outputs) => detectFaces(catalog, outputs).map((f) => f.box)) : undefined;
  const images = loadImages(flags.data, inputShapeOf(model.inputs), flags, flags.labels, flags.count);
  let session: Session | undefined;
  if (device.kind === 'gpu') {
    try {
      session = await Session.create(runnable, { gpu: device.gpu });
    } catch (e) {
      // Asked for the GPU: say why it cannot. Not asked: the CPU reference computes the same bytes.
      if (flags.device === 'gpu') throw e;
      device.gpu.device.destroy();
      device = { kind: 'cpu', why: `the GPU cannot run this program: ${(e as Error).message}` };
    }
  }
  const started = performance.now();
  let report: EvalReport;
  let deviceLine: string;
  if (device.kind === 'gpu' && session) {
    deviceLine = describeDevice(device, session);
    if (!flags.json) console.log(deviceLine);
    const progress = progressBar('evaluating on the GPU', images.count);
    report = await evaluateWith((feeds) => session.run(feeds), model, images, {
      ...(floatGraph ? { floatGraph } : {}),
      ...(task ? { task } : {}),
      ...(flags.compareCpu ? { reference: (feeds: Record<string, Tensor>) => runInt8(runnable, feeds) } : {}),
      onProgress: (done) => progress.tick(done),
    });
    progress.stop();
    session.destroy();
    device.gpu.device.destroy();
  } else {
    deviceLine = describeDevice(device);
    if (!flags.json) console.log(deviceLine);
    report = evaluateWithProgress(model, images, { ...(floatGraph ? { floatGraph } : {}), ...(task ? { task } : {}) });
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(flags.json ? JSON.stringify({ method: methodOf(loaded, flags), device: deviceLine, seconds, ...report }) : `${formatReport(report)}\n(${seconds.toFixed(1)} s)`);
}

const methodOf = (loaded: ReturnType<typeof loadModel>, flags: EvalFlags) =>
  loaded.kind === 'q8' ? loaded.model.calibration.method : loaded.given ? 'qdq' : flags.method;

function evaluateWithProgress(model: QuantizedModel, images: ImageSet, options: EvaluateOptions): EvalReport {
  const progress = progressBar('evaluating', images.count);
  const report = evaluate(model, images, { ...options, onProgress: (done) => progress.tick(done) });
  progress.stop();
  return report;
}

const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(2)}%`);

function formatReport(r: EvalReport): string {
  const lines = [
    `images: ${r.images}`,
    ...(r.task ? [] : [`fp32 accuracy:  ${pct(r.fp32_accuracy)}`, `int8 accuracy:  ${pct(r.int8_accuracy)}`, `top-1 agreement: ${pct(r.top1_agreement)}`]),
    ...(r.logit_cosine ? [`logit cosine (int8 vs fp32): mean ${r.logit_cosine.mean.toFixed(5)}, min ${r.logit_cosine.min.toFixed(5)}`] : []),
    ...(r.task?.lines ?? []),
  ];
  if (r.per_layer.length > 0) {
    lines.push('per quantized tensor (int8 vs fp32):', '  SQNR dB   cosine    tensor');
    for (const l of r.per_layer) lines.push(`  ${l.sqnr_db.toFixed(2).padStart(7)}  ${l.cosine.toFixed(5)}  ${l.name}`);
  }
  if (r.int8_accuracy === null && !r.task) lines.push('(no --labels: no accuracy)');
  if (r.top1_agreement === null) lines.push('(a .q8 without --float MODEL.onnx: no fp32 comparison)');
  if (r.reference_identical !== undefined) lines.push(`output bytes identical to the CPU int8 reference: ${r.reference_identical} of ${r.images} images`);
  if (r.per_layer.length === 0) lines.push('(per-layer SQNR and cosine come from the CPU reference: --device cpu)');
  return lines.join('\n');
}
