// `webgpu-int8 run`: one image through the int8 program, on the GPU when there is one; prints
// the top-k classes and where it ran.

import { existsSync, readFileSync } from 'node:fs';
import type { PreprocessFlags } from '../data/preprocess.ts';
import { InputError } from '../errors.ts';
import { Session } from '../gpu/session.ts';
import type { Tensor } from '../ir/tensor.ts';
import type { QuantizedModel } from '../quant/program.ts';
import { runInt8 } from '../ref/int8/run.ts';
import { describeDevice, openDevice } from './device.ts';
import { inputShapeOf, loadModel } from './model.ts';
import { loadImages } from './options.ts';
import { calibrateAndQuantize, quantizeGiven, type QuantizeFlags } from './quantize.ts';

export interface RunFlags extends PreprocessFlags, QuantizeFlags {
  input: string;
  index: number;
  topk: number;
  device?: string;
  calib?: string;
  classes?: string;
}

function classNames(path: string | undefined, modelPath: string): string[] | undefined {
  // The bundled models keep their class names in a .json beside the .onnx.
  const candidate = path ?? modelPath.replace(/\.(onnx|q8)$/, '.json');
  if (!existsSync(candidate)) return undefined;
  if (candidate.endsWith('.json')) return (JSON.parse(readFileSync(candidate, 'utf8')) as { classes?: string[] }).classes;
  return readFileSync(candidate, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean);
}

export async function runOne(modelPath: string, flags: RunFlags): Promise<void> {
  const loaded = loadModel(modelPath);
  let model: QuantizedModel;
  if (loaded.kind === 'q8') model = loaded.model;
  else if (loaded.given) model = quantizeGiven(loaded, flags.calib); // a QDQ model: its own scales
  else {
    if (!flags.calib) throw new InputError('run with a float .onnx model needs --calib DATA to calibrate on (or pass a .q8)');
    model = calibrateAndQuantize(loaded, loadImages(flags.calib, inputShapeOf(loaded.graph.inputs), flags), flags);
  }
  const images = loadImages(flags.input, inputShapeOf(model.inputs), flags);
  if (flags.index >= images.count) throw new InputError(`--index ${flags.index} is past the last image (${images.count} in ${flags.input})`);
  const feeds = { [model.inputs[0]!.name]: images.input(flags.index) };
  const device = await openDevice(flags.device);
  let output: Tensor;
  const started = performance.now();
  if (device.kind === 'gpu') {
    const session = await Session.create(model, { gpu: device.gpu });
    console.log(describeDevice(device, session));
    output = (await session.run(feeds))[model.outputs[0]!.name]!;
    session.destroy();
    device.gpu.device.destroy();
  } else {
    console.log(describeDevice(device));
    output = runInt8(model, feeds)[model.outputs[0]!.name]!;
  }
  const ms = performance.now() - started;
  const names = classNames(flags.classes, modelPath);
  const logits = Array.from(output.data);
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  const ranked = logits.map((v, i) => ({ i, v, p: exps[i]! / total })).sort((a, b) => b.v - a.v).slice(0, flags.topk);
  console.log(`top ${ranked.length} (${ms.toFixed(0)} ms incl. session setup):`);
  for (const r of ranked) console.log(`  ${(100 * r.p).toFixed(1).padStart(5)}%  ${String(r.i).padStart(4)}  ${names?.[r.i] ?? ''}  (logit ${r.v.toFixed(3)})`);
}
