import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { decodeImage } from '../../src/data/image.ts';
import { modelsDir } from '../../src/models/cache.ts';
import {
  BLAZEFACE_BACK,
  BLAZEFACE_FRONT,
  blazefaceAnchors,
  blazefaceFeatureMaps,
  blazefaceInput,
  decodeBlazeFace,
  type RawOutput,
} from '../../src/models/blazeface.ts';

const logit = (p: number) => Math.log(p / (1 - p));

/** All-"no face" raw outputs for the front model (logit −10 everywhere, zero regressors). */
function blankOutputs() {
  return {
    Identity: { data: new Float32Array(512).fill(-10), shape: [1, 512, 1] },
    Identity_1: { data: new Float32Array(384).fill(-10), shape: [1, 384, 1] },
    Identity_2: { data: new Float32Array(512 * 16), shape: [1, 512, 16] },
    Identity_3: { data: new Float32Array(384 * 16), shape: [1, 384, 16] },
  } satisfies Record<string, RawOutput>;
}

describe('blazefaceAnchors', () => {
  it('front: 16×16×2 (stride 8) then 8×8×6 (stride 16) = 896 cell centres', () => {
    expect(blazefaceFeatureMaps(BLAZEFACE_FRONT)).toEqual([
      { size: 16, stride: 8, anchorsPerCell: 2 },
      { size: 8, stride: 16, anchorsPerCell: 6 },
    ]);
    const a = blazefaceAnchors(BLAZEFACE_FRONT);
    expect(a.length).toBe(2 * 896);
    const at = (i: number) => [a[2 * i], a[2 * i + 1]];
    // 16×16 map: cell (col, row) centre = ((col + 0.5) / 16, (row + 0.5) / 16), 2 anchors per cell
    expect(at(0)).toEqual([0.03125, 0.03125]);
    expect(at(1)).toEqual([0.03125, 0.03125]);
    expect(at(2)).toEqual([0.09375, 0.03125]); // col 1
    expect(at(31)).toEqual([0.96875, 0.03125]); // col 15, row 0
    expect(at(32)).toEqual([0.03125, 0.09375]); // row 1
    expect(at(511)).toEqual([0.96875, 0.96875]);
    // 8×8 map: ((col + 0.5) / 8, (row + 0.5) / 8), 6 anchors per cell
    for (let k = 512; k < 518; k++) expect(at(k)).toEqual([0.0625, 0.0625]);
    expect(at(518)).toEqual([0.1875, 0.0625]);
    expect(at(512 + 6 * 8)).toEqual([0.0625, 0.1875]);
    expect(at(895)).toEqual([0.9375, 0.9375]);
    expect(blazefaceAnchors(BLAZEFACE_FRONT)).toBe(a); // cached
  });

  it('back: 256×256, strides 16/32: the same 896-anchor layout', () => {
    expect(blazefaceFeatureMaps(BLAZEFACE_BACK).map((m) => [m.size, m.anchorsPerCell])).toEqual([[16, 2], [8, 6]]);
    expect(Array.from(blazefaceAnchors(BLAZEFACE_BACK))).toEqual(Array.from(blazefaceAnchors(BLAZEFACE_FRONT)));
  });
});

describe('blazefaceInput', () => {
  it('maps 0..255 to [-1, 1] NHWC at 128×128', () => {
    const data = new Uint8Array(4 * 4 * 3);
    for (let i = 0; i < 16; i++) data.set([0, 255, 127.5], 3 * i);
    const x = blazefaceInput({ height: 4, width: 4, channels: 3, data });
    expect(x.length).toBe(128 * 128 * 3);
    const want = [-1, 1, 127 / 127.5 - 1]; // the Uint8Array stores 127
    const err = x.reduce((m, v, i) => Math.max(m, Math.abs(v - want[i % 3]!)), 0);
    expect(err).toBeLessThan(1e-6);
    expect(BLAZEFACE_FRONT.inputRange).toEqual([-1, 1]);
  });
});

