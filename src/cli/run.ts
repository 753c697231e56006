// `webgpu-int8 run`: one image through the int8 program, on the GPU when there is one; prints
// the top-k classes and where it ran.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { decodeImage, sniffImage } from '../data/image.ts';
import { logitsOf } from '../eval/outputs.ts';
import type { Face } from '../models/blazeface.ts';
import { detectFaces } from '../models/detect.ts';
import { calibrationImages } from '../models/paths.ts';
import type { PreprocessFlags } from '../data/preprocess.ts';
import { InputError } from '../errors.ts';
import { Session } from '../gpu/session.ts';
import type { Tensor } from '../ir/tensor.ts';
import type { QuantizedModel } from '../quant/program.ts';
import { runInt8 } from '../ref/int8/run.ts';
import { describeDevice, openDevice } from './device.ts';
import { catalogOf, inputShapeOf, loadModel } from './model.ts';
import { loadImages, withModelDefaults } from './options.ts';
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

export async function runOne(modelPath: string, userFlags: RunFlags): Promise<void> {
  const loaded = loadModel(modelPath);
  const catalog = loaded.kind === 'q8' ? catalogOf(loaded.model.name) : loaded.catalog;
  const flags = withModelDefaults(userFlags, catalog);
  // First, so a GPU that cannot be had is said before the calibration.
  const device = await openDevice(flags.device);
  let model: QuantizedModel;
  if (loaded.kind === 'q8') model = loaded.model;
  else if (loaded.given) model = quantizeGiven(loaded, flags.calib); // a QDQ model: its own scales
  else {
    // A pretrained model calibrates on its own calibration photos unless told otherwise.
    const calib = flags.calib ?? (catalog ? calibrationImages(catalog) : undefined);
    if (!calib) throw new InputError('run with a float .onnx model needs --calib DATA to calibrate on (or pass a .q8)');
    model = calibrateAndQuantize(loaded, loadImages(calib, inputShapeOf(loaded.graph.inputs), flags), flags);
  }
  const images = loadImages(flags.input, inputShapeOf(model.inputs), flags);
  if (flags.index >= images.count) throw new InputError(`--index ${flags.index} is past the last image (${images.count} in ${flags.input})`);
  const feeds = { [model.inputs[0]!.name]: images.input(flags.index) };
  let outputs: Record<string, Tensor>;
  const started = performance.now();
  if (device.kind === 'gpu') {
    const session = await Session.create(model, { gpu: device.gpu });
    console.log(describeDevice(device, session));
    outputs = await session.run(feeds);
    session.destroy();
    device.gpu.device.destroy();
  } else {
    console.log(describeDevice(device));
    outputs = runInt8(model, feeds);
  }
  const ms = performance.now() - started;
  if (catalog?.kind === 'face-detector') {
    printFaces(detectFaces(catalog, outputs), originalSize(flags.input), ms);
    return;
  }
  const names = catalog?.kind === 'classifier' ? [...catalog.labels] : classNames(flags.classes, modelPath);
  printTopK(outputs[model.outputs[0]!.name]!, logitsOf(model) !== model.outputs[0]!.name, names, flags.topk, ms);
}

/** `probabilities`: the output already went through a Softmax. */
function printTopK(output: Tensor, probabilities: boolean, names: string[] | undefined, k: number, ms: number): void {
  const values = Array.from(output.data);
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  const ranked = values.map((v, i) => ({ i, v, p: probabilities ? v : exps[i]! / total })).sort((a, b) => b.v - a.v).slice(0, k);
  console.log(`top ${ranked.length} (${ms.toFixed(0)} ms incl. session setup):`);
  for (const r of ranked) console.log(`  ${(100 * r.p).toFixed(1).padStart(5)}%  ${String(r.i).padStart(4)}  ${names?.[r.i] ?? ''}${probabilities ? '' : `  (logit ${r.v.toFixed(3)})`}`);
}

/** The input image's own size, for boxes in its pixels (undefined for an image set). */
function originalSize(input: string): { width: number; height: number } | undefined {
  if (!existsSync(input) || statSync(input).isDirectory()) return undefined;
  const bytes = readFileSync(input);
  if (!sniffImage(bytes)) return undefined;
  const { width, height } = decodeImage(bytes, input);
  return { width, height };
}

function printFaces(faces: Face[], size: { width: number; height: number } | undefined, ms: number): void {
  console.log(`${faces.length} face${faces.length === 1 ? '' : 's'} (${ms.toFixed(0)} ms incl. session setup):`);
  for (const f of faces) {
    const [x0, y0, x1, y1] = f.box;
    const pixels = size ? `  pixels [${[x0 * size.width, y0 * size.height, x1 * size.width, y1 * size.height].map((v) => Math.round(v)).join(', ')}]` : '';
    console.log(`  score ${f.score.toFixed(3)}  box [${f.box.map((v) => v.toFixed(3)).join(', ')}]${pixels}`);
  }
}
