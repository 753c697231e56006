// ISNet small (isnet_quint8, from @imgly/background-removal-data@1.4.5; `npm run fetch-models`)
// on real photos: its matte from onnxruntime-node (CPU EP) on the shipped dynamic-int8 file, from
// our float CPU reference on the same graph, and the fp32 form (the ConvInteger chains as float
// Convs: src/passes/dequantize-integer.ts on our graph, dequantizedOnnx for onnxruntime), on the
// fp32 GPU path with --gpu. Prints, per photo and pair, the mean and max |a − b| of the mattes
// and the IoU of the mattes thresholded at 0.5, and each engine's time per run.
//
//   WEBGPU_INT8_CACHE=.cache npx tsx scripts/isnet-matte.ts [--size 1024] [--photos a.png,b.jpg]
//       [--no-ref] [--gpu]
//
// --size: 1024 (as shipped; default) or 512, 256 (src/models/isnet.ts isnetAtSize). The CPU
// reference takes ~50 s at 256 and ~16× that at 1024 on one core; --no-ref leaves it out.
// --photos: names in <cache>/images/photos (default: three).

import fs from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../src/data/image.ts';
import { importOnnx } from '../src/import/onnx.ts';
import type { Tensor } from '../src/ir/tensor.ts';
import { onnxModelPath } from '../src/models/fetch-onnx.ts';
import { compareMattes, dequantizedOnnx, ISNET_OUTPUT, ISNET_SIZE, isnetAtSize, isnetInput } from '../src/models/isnet.ts';
import { imagesDir } from '../src/models/paths.ts';
import { dequantizeIntegerConvs } from '../src/passes/dequantize-integer.ts';
import { runFloat } from '../src/ref/float/run.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const size = Number(arg('--size') ?? ISNET_SIZE);
const photos = (arg('--photos') ?? 'skimage-astronaut.png,skimage-chelsea.png,opencv-messi5.jpg').split(',');
const withRef = !process.argv.includes('--no-ref');
const withGpu = process.argv.includes('--gpu');

const file = onnxModelPath('isnet_quint8');
if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run fetch-models`);
const bytes = isnetAtSize(fs.readFileSync(file), size);
const floatBytes = dequantizedOnnx(bytes);
const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], logSeverityLevel: 3 };
const ortDynamic = await ort.InferenceSession.create(bytes, options);
const ortFloat = await ort.InferenceSession.create(floatBytes, options);
const graph = importOnnx(bytes);
const { graph: floatGraph, rewritten } = dequantizeIntegerConvs(graph);
console.log(`ISNet small at ${size}×${size}: ${graph.nodes.filter((n) => n.op === 'ConvInteger').length} ConvInteger, ${rewritten} rewritten as float Convs; photos ${photos.join(', ')}`);

let gpuRun: ((x: Tensor) => Promise<Float32Array>) | undefined;
let destroy = () => {};
if (withGpu) {
  const { createFloatSession } = await import('../src/api.ts');
  const { nodeGpuDevice } = await import('../src/gpu/node.ts');
  const gpu = await nodeGpuDevice();
  const t0 = performance.now();
  const session = await createFloatSession(floatGraph, { gpu, inputShapes: { input: [1, 3, size, size] } });
  console.log(`GPU fp32 (${gpu.adapterInfo.description || gpu.adapterInfo.vendor || 'adapter'}): planned in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${session.info.dispatches} dispatches`);
  gpuRun = async (x) => (await session.run({ input: x }))[ISNET_OUTPUT]!.data as Float32Array;
  destroy = () => {
    session.destroy();
    gpu.device.destroy();
  };
}

const times: Record<string, number[]> = {};
async function timed<T>(what: string, f: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  const r = await f();
  (times[what] ??= []).push(performance.now() - t0);
  return r;
}
const runOrt = async (s: ort.InferenceSession, x: Tensor) => (await s.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) }))[ISNET_OUTPUT]!.data as Float32Array;

const fmt = (d: ReturnType<typeof compareMattes>) => `MAE ${d.mae.toExponential(2).padEnd(9)} max ${d.max.toExponential(2).padEnd(9)} IoU@0.5 ${d.iou.toFixed(4)}`;
for (const name of photos) {
  const where = path.join(imagesDir('photos'), name);
  const x = isnetInput(decodeImage(new Uint8Array(fs.readFileSync(where)), where), size);
  const mattes: Record<string, ArrayLike<number>> = {};
  mattes['ort dynamic-int8'] = await timed('ort dynamic-int8', () => runOrt(ortDynamic, x));
  mattes['ort fp32'] = await timed('ort fp32', () => runOrt(ortFloat, x));
  if (withRef) mattes['ref dynamic-int8'] = await timed('ref dynamic-int8', () => runFloat(graph, { input: x })[ISNET_OUTPUT]!.data);
  if (gpuRun) mattes['gpu fp32'] = await timed('gpu fp32', () => gpuRun!(x));
  const fg = Array.from(mattes['ort dynamic-int8']).filter((v) => v > 0.5).length / (size * size);
  console.log(`${name} (onnxruntime's matte: ${(100 * fg).toFixed(1)}% foreground at 0.5)`);
  const pairs: [string, string][] = [
    ['ref dynamic-int8', 'ort dynamic-int8'],
    ['ort fp32', 'ort dynamic-int8'],
    ['gpu fp32', 'ort fp32'],
    ['gpu fp32', 'ref dynamic-int8'],
  ];
  for (const [a, b] of pairs) if (mattes[a] && mattes[b]) console.log(`  ${`${a} vs ${b}`.padEnd(38)} ${fmt(compareMattes(mattes[a], mattes[b]))}`);
}
console.log('time per run (median):');
for (const [what, ms] of Object.entries(times)) {
  const sorted = [...ms].sort((a, b) => a - b);
  console.log(`  ${what.padEnd(18)} ${(sorted[Math.floor(sorted.length / 2)]! / 1000).toFixed(2)} s`);
}
destroy();