describe('decodeBlazeFace', () => {
  it('decodes one anchor by hand: box, score, keypoints', () => {
    const out = blankOutputs();
    // Anchor 37 is in the 16×16 map: cell 18 = row 1, col 2 → centre (2.5/16, 1.5/16) = (0.15625, 0.09375).
    out.Identity.data[37] = logit(0.9);
    out.Identity_2.data.set([6.4, -3.2, 32, 25.6, 0, 0, 12.8, 6.4, -6.4, -12.8, 1.28, 2.56, 0, 0, 0, 0], 37 * 16);
    // Anchor 512 + 6·9 + 5 = 571 is in the 8×8 map: cell 9 = row 1, col 1 → centre (0.1875, 0.1875).
    out.Identity_1.data[6 * 9 + 5] = logit(0.8);
    out.Identity_3.data.set([0, 12.8, 64, 64], (6 * 9 + 5) * 16);

    const faces = decodeBlazeFace(out, { iouThreshold: 0.99 });
    expect(faces.length).toBe(2);
    const [a, b] = faces;
    expect(a!.anchor).toBe(37);
    expect(a!.score).toBeCloseTo(0.9, 6);
    // centre (0.15625 + 6.4/128, 0.09375 − 3.2/128) = (0.20625, 0.06875); size (0.25, 0.2)
    const boxA = [0.08125, -0.03125, 0.33125, 0.16875];
    a!.box.forEach((v, k) => expect(v).toBeCloseTo(boxA[k]!, 6));
    const kpA = [[0.15625, 0.09375], [0.25625, 0.14375], [0.10625, -0.00625], [0.16625, 0.11375], [0.15625, 0.09375], [0.15625, 0.09375]];
    expect(a!.keypoints.length).toBe(6);
    a!.keypoints.forEach((p, k) => { expect(p[0]).toBeCloseTo(kpA[k]![0]!, 6); expect(p[1]).toBeCloseTo(kpA[k]![1]!, 6); });
    expect(b!.anchor).toBe(571);
    expect(b!.score).toBeCloseTo(0.8, 6);
    // centre (0.1875, 0.1875 + 0.1) = (0.1875, 0.2875); size (0.5, 0.5)
    const boxB = [-0.0625, 0.0375, 0.4375, 0.5375];
    b!.box.forEach((v, k) => expect(v).toBeCloseTo(boxB[k]!, 6));

    // The outputs can come in any order, as an array.
    const shuffled = [out.Identity_3, out.Identity, out.Identity_2, out.Identity_1];
    expect(decodeBlazeFace(shuffled, { iouThreshold: 0.99 })).toEqual(faces);
  });

  it('score threshold, NMS (IoU 0.3) and maxFaces', () => {
    const out = blankOutputs();
    // Three boxes of size 0.25: anchors 0 and 2 overlap strongly (centres 1/16 apart horizontally:
    // IoU = (0.25 − 0.0625) / (0.25 + 0.0625) = 0.6), anchor 511 is far away.
    for (const [i, p] of [[0, 0.95], [2, 0.9], [511, 0.85], [100, 0.7]] as const) {
      out.Identity.data[i] = logit(p);
      out.Identity_2.data.set([0, 0, 32, 32], i * 16);
    }
    expect(decodeBlazeFace(out).map((f) => f.anchor)).toEqual([0, 511]); // 2 suppressed, 100 below 0.75
    expect(decodeBlazeFace(out, { iouThreshold: 0.7 }).map((f) => f.anchor)).toEqual([0, 2, 511]);
    expect(decodeBlazeFace(out, { scoreThreshold: 0.5 }).map((f) => f.anchor)).toEqual([0, 511, 100]);
    expect(decodeBlazeFace(out, { maxFaces: 1 }).map((f) => f.anchor)).toEqual([0]);
    expect(decodeBlazeFace(blankOutputs())).toEqual([]);
  });

  it('refuses outputs of the wrong shape or count', () => {
    const out = blankOutputs();
    expect(() => decodeBlazeFace([out.Identity, out.Identity_1, out.Identity_2])).toThrow(/expected 4 outputs/);
    expect(() => decodeBlazeFace([out.Identity, out.Identity, out.Identity_2, out.Identity_3])).toThrow(/two outputs/);
    expect(() => decodeBlazeFace({ ...out, Identity: { data: new Float32Array(500), shape: [1, 500, 1] } })).toThrow(/unexpected output shape/);
  });
});

// End to end: the real model on real photos, run by TF.js on the CPU. The model comes from the
// model cache (`npm run fetch-models`, which the test script runs first) and the photos from
// Debian's python3-skimage: either missing is a broken setup, and the test fails saying which.
const MODEL_JSON = join(modelsDir(), 'blazeface-front/model.json');
const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data';

