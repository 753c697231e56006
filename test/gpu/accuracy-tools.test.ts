// The accuracy tools on the real models: cross-layer equalization leaves each TF.js model's float
// outputs within 1e-5 relative, and the program quantized with equalization and bias correction
// (per-channel ReLU6 bounds, (Q12b)) is byte-identical on Dawn to the CPU int8 reference, native
// and emulated. Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { logitsOf } from '../../src/eval/outputs.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import type { ModelId } from '../../src/models/catalog.ts';
import { int8Source, quantizeWithTools } from '../../src/quant/accuracy-tools.ts';
import { withOutputs } from '../../src/quant/truncate.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { relativeMaxDiff } from '../helpers/random.ts';
import { feedsOf, imageFiles, loadRealModel, spread } from '../helpers/real-models.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

// MobileNetV2 takes ~30 s a photo in int8 on SwiftShader: one photo, native path only.
// relu6: its pairs have a ReLU6 between them, so the program has per-channel bounds (Q12b).
const CASES: { id: ModelId; folder: 'photos' | 'faces'; emulated: boolean; relu6: boolean }[] = [
  { id: 'blazeface-front', folder: 'faces', emulated: true, relu6: false },
  { id: 'emotion', folder: 'faces', emulated: true, relu6: false },
  { id: 'facemesh-detection-short', folder: 'faces', emulated: true, relu6: false },
  { id: 'mobilenet_v2_mid', folder: 'photos', emulated: false, relu6: true },
];

describe.skipIf(skip)('equalization and bias correction on the real models', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it.each(CASES)('$id: float outputs kept, int8 GPU bytes = CPU reference', { timeout: 600_000 }, async ({ id, folder, emulated, relu6 }) => {
    const float = loadRealModel(id);
    const source = int8Source(float.nhwc, { equalize: true });
    expect(source.equalizedPairs.length).toBeGreaterThan(0);
    const [photo] = feedsOf(id, spread(imageFiles(folder), 1));
    const before = runFloat(float.nhwc, photo!);
    const after = runFloat(source.graph, photo!);
    for (const o of float.nhwc.outputs) {
      const relative = relativeMaxDiff(after[o.name]!, before[o.name]!);
      console.log(`${id}: ${source.equalizedPairs.length} pairs equalized; ${o.name} moves ${relative.toExponential(2)} relative`);
      expect(relative).toBeLessThan(1e-5);
    }
    const calib = feedsOf(id, spread(imageFiles(folder === 'faces' ? 'faces-calib' : 'calib'), 4));
    const ranges = calibrate(source.graph, calib.length, (i) => calib[i]!, { method: 'percentile' });
    const { model: full, report } = quantizeWithTools(source, ranges, { method: 'percentile', equalize: true, biasCorrection: true }, calib.length, (i) => calib[i]!);
    expect(report.correctedLayers.length).toBeGreaterThan(0);
    expect(full.steps.some((s) => s.op === 'conv' && s.out.channelHi !== undefined)).toBe(relu6);
    // The bytes compared are the int8-computed ones: a final float Softmax's exp may differ.
    const logits = logitsOf(full);
    const model = logits === full.outputs[0]!.name ? full : withOutputs(full, [logits]);
    for (const int8Path of emulated ? (['native', 'emulated'] as const) : (['native'] as const)) {
      const session = await Session.create(model, { gpu, int8Path });
      const gpuOut = await session.run(photo!);
      const cpuOut = runInt8(model, photo!);
      for (const o of model.outputs) expect(bits(gpuOut[o.name]!), `${id} ${int8Path} ${o.name}`).toEqual(bits(cpuOut[o.name]!));
      session.destroy();
    }
  });
});
