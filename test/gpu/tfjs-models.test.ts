// The pretrained TF.js models on Dawn (SwiftShader): int8 programs, calibrated on real photos,
// byte-identical to the CPU int8 reference on every output computed in int8; the emulated int8
// path on one photo; the fp32 GPU path against TF.js (≤ 1e-3 relative). MobileNetV2 ends in a
// float Softmax (whose exp may differ by device), so its program is cut at the dequantized logits.
// Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFloatSession } from '../../src/api.ts';
import { logitsOf } from '../../src/eval/outputs.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { MODELS, type ModelId } from '../../src/models/catalog.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { withOutputs } from '../../src/quant/truncate.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { feedsOf, imageFiles, loadRealModel, quantizeReal, spread } from '../helpers/real-models.ts';
import { modelDir } from '../../src/models/paths.ts';
import { relativeMaxDiff } from '../helpers/random.ts';
import { loadTfjsModel, runTfjs } from '../helpers/tfjs-reference.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

interface Case {
  id: ModelId;
  calibration: number;
  /** Photos checked byte for byte on the native path (the emulated path takes the first). */
  checked: number;
  /** Evaluation and calibration image sets. */
  folder: 'photos' | 'faces';
}

// MobileNetV2 (1.4 width, 224²) takes ~30 s per image on SwiftShader: one photo.
const CASES: Case[] = [
  { id: 'blazeface-front', calibration: 8, checked: 4, folder: 'faces' },
  { id: 'mobilenet_v2_mid', calibration: 4, checked: 1, folder: 'photos' },
  { id: 'facemesh-detection-short', calibration: 8, checked: 2, folder: 'faces' },
  { id: 'emotion', calibration: 8, checked: 3, folder: 'faces' },
];

/** The program cut where its last int8-computed tensors are (before a float Softmax). */
function exactProgram(model: QuantizedModel): QuantizedModel {
  const logits = logitsOf(model);
  return logits === model.outputs[0]!.name ? model : withOutputs(model, [logits, ...model.outputs.slice(1).map((o) => o.name)]);
}

describe.skipIf(skip)('pretrained TF.js models on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it.each(CASES)('$id int8 equals the CPU int8 reference byte for byte', { timeout: 600_000 }, async ({ id, calibration, checked, folder }) => {
    const float = loadRealModel(id);
    const calib = feedsOf(id, spread(imageFiles(folder === 'faces' ? 'faces-calib' : 'calib'), calibration));
    const model = exactProgram(quantizeReal(float, calib));
    const feeds = feedsOf(id, spread(imageFiles(folder), checked));
    for (const int8Path of ['native', 'emulated'] as const) {
      const session = await Session.create(model, { gpu, int8Path });
      const count = int8Path === 'native' ? feeds.length : 1;
      for (let i = 0; i < count; i++) {
        const gpuOut = await session.run(feeds[i]!);
        const cpuOut = runInt8(model, feeds[i]!);
        for (const o of model.outputs) expect(bits(gpuOut[o.name]!), `${id} ${int8Path} photo ${i} ${o.name}`).toEqual(bits(cpuOut[o.name]!));
      }
      console.log(`${id} (${int8Path}): ${count} photo(s) byte-identical; ${JSON.stringify(session.info)}`);
      session.destroy();
    }
  });

  it.each(['blazeface-front', 'mobilenet_v2_mid'] as ModelId[])('%s fp32 on the GPU agrees with TF.js (≤ 1e-3 relative)', { timeout: 600_000 }, async (id) => {
    const float = loadRealModel(id);
    const session = await createFloatSession(float.graph, { gpu });
    const tfjs = await loadTfjsModel(modelDir(id));
    const [feed] = feedsOf(id, imageFiles('faces').slice(0, 1));
    const name = MODELS[id].input.name;
    const ours = await session.run(feed!);
    const theirs = await runTfjs(tfjs, { [name]: { shape: feed![name]!.shape, data: feed![name]!.data as Float32Array } });
    for (const out of float.graph.outputs) {
      const relative = relativeMaxDiff(ours[out.name]!, theirs.get(out.name)!);
      console.log(`${id} fp32 GPU vs TF.js, ${out.name}: max |diff| ${relative.toExponential(2)} relative to the largest |value|`);
      expect(relative).toBeLessThanOrEqual(1e-3);
    }
    session.destroy();
  });
});
