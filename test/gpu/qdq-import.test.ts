// Programs imported from ONNX QDQ models (importOnnxQdq → quantizeQdq, no calibration) on Dawn:
// every int8 output byte equal to the CPU int8 reference, on the native dot4I8Packed path and the
// emulated one. Models: the bundled model's QDQ export, and the hand-built
// test/fixtures/qdq/small_qdq.onnx (uint8 activations, per-tensor and uint8 weights, odd channel
// counts, a residual Add, a float Softmax after the int8 part).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantizeQdq } from '../../src/api.ts';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { exportQdq } from '../../src/export/qdq.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { importOnnxQdq } from '../../src/import/onnx-qdq.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

describe.skipIf(skip)('QDQ-imported programs on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('the bundled model re-imported from its QDQ export: equal to the CPU int8 reference on 20 test images', { timeout: 300_000 }, async () => {
    const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));
    const graph = importOnnx(readFileSync(BUNDLED.model));
    const nhwc = optimize(graph, { layout: 'NHWC' });
    const calibrated = quantizeGraph(nhwc, calibrate(nhwc, 4, (i) => ({ input: images.input(9000 + i) }), { method: 'minmax' }), { method: 'minmax' });
    const model = quantizeQdq(importOnnxQdq(exportQdq(optimize(graph), calibrated)));
    const session = await Session.create(model, { gpu });
    for (let i = 0; i < 20; i++) {
      const feeds = { input: images.input(i) };
      expect(bits((await session.run(feeds)).logits!), `image ${i}`).toEqual(bits(runInt8(model, feeds).logits!));
    }
    session.destroy();
  });

  for (const int8Path of ['native', 'emulated'] as const) {
    it(`the hand-built QDQ model (${int8Path} path): int8 output bytes equal to the CPU reference; the float Softmax within 1e-6`, { timeout: 300_000 }, async () => {
      const model = quantizeQdq(importOnnxQdq(readFileSync('test/fixtures/qdq/small_qdq.onnx')));
      const session = await Session.create(model, { gpu, int8Path });
      let maxP = 0;
      for (let i = 0; i < 10; i++) {
        const feeds = { x: randomTensor([1, 3, 8, 8], 2000 + i) };
        const gpuOut = await session.run(feeds);
        const cpuOut = runInt8(model, feeds);
        // y is the dequantized int8 Gemm output: identical bytes mean identical int8 values.
        expect(bits(gpuOut.y!), `input ${i}`).toEqual(bits(cpuOut.y!));
        for (let j = 0; j < 4; j++) maxP = Math.max(maxP, Math.abs(gpuOut.p!.data[j]! - cpuOut.p!.data[j]!));
      }
      expect(maxP).toBeLessThanOrEqual(1e-6);
      session.destroy();
    });
  }
});
