// ISNet small (isnet_quint8, onnxruntime's quantize_dynamic output shipped by
// @imgly/background-removal-data) on the GPU in dynamic int8: its 119 ConvInteger chains fuse
// into ConvDynamicInt8 (passes/fuse-dynamic.ts), and
//  - the network up to its first Resize (dynamic convs, Relu, MaxPool, Concat: ops whose
//    float results are exact) gives the CPU reference's bytes on Dawn;
//  - the whole network at 128 × 128 on a real photo gives onnxruntime-node's matte (CPU EP, on
//    the file as shipped) within a stated tolerance. Past the first Resize and Sigmoid the GPU's
//    f32 float ops and the CPU reference's differ in the last bits, and each of the next layers'
//    run-time ranges carries that on, so the whole network is compared by its matte.
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFloatSession } from '../../src/api.ts';
import { decodeImage } from '../../src/data/image.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { onnxModelPath } from '../../src/models/fetch-onnx.ts';
import { compareMattes, ISNET_OUTPUT, isnetAtSize, isnetInput } from '../../src/models/isnet.ts';
import { imagesDir } from '../../src/models/paths.ts';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';

const skipGpu = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const SIZE = 128;
/** Stated tolerances of the GPU's matte against onnxruntime-node's. */
const MAX_MAE = 0.01;
const MIN_IOU = 0.98;

function model(): Uint8Array {
  const file = onnxModelPath('isnet_quint8');
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run fetch-models`);
  return isnetAtSize(fs.readFileSync(file), SIZE);
}

/** The graph computing `tensor` alone. */
const upTo = (g: Graph, tensor: string): Graph => eliminateDeadCode({ ...g, outputs: [{ name: tensor, dtype: 'float32', shape: [] }] });

describe.skipIf(skipGpu)('ISNet small in dynamic int8 on Dawn', () => {
  let gpu: GpuContext;
  let bytes: Uint8Array;
  let graph: Graph;
  let fused: Graph;
  const photo = () => isnetInput(decodeImage(fs.readFileSync(`${imagesDir('photos')}/skimage-astronaut.png`), 'skimage-astronaut.png'), SIZE);
  beforeAll(async () => {
    bytes = model();
    graph = importOnnx(bytes);
    fused = optimize(graph);
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('fuses every ConvInteger chain into ConvDynamicInt8', () => {
    const count = (g: Graph, op: string) => g.nodes.filter((n) => n.op === op).length;
    expect([count(graph, 'ConvInteger'), count(fused, 'ConvDynamicInt8'), count(fused, 'ConvInteger'), count(fused, 'DynamicQuantizeLinear')]).toEqual([119, 119, 0, 0]);
  });

  it('up to the first Resize, the GPU gives the CPU reference bit for bit', { timeout: 300_000 }, async () => {
    const resize = fused.nodes.find((n) => n.op === 'Resize')!;
    const prefix = upTo(fused, resize.inputs[0]!);
    const convs = prefix.nodes.filter((n) => n.op === 'ConvDynamicInt8').length;
    expect(prefix.nodes.every((n) => ['ConvDynamicInt8', 'Relu', 'MaxPool', 'Concat', 'Add'].includes(n.op)), prefix.nodes.map((n) => n.op).join()).toBe(true);
    const x = photo();
    const want = Object.values(runFloat(prefix, { input: x }))[0]!.data as Float32Array;
    const session = await createFloatSession(prefix, { gpu, inputShapes: { input: [1, 3, SIZE, SIZE] } });
    try {
      const got = Object.values(await session.run({ input: x }))[0]!.data as Float32Array;
      const g = new Uint32Array(got.buffer, got.byteOffset, got.length);
      const w = new Uint32Array(want.buffer, want.byteOffset, want.length);
      const differing = w.filter((v, i) => g[i] !== v).length;
      expect(differing, `${differing} of ${w.length} values differ`).toBe(0);
      console.log(`ISNet to its first Resize (${convs} dynamic convs, ${prefix.nodes.length} nodes, ${w.length} outputs): GPU = CPU reference bit for bit`);
    } finally {
      session.destroy();
    }
  });

  it(`the whole network at ${SIZE}² gives onnxruntime-node's matte (MAE ≤ ${MAX_MAE}, IoU ≥ ${MIN_IOU})`, { timeout: 300_000 }, async () => {
    const x = photo();
    const o = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], logSeverityLevel: 3 });
    const theirs = (await o.run({ input: new ort.Tensor('float32', x.data as Float32Array, x.shape) }))[ISNET_OUTPUT]!.data as Float32Array;
    const session = await createFloatSession(graph, { gpu, inputShapes: { input: [1, 3, SIZE, SIZE] } });
    try {
      const t0 = performance.now();
      const ours = (await session.run({ input: x }))[ISNET_OUTPUT]!.data as Float32Array;
      const ms = performance.now() - t0;
      const diff = compareMattes(ours, theirs);
      const mean = theirs.reduce((a, b) => a + b, 0) / theirs.length;
      const soft = theirs.filter((v) => v > 0.05 && v < 0.95).length / theirs.length;
      // A matte of real content: part foreground, part background, some soft edge.
      expect(diff.pixels / theirs.length).toBeGreaterThan(0.1);
      expect(diff.pixels / theirs.length).toBeLessThan(0.9);
      const identical = ours.filter((v, i) => v === theirs[i]).length;
      expect(diff.mae).toBeLessThanOrEqual(MAX_MAE);
      expect(diff.iou).toBeGreaterThanOrEqual(MIN_IOU);
      console.log(`ISNet dynamic int8 at ${SIZE}² on Dawn (${session.info.dispatches} dispatches, ${(ms / 1000).toFixed(1)} s) vs onnxruntime-node: MAE ${diff.mae.toExponential(2)}, max ${diff.max.toExponential(2)}, IoU@0.5 ${diff.iou.toFixed(4)}; ${identical} of ${ours.length} values identical; ORT's matte: mean ${mean.toFixed(3)}, ${(100 * diff.pixels / theirs.length).toFixed(1)}% at ≥ 0.5, ${(100 * soft).toFixed(1)}% in (0.05, 0.95)`);
    } finally {
      session.destroy();
    }
  });
});
