// The CNNs among issue 16's real ONNX models quantized to int8 and run by the int8 reference
// against the float reference on real inputs, and on the GPU (Dawn) against the int8 reference
// byte for byte, native and emulated:
// - openWakeWord's embedding model on melspectrogram windows of speech synthesised by espeak-ng:
//   calibrated on two phrases, evaluated on a third it did not see: cosine of the 96-d embedding
//   ≥ 0.99 on every window (MSE calibration; the README gives every method's worst window: the
//   windows of silence, whose embeddings of nearly constant input are the least well kept, decide
//   it); fully integral;
// - the openWakeWord chain with the int8 embedding model detects "hey jarvis" at exactly the
//   positions the float chain does, and nothing in another phrase;
// - PP-OCRv4 det on crops of OpenCV's text photos (opencv-doc), its input bound to 160 × 448
//   (inputShapes, so its head's ConvTransposes become Convs): fully integral; calibrated on one
//   photo, evaluated on another, measured as the IoU of the text maps thresholded at 0.3 (DB's
//   threshold); its GPU bytes equal the int8 reference, native and emulated.
// Calibration: MSE for the embedding model, minmax for PP-OCRv4 det (the README's models table
// gives every method's figures; entropy, the default, is the worst on both models).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantize } from '../../src/api.ts';
import { decodeImage, type Pixels } from '../../src/data/image.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { TEXT_MAP_SIZE, textDetectorInput, textMapIoU } from '../../src/models/text-map.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { f32, melFrames, modelBytes, window } from '../helpers/onnx-models.ts';
import { speech } from '../helpers/speech.ts';

const skipGpu = process.env.WEBGPU_INT8_SKIP_GPU === '1';

const cosine = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
};

const floatSteps = (m: QuantizedModel) => m.steps.flatMap((s) => (s.op === 'float' ? [`${s.node.op} ${s.name}`] : []));
const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

/** Every melspectrogram window (76 frames, every 8) of a clip. */
async function windows(phrase: string): Promise<{ feeds: Record<string, Tensor> }[]> {
  const mel = await melFrames(speech(phrase, 1));
  const count = Math.floor((mel.shape[0]! - 76) / 8) + 1;
  return Array.from({ length: count }, (_, i) => ({ feeds: { input_1: window(mel, i * 8) } }));
}

const embeddingGraph = importOnnx(modelBytes('embedding_model'));
const jarvis = await windows('hey jarvis');
const other = await windows('good morning');
const calibration = [...other, ...(await windows('what time is it'))].map((w) => w.feeds);
const embeddingInt8 = await quantize(embeddingGraph, { calibration, method: 'mse' });
const embeddingOut = embeddingGraph.outputs[0]!.name;

describe('openWakeWord embedding model, int8', () => {
  it('is fully integral: every node an int8 step (tables for its LeakyRelus)', () => {
    expect(floatSteps(embeddingInt8)).toEqual([]);
    expect(embeddingInt8.steps.filter((s) => s.op === 'lut').length).toBe(19);
  });

  it('keeps the embedding of a phrase it was not calibrated on: cosine ≥ 0.99 on every window', () => {
    const cos = jarvis.map((w) => cosine(runFloat(embeddingGraph, w.feeds)[embeddingOut]!.data, runInt8(embeddingInt8, w.feeds)[embeddingOut]!.data));
    const mean = cos.reduce((a, b) => a + b, 0) / cos.length;
    const sorted = [...cos].sort((a, b) => a - b);
    console.log(`embedding_model int8 (mse) on "hey jarvis": cosine to float over ${cos.length} windows min ${sorted[0]!.toFixed(4)}, median ${sorted[cos.length >> 1]!.toFixed(4)}, mean ${mean.toFixed(4)}`);
    expect(sorted[0]).toBeGreaterThanOrEqual(0.99);
  });

  it('detects "hey jarvis" through the chain where the float chain does, and nothing in "good morning"', () => {
    const head = importOnnx(modelBytes('hey_jarvis_v0.1'));
    const scores = (clip: { feeds: Record<string, Tensor> }[], embed: (f: Record<string, Tensor>) => Tensor) => {
      const rows = clip.flatMap((w) => Array.from(embed(w.feeds).data));
      const out: number[] = [];
      for (let end = 16; end <= clip.length; end++) out.push(runFloat(head, { 'x.1': f32([1, 16, 96], rows.slice((end - 16) * 96, end * 96)) })[head.outputs[0]!.name]!.data[0]!);
      return out;
    };
    for (const [phrase, clip, spoken] of [['hey jarvis', jarvis, true], ['good morning', other, false]] as const) {
      const float = scores(clip, (f) => runFloat(embeddingGraph, f)[embeddingOut]!);
      const int8 = scores(clip, (f) => runInt8(embeddingInt8, f)[embeddingOut]!);
      console.log(`"${phrase}": hey_jarvis peak ${Math.max(...int8).toFixed(4)} with the int8 embedding model (float ${Math.max(...float).toFixed(4)}) over ${int8.length} positions`);
      expect(int8.map((v) => v > 0.5)).toEqual(float.map((v) => v > 0.5));
      expect(Math.max(...int8) > 0.5, `"${phrase}" detected`).toBe(spoken);
    }
  });
});

