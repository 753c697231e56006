// The README's API example, as written, on a real adapter (Dawn in node).
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { createSession, importOnnx, loadQ8, quantize, requestGpuDevice, runInt8, saveQ8 } from '../../src/index.ts';
import { nodeGpu } from '../../src/node.ts';
import { imageSetFromIdx, parseIdx } from '../../src/index.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';

it.skipIf(skip)('quantize → createSession → run → profile → save and load a .q8', { timeout: 300_000 }, async () => {
  // --- README example ---
  const graph = importOnnx(readFileSync('models/fashion_mnist_cnn.onnx'));
  const images = imageSetFromIdx(parseIdx(readFileSync('data/fashion-mnist/train-first500-images-idx3-ubyte.gz')));
  const calibration = Array.from({ length: 100 }, (_, i) => ({ input: images.input(i) }));
  const model = await quantize(graph, { calibration, method: 'entropy' });

  const gpu = await requestGpuDevice(await nodeGpu()); // in a page: requestGpuDevice(navigator.gpu)
  const session = await createSession(model, { gpu });
  const { logits } = await session.run({ input: images.input(0) });
  const profile = await session.profile({ input: images.input(0) });
  const bytes = saveQ8(model); // a .q8 file's bytes; loadQ8(bytes) gives the model back
  session.destroy();
  // --- end of example ---

  expect(logits!.shape).toEqual([1, 10]);
  expect(Array.from(logits!.data)).toEqual(Array.from(runInt8(model, { input: images.input(0) }).logits!.data));
  expect(profile.kernels).toHaveLength(session.info.dispatches);
  const again = await createSession(loadQ8(bytes), { gpu });
  expect(Array.from((await again.run({ input: images.input(0) })).logits!.data)).toEqual(Array.from(logits!.data));
  again.destroy();
  gpu.device.destroy();
});