describe('blazeface-front end to end (TF.js CPU)', () => {
  it('has its model and photos', () => {
    expect(existsSync(MODEL_JSON), `${MODEL_JSON} is missing: run npm run fetch-models`).toBe(true);
    for (const photo of ['astronaut.png', 'coffee.png']) {
      expect(existsSync(`${SKIMAGE}/${photo}`), `${SKIMAGE}/${photo} is missing: apt-get install python3-skimage`).toBe(true);
    }
  });

  async function loadModel() {
    await tf.setBackend('cpu');
    const json = JSON.parse(readFileSync(MODEL_JSON, 'utf8'));
    const weightSpecs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const bins = json.weightsManifest.flatMap((g: { paths: string[] }) => g.paths).map((p: string) => readFileSync(join(dirname(MODEL_JSON), p)));
    const bytes = new Uint8Array(bins.reduce((n: number, b: Buffer) => n + b.length, 0));
    let o = 0;
    for (const b of bins) { bytes.set(b, o); o += b.length; }
    return loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData: bytes.buffer }));
  }

  async function detect(model: Awaited<ReturnType<typeof loadModel>>, file: string) {
    const input = blazefaceInput(decodeImage(readFileSync(`${SKIMAGE}/${file}`), file));
    const names = [...BLAZEFACE_FRONT.outputs.logits, ...BLAZEFACE_FRONT.outputs.regressors];
    const x = tf.tensor4d(input, [1, 128, 128, 3]);
    const ys = model.execute(x, names) as tf.Tensor[];
    const outputs: Record<string, RawOutput> = {};
    ys.forEach((y, k) => { outputs[names[k]!] = { data: y.dataSync() as Float32Array, shape: y.shape }; });
    tf.dispose([x, ...ys]);
    return { outputs, faces: decodeBlazeFace(outputs) };
  }

  it('finds the one face in astronaut.png and none in coffee.png', async () => {
    const model = await loadModel();
    const { outputs, faces } = await detect(model, 'astronaut.png');
    // The output names carry the documented shapes.
    expect(Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, v.shape]))).toEqual({
      Identity: [1, 512, 1], Identity_1: [1, 384, 1], Identity_2: [1, 512, 16], Identity_3: [1, 384, 16],
    });
    expect(faces.length).toBe(1);
    const [face] = faces;
    expect(face!.score).toBeGreaterThan(0.75); // 0.92 (the next best anchor, on the helmet: 0.24)
    const [x0, y0, x1, y1] = face!.box;
    // Measured by eye on the image (normalized): cheek to cheek x 0.35–0.53, brow 0.19, chin
    // 0.33; pupils (0.394, 0.197) and (0.483, 0.202), nose tip (0.436, 0.245), mouth centre
    // (0.44, 0.285). The box covers the face ...
    expect(x0).toBeLessThan(0.37); expect(x1).toBeGreaterThan(0.51);
    expect(y0).toBeLessThan(0.19); expect(y1).toBeGreaterThan(0.31);
    // ... and is not much bigger than it.
    expect(x0).toBeGreaterThan(0.28); expect(x1).toBeLessThan(0.6);
    expect(y0).toBeGreaterThan(0.08); expect(y1).toBeLessThan(0.42);
    // Keypoints within 0.025 (13 of 512 pixels) of the measured points; her right eye is on the image's left.
    const measured = [[0.394, 0.197], [0.483, 0.202], [0.436, 0.245], [0.44, 0.285]];
    measured.forEach(([x, y], k) => {
      expect(Math.abs(face!.keypoints[k]![0] - x!)).toBeLessThan(0.025);
      expect(Math.abs(face!.keypoints[k]![1] - y!)).toBeLessThan(0.025);
    });
    // Ear tragions: left and right of the eyes, at about eye height.
    const [rightEar, leftEar] = face!.keypoints.slice(4);
    expect(rightEar![0]).toBeLessThan(0.394); expect(leftEar![0]).toBeGreaterThan(0.483);
    expect(Math.abs(rightEar![1] - 0.2)).toBeLessThan(0.06); expect(Math.abs(leftEar![1] - 0.2)).toBeLessThan(0.06);

    const c = await detect(model, 'coffee.png');
    // Its best anchor scores about 0.28: far below the threshold.
    expect(c.faces).toEqual([]);
    model.dispose();
  }, 30_000);
});