describe.skipIf(skipGpu)('openWakeWord embedding model, int8 on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const int8Path of ['native', 'emulated'] as const) {
    it(`equals the int8 reference byte for byte (${int8Path} path)`, { timeout: 300_000 }, async () => {
      const session = await Session.create(embeddingInt8, { gpu, int8Path });
      for (const [i, { feeds }] of jarvis.slice(10, 14).entries()) {
        expect(bits((await session.run(feeds))[embeddingOut]!), `window ${i}`).toEqual(bits(runInt8(embeddingInt8, feeds)[embeddingOut]!));
      }
      session.destroy();
    });
  }
});

const DATA = '/usr/share/doc/opencv-doc/examples/data/';
const photo = (file: string) => decodeImage(readFileSync(DATA + file), DATA + file);
const { height: H, width: W } = TEXT_MAP_SIZE;
const crop = (image: Pixels, left: number, top: number): Record<string, Tensor> => ({ x: textDetectorInput(image, left, top) });

const ocrGraph = importOnnx(modelBytes('ppocr-v4-det'));
const rotated = photo('imageTextR.png');
const ocrInt8 = await quantize(ocrGraph, {
  calibration: [crop(rotated, 0, 0), crop(rotated, 100, 160), crop(photo('licenseplate_motion.jpg'), 100, 200)],
  method: 'minmax',
  inputShapes: { x: [1, 3, H, W] },
});
const ocrOut = ocrGraph.outputs[0]!.name;
const evaluation = photo('imageTextN.png');

describe('PP-OCRv4 det, int8', () => {
  it('is fully integral at a fixed input size (ConvTranspose as Conv, nearest Resize moved in int8)', () => {
    expect(floatSteps(ocrInt8)).toEqual([]);
  });

  it('keeps the text map of a photo it did not see (IoU of the maps at 0.3)', () => {
    for (const [left, top] of [[0, 0], [100, 90]] as const) {
      const feeds = crop(evaluation, left, top);
      const want = runFloat(ocrGraph, feeds)[ocrOut]!.data;
      const got = runInt8(ocrInt8, feeds)[ocrOut]!.data;
      const { iou, pixels } = textMapIoU(want, got);
      console.log(`ppocr-v4-det int8 (minmax), crop (${left}, ${top}): text-map IoU ${iou.toFixed(4)} over ${pixels} px, cosine ${cosine(want, got).toFixed(4)}`);
      expect(pixels, 'the float map finds text in the crop').toBeGreaterThan(2000);
      expect(iou).toBeGreaterThanOrEqual(0.85);
    }
  });
});

describe.skipIf(skipGpu)('PP-OCRv4 det, int8 on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const int8Path of ['native', 'emulated'] as const) {
    it(`equals the int8 reference byte for byte (${int8Path} path)`, { timeout: 600_000 }, async () => {
      const session = await Session.create(ocrInt8, { gpu, int8Path, convVariant: 'dp4a' });
      const feeds = crop(evaluation, 100, 90);
      const t0 = performance.now();
      const got = (await session.run(feeds))[ocrOut]!;
      console.log(`ppocr-v4-det int8 on Dawn (${int8Path}): ${session.info.dispatches} dispatches, one run ${(performance.now() - t0).toFixed(0)} ms`);
      expect(bits(got)).toEqual(bits(runInt8(ocrInt8, feeds)[ocrOut]!));
      session.destroy();
    });
  }
});
