// The real ONNX models of issue 16 on the fp32 GPU path (createFloatSession on Dawn) against the
// float CPU reference on the same real inputs (espeak-ng speech, a crop of a text photo).
// Tolerance: max |GPU − CPU| ≤ 1e-3 · max |CPU| per output (WGSL's transcendental functions are
// not correctly rounded; SwiftShader computes them with polynomials; sums run in another order).
// The models the GPU float path cannot run yet are listed with the planner's reason.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFloatSession } from '../../src/api.ts';
import { decodeImage } from '../../src/data/image.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import type { OnnxModelId } from '../../src/models/fetch-onnx.ts';
import { textDetectorInput } from '../../src/models/text-map.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { embeddings, f32, melFrames, modelBytes, window } from '../helpers/onnx-models.ts';
import { relativeMaxDiff } from '../helpers/random.ts';
import { speech } from '../helpers/speech.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const TOLERANCE = 1e-3;


describe.skipIf(skip)('the real ONNX models on the fp32 GPU path, against the float reference', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  async function expectAsReference(id: OnnxModelId, feeds: Record<string, Tensor>): Promise<void> {
    const graph = importOnnx(modelBytes(id));
    const inputShapes = Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, t.shape]));
    const session = await createFloatSession(graph, { gpu, inputShapes });
    const got = await session.run(feeds);
    const want = runFloat(graph, feeds);
    for (const o of graph.outputs) {
      expect(got[o.name]!.shape, `${id} "${o.name}"`).toEqual(want[o.name]!.shape);
      const err = relativeMaxDiff(got[o.name]!, want[o.name]!);
      console.log(`${id} fp32 GPU output "${o.name}" [${want[o.name]!.shape}]: ${session.info.dispatches} dispatches, max |GPU − CPU| ${err.toExponential(2)} of max |CPU|`);
      expect(err, `${id} "${o.name}"`).toBeLessThanOrEqual(TOLERANCE);
    }
    session.destroy();
  }

  // Two seconds of silence each side: the longest head (timer) reads 34 embeddings.
  const audio = speech('hey jarvis', 2);

  it('melspectrogram, embedding_model and the wake-word heads that plan', { timeout: 300_000 }, async () => {
    await expectAsReference('melspectrogram', { input: f32([1, audio.length], audio) });
    const mel = await melFrames(audio);
    await expectAsReference('embedding_model', { input_1: window(mel, Math.floor(mel.shape[0]! / 2) - 38) });
    const emb = await embeddings(mel);
    for (const id of ['alexa_v0.1', 'hey_mycroft_v0.1', 'hey_rhasspy_v0.1', 'timer_v0.1', 'weather_v0.1'] as const) {
      const n = importOnnx(modelBytes(id)).inputs[0]!.shape[1] as number;
      const start = Math.max(0, emb.shape[0]! - n);
      const name = importOnnx(modelBytes(id)).inputs[0]!.name;
      await expectAsReference(id, { [name]: f32([1, n, 96], emb.data.subarray(start * 96, (start + n) * 96)) });
    }
  });

  it('PP-OCRv4 det at 160 × 448 on a text photo', { timeout: 300_000 }, async () => {
    const file = '/usr/share/doc/opencv-doc/examples/data/imageTextN.png';
    await expectAsReference('ppocr-v4-det', { x: textDetectorInput(decodeImage(readFileSync(file), file), 100, 90) });
  });

  it('says why it does not run hey_jarvis (an If on its data) and silero VAD (a Shape of its recurrent state) yet, naming the node', async () => {
    await expect(createFloatSession(importOnnx(modelBytes('hey_jarvis_v0.1')), { gpu })).rejects.toThrow(/If node "If_\d+": an If on "[^"]+", which no constant or static shape decides/);
    const silero = importOnnx(modelBytes('silero_vad'));
    await expect(createFloatSession(silero, { gpu, fixedInputs: { sr: 16000 }, inputShapes: { input: [1, 512], h: [2, 1, 64], c: [2, 1, 64] } })).rejects.toThrow(/Shape node "Shape_\d+": no GPU float kernel/);
  });
});
