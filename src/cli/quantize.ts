// `webgpu-int8 quantize`: calibrate a float ONNX model on real samples and write the int8 program.

import { writeFileSync } from 'node:fs';
import { calibrate } from '../calibrate/calibrator.ts';
import type { ObserverMethod } from '../calibrate/observers/index.ts';
import type { ImageSet } from '../data/dataset.ts';
import { InputError } from '../errors.ts';
import { unusedGiven } from '../quant/qdq-import.ts';
import type { QuantizedModel } from '../quant/program.ts';
import { writeQ8 } from '../quant/q8-file.ts';
import { quantizeGraph } from '../quant/quantize-graph.ts';
import { dynamicProducts } from '../quant/quantize-dynamic.ts';
import { describeTools, heldAside, int8Source, quantizeWithTools } from '../quant/accuracy-tools.ts';
import type { TargetReport } from '../quant/sensitivity.ts';
import type { FloatModel } from './model.ts';
import { progressBar } from './progress.ts';

export interface QuantizeFlags {
  method: ObserverMethod;
  calibCount: number;
  perTensor: boolean;
  symmetricActivations: boolean;
  percentile?: number;
  equalize?: boolean;
  biasCorrection?: boolean;
  keepFloat?: readonly string[];
  targetCosine?: number;
  /** MatMul / Gemm nodes quantized dynamically, the rest static (dynamicProducts). */
  dynamic?: readonly string[];
}

/**
 * Calibrates on the first `calibCount` samples of `calib`, with a progress bar on a terminal, and
 * applies the accuracy tools the flags ask for (`source`: int8Source(float.nhwc, flags), when the
 * caller needs the graph the program approximates too). Says what the tools did unless quiet.
 */
export function calibrateAndQuantize(float: FloatModel, calib: ImageSet, flags: QuantizeFlags, source = int8Source(dynamicProducts(float.nhwc, flags.dynamic), flags), quiet = false): QuantizedModel {
  const count = Math.min(flags.calibCount, calib.count);
  if (count === 0) throw new InputError('the calibration set is empty');
  const inputName = float.nhwc.inputs[0]!.name;
  const split = heldAside(count, flags);
  const sample = (i: number) => ({ [inputName]: calib.input(split.calibrate[i]!) });
  const held = split.held.map((i) => ({ [inputName]: calib.input(i) }));
  const progress = progressBar(`calibrating (${flags.method})`, split.calibrate.length);
  const ranges = calibrate(source.graph, split.calibrate.length, sample, {
    method: flags.method,
    ...(flags.percentile !== undefined ? { percentile: flags.percentile } : {}),
    onProgress: (done) => progress.tick(done),
  });
  progress.stop();
  const { model, report } = quantizeWithTools(source, ranges, {
    method: flags.method,
    samples: split.calibrate.length,
    perTensorWeights: flags.perTensor,
    symmetricActivations: flags.symmetricActivations,
    ...(flags.equalize ? { equalize: true } : {}),
    ...(flags.biasCorrection ? { biasCorrection: true } : {}),
    ...(flags.keepFloat ? { keepFloat: flags.keepFloat } : {}),
    ...(flags.targetCosine !== undefined ? { targetCosine: flags.targetCosine } : {}),
  }, split.calibrate.length, sample, held);
  if (!quiet) {
    if (report.target) console.log(formatSensitivity(report.target));
    for (const line of describeTools(report)) console.log(line);
  }
  return model;
}

/**
 * A QDQ model's own quantization, no calibration: says so (unless quiet), with the model's
 * quantized tensors that the program does not hold in int8. `calib` must not be given.
 */
export function quantizeGiven(float: FloatModel, calib: string | undefined, quiet = false): QuantizedModel {
  const given = float.given;
  if (!given) throw new InputError('the model has no QuantizeLinear/DequantizeLinear nodes: pass --calib DATA to calibrate it');
  if (calib) throw new InputError('the model is an ONNX QDQ model that carries its own scales and zero points: --calib does not apply (drop it)');
  const model = quantizeGraph(float.nhwc, new Map(), { method: 'qdq', given });
  if (!quiet) {
    console.log(`no calibration: using the model's own scales and zero points (QuantizeLinear/DequantizeLinear on ${given.activations.size} tensors, int8 weights of ${given.linear.size} Conv/Gemm/MatMul nodes)`);
    const unused = unusedGiven(given, model);
    if (unused.length > 0) console.log(`quantized in the model but not int8 in the program (fused away, or their op runs in float): ${unused.map((t) => `"${t}"`).join(', ')}`);
  }
  return model;
}

export function describeProgram(model: QuantizedModel): string {
  const counts = new Map<string, number>();
  for (const s of model.steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
  const floatOps = model.steps.flatMap((s) => (s.op === 'float' ? [`${s.node.op} "${s.name}"`] : []));
  return [
    `int8 program: ${model.steps.length} steps (${[...counts].map(([op, n]) => `${op}×${n}`).join(' ')})`,
    floatOps.length === 0 ? 'fully integral: every op runs in int8' : `ops left in float: ${floatOps.join(', ')}`,
  ].join('\n');
}

export function saveQ8(model: QuantizedModel, path: string): void {
  const bytes = writeQ8(model);
  writeFileSync(path, bytes);
  console.log(`wrote ${path} (${(bytes.length / 1024).toFixed(1)} KiB)`);
}

/** The per-layer sensitivity table of a target search, most sensitive first (eval's per-layer table's shape). */
export function formatSensitivity(t: TargetReport): string {
  const lines = ['per-layer sensitivity on the held-aside samples (lowest output cosine):', '  only it int8   all but it int8   layer'];
  for (const l of [...t.sensitivity].sort((a, b) => b.allButIt - a.allButIt)) {
    lines.push(`  ${l.onlyInt8.toFixed(5).padStart(11)}   ${l.allButIt.toFixed(5).padStart(15)}   ${l.op} "${l.node}"`);
  }
  return lines.join('\n');
}
