// The TF.js float reference (test/helpers/tfjs-reference.ts): hand-built graphs give the numbers
// computed by hand, and every fetched model runs on a real photo with the catalog's
// preprocessing and gives outputs that make sense. The fetched-model tests need
// `webgpu-int8 fetch-models` (`npm run fetch-models` here); without it they fail and say so.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertChannels, decodeImage, resizeBilinear, type Pixels } from '../../src/data/image.ts';
import { MODELS, MODEL_IDS, type CatalogModel, type ModelId } from '../../src/models/catalog.ts';
import { fetchHint, imagesRoot, modelDir } from '../../src/models/paths.ts';
import { loadTfjsArtifacts, loadTfjsModel, readTfjsDir, runTfjs, type GraphModel, type TensorData } from '../helpers/tfjs-reference.ts';

// ---------------------------------------------------------------------------------------------
// Hand-built graphs

const f32 = { type: 'DT_FLOAT' };
const shapeAttr = (dims: number[]) => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } });
const placeholder = (name: string, dims: number[]) => ({ name, op: 'Placeholder', attr: { dtype: f32, shape: shapeAttr(dims) } });
const constNode = (name: string, dims: number[]) => ({
  name,
  op: 'Const',
  attr: { value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((d) => ({ size: String(d) })) } } }, dtype: f32 },
});
const b64 = (s: string) => Buffer.from(s).toString('base64');

function concat(...parts: Uint8Array[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out.buffer;
}

describe('hand-built graphs', () => {
  it('AddV2 of two placeholders', async () => {
    const model = await loadTfjsArtifacts(
      {
        format: 'graph-model',
        modelTopology: {
          node: [placeholder('a', [1, 3]), placeholder('b', [1, 3]), { name: 'sum', op: 'AddV2', input: ['a', 'b'], attr: { T: f32 } }],
          versions: { producer: 1 },
        },
        weightsManifest: [],
      },
      new ArrayBuffer(0),
    );
    expect(model.outputs.map((o) => o.name)).toEqual(['sum']);
    const out = await runTfjs(model, {
      a: { shape: [1, 3], data: Float32Array.of(1, 2, 3) },
      b: { shape: [1, 3], data: Float32Array.of(10, 20, 30) },
    });
    expect([...out.keys()]).toEqual(['sum']);
    expect(out.get('sum')!.shape).toEqual([1, 3]);
    expect([...out.get('sum')!.data]).toEqual([11, 22, 33]);
  });

  // x = 1..9 as a 3×3 image; filter 0 = [[1, 2], [3, 4]], filter 1 = all ones (HWIO, VALID).
  // Conv: channel 0 = 1·x00 + 2·x01 + 3·x10 + 4·x11 → 37 47 67 77; channel 1 = 2×2 sums → 12 16 24 28.
  // Then + bias [0.5, -1] (uint8-affine: min -1, scale 0.5, q = [3, 0]) and × 0.25 (float16 0x3400).
  const conv = {
    node: [
      placeholder('x', [1, 3, 3, 1]),
      constNode('w', [2, 2, 1, 2]),
      constNode('bias', [2]),
      constNode('quarter', []),
      {
        name: 'conv',
        op: 'Conv2D',
        input: ['x', 'w'],
        attr: {
          T: f32,
          strides: { list: { i: ['1', '1', '1', '1'] } },
          dilations: { list: { i: ['1', '1', '1', '1'] } },
          padding: { s: b64('VALID') },
          data_format: { s: b64('NHWC') },
        },
      },
      { name: 'biased', op: 'BiasAdd', input: ['conv', 'bias'], attr: { T: f32, data_format: { s: b64('NHWC') } } },
      { name: 'out', op: 'Mul', input: ['biased', 'quarter'], attr: { T: f32 } },
    ],
    versions: { producer: 1 },
  };
  const weights = {
    paths: ['w.bin'],
    weights: [
      { name: 'w', shape: [2, 2, 1, 2], dtype: 'float32' as const },
      { name: 'bias', shape: [2], dtype: 'float32' as const, quantization: { dtype: 'uint8' as const, min: -1, scale: 0.5 } },
      { name: 'quarter', shape: [], dtype: 'float32' as const, quantization: { dtype: 'float16' as const } },
    ],
  };
  const weightData = concat(
    new Uint8Array(Float32Array.of(1, 1, 2, 1, 3, 1, 4, 1).buffer),
    Uint8Array.of(3, 0),
    Uint8Array.of(0x00, 0x34),
  );
  const x = { shape: [1, 3, 3, 1], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9) };

  it('Conv2D → BiasAdd (uint8-affine bias) → Mul (float16 scalar)', async () => {
    const model = await loadTfjsArtifacts({ format: 'graph-model', modelTopology: conv, weightsManifest: [weights] }, weightData);
    const out = await runTfjs(model, { x }, ['conv', 'biased', 'out']);
    expect(out.get('conv')!.shape).toEqual([1, 2, 2, 2]);
    expect([...out.get('conv')!.data]).toEqual([37, 12, 47, 16, 67, 24, 77, 28]);
    expect([...out.get('biased')!.data]).toEqual([37.5, 11, 47.5, 15, 67.5, 23, 77.5, 27]);
    expect([...out.get('out')!.data]).toEqual([9.375, 2.75, 11.875, 3.75, 16.875, 5.75, 19.375, 6.75]);
  });

  it('reads a model directory (model.json + shards) like a fetched model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-ref-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: conv, weightsManifest: [weights] }));
      fs.writeFileSync(path.join(dir, 'w.bin'), new Uint8Array(weightData));
      expect(readTfjsDir(dir).weightData.byteLength).toBe(weightData.byteLength);
      const out = await runTfjs(await loadTfjsModel(dir), { x });
      expect([...out.keys()]).toEqual(['out']);
      expect(out.get('out')!.data[0]).toBe(9.375);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The fetched models

/** A photo from <cache>/images/photos/ or calib/ (the split), or a failure telling how to get it. */
function photo(name: string): Pixels {
  const file = ['photos', 'calib'].map((set) => path.join(imagesRoot(), set, name)).find((f) => fs.existsSync(f)) ?? path.join(imagesRoot(), 'photos', name);
  if (!fs.existsSync(file)) throw new Error(`${file} missing: ${fetchHint()}`);
  return decodeImage(new Uint8Array(fs.readFileSync(file)), file);
}

/** Square crop (edge pixels repeated outside the image). */
function crop(p: Pixels, x0: number, y0: number, side: number): Pixels {
  const c = p.channels;
  const out = new Float32Array(side * side * c);
  for (let y = 0; y < side; y++) {
    const yy = Math.min(Math.max(y0 + y, 0), p.height - 1);
    for (let x = 0; x < side; x++) {
      const xx = Math.min(Math.max(x0 + x, 0), p.width - 1);
      for (let k = 0; k < c; k++) out[(y * side + x) * c + k] = p.data[(yy * p.width + xx) * c + k]!;
    }
  }
  return { height: side, width: side, channels: c, data: out };
}

/** The catalog's recipe: channels, whole-image bilinear resize, (v · scale − mean) / std. */
function preprocess(m: CatalogModel, p: Pixels): Record<string, TensorData> {
  const [, h, w, c] = m.input.shape;
  const pre = m.preprocess;
  const r = resizeBilinear(convertChannels(p, c), h, w);
  const data = Float32Array.from(r.data, (v, i) => (v * pre.scale - pre.mean[pre.mean.length === 1 ? 0 : i % c]!) / pre.std[pre.std.length === 1 ? 0 : i % c]!);
  for (const v of data) if (v < pre.range[0] - 1e-6 || v > pre.range[1] + 1e-6) throw new Error(`value ${v} outside ${pre.range}`);
  return { [m.input.name]: { shape: [...m.input.shape], data } };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}
function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}

/**
 * BlazeFace decoding of the best anchor (MediaPipe short range: 16×16 map × 2 anchors, then
 * 8×8 × 6, anchor centres at cell centres): score and box centre/size in input pixels.
 */
function bestFace(logits: Float32Array, regressors: Float32Array) {
  const i = argmax(logits);
  const [stride, cell] = i < 512 ? [8, Math.floor(i / 2)] : [16, Math.floor((i - 512) / 6)];
  const cols = 128 / stride;
  const ax = ((cell % cols) + 0.5) * stride;
  const ay = (Math.floor(cell / cols) + 0.5) * stride;
  const r = regressors.subarray(i * 16, i * 16 + 16);
  return { score: sigmoid(logits[i]!), cx: ax + r[0]!, cy: ay + r[1]!, w: r[2]!, h: r[3]! };
}

describe('fetched models in TF.js', () => {
  const models = new Map<ModelId, GraphModel>();
  const load = async (id: ModelId) => {
    if (!models.has(id)) models.set(id, await loadTfjsModel(modelDir(id)));
    return models.get(id)!;
  };

  it.each(MODEL_IDS)('%s: model.json matches the catalog (input, outputs, weight encoding)', (id) => {
    const m = MODELS[id];
    const { modelJson, weightData } = readTfjsDir(modelDir(id));
    const nodes = (modelJson.modelTopology as { node: { name: string; op: string; attr?: Record<string, any> }[] }).node;
    const inputs = nodes.filter((n) => n.op === 'Placeholder');
    expect(inputs.map((n) => n.name)).toEqual([m.input.name]);
    const dims = (inputs[0]!.attr!.shape.shape.dim as { size: string }[]).map((d) => Number(d.size));
    expect(dims.slice(1)).toEqual(m.input.shape.slice(1));
    expect([1, -1]).toContain(dims[0]);
    for (const o of m.outputs) expect(nodes.some((n) => n.name === o.name && n.op === 'Identity'), o.name).toBe(true);
    expect(weightData.byteLength).toBe(m.weights.bytes);
    const encodings = new Set(
      modelJson.weightsManifest.flatMap((g) => g.weights).filter((w) => w.dtype === 'float32').map((w) => w.quantization?.dtype ?? 'float32'),
    );
    expect([...encodings]).toEqual([{ 'uint8-affine': 'uint8', float16: 'float16', float32: 'float32' }[m.weights.encoding]]);
    expect(fs.readFileSync(path.join(modelDir(id), 'LICENSE'), 'utf8')).toMatch(/MIT License/);
  });

  it('mobilenet_v2_mid: a photo of a coffee cup is Neutral; probabilities sum to 1', async () => {
    const m = MODELS.mobilenet_v2_mid;
    if (m.kind !== 'classifier') throw new Error('not a classifier');
    expect(JSON.parse(fs.readFileSync(path.join(modelDir(m.id), 'labels.json'), 'utf8'))).toEqual(m.labels);
    const out = await runTfjs(await load(m.id), preprocess(m, photo('skimage-coffee.png')));
    const p = out.get('Identity')!;
    expect(p.shape).toEqual([1, 5]);
    expect(sum(p.data)).toBeCloseTo(1, 5);
    expect(m.labels[argmax(p.data)]).toBe('Neutral');
    expect(p.data[m.labels.indexOf('Neutral')]).toBeGreaterThan(0.9);
  });

  // The astronaut photo is 512×512 with the face about 100 px wide, centred near (227, 127).
  const ASTRONAUT_FACE = { cx: 227, cy: 127, side: 100 };

  it('blazeface-front: finds the astronaut\'s face, and no face in a photo of coins', async () => {
    const m = MODELS['blazeface-front'];
    const model = await load(m.id);
    const run = async (name: string) => {
      const out = await runTfjs(model, preprocess(m, photo(name)));
      for (const o of m.outputs) expect(out.get(o.name)!.shape, o.name).toEqual(o.shape);
      const cat = (a: string, b: string) => Float32Array.of(...out.get(a)!.data, ...out.get(b)!.data);
      return bestFace(cat('Identity', 'Identity_1'), cat('Identity_2', 'Identity_3'));
    };
    const face = await run('skimage-astronaut.png');
    const k = 512 / 128;
    expect(face.score).toBeGreaterThan(0.85);
    expect(Math.abs(face.cx * k - ASTRONAUT_FACE.cx)).toBeLessThan(15);
    expect(Math.abs(face.cy * k - ASTRONAUT_FACE.cy)).toBeLessThan(15);
    expect(face.w * k).toBeGreaterThan(75);
    expect(face.w * k).toBeLessThan(125);
    expect((await run('skimage-coins.png')).score).toBeLessThan(0.5);
  });

  it('facemesh-detection-short: the same detector with float16 weights and one [1, 896, 17] output', async () => {
    const short = MODELS['facemesh-detection-short'];
    const front = MODELS['blazeface-front'];
    const input = preprocess(short, photo('skimage-astronaut.png'));
    const out = (await runTfjs(await load(short.id), input)).get('Identity')!;
    expect(out.shape).toEqual([1, 896, 17]);
    const ref = await runTfjs(await load(front.id), { [front.input.name]: input[short.input.name]! });
    const logits = Float32Array.from({ length: 896 }, (_, i) => out.data[i * 17]!);
    const regressors = Float32Array.from({ length: 896 * 16 }, (_, j) => out.data[Math.floor(j / 16) * 17 + 1 + (j % 16)]!);
    const refLogits = Float32Array.of(...ref.get('Identity')!.data, ...ref.get('Identity_1')!.data);
    const refRegressors = Float32Array.of(...ref.get('Identity_2')!.data, ...ref.get('Identity_3')!.data);
    let maxLogit = 0;
    let maxReg = 0;
    for (let i = 0; i < 896; i++) maxLogit = Math.max(maxLogit, Math.abs(logits[i]! - refLogits[i]!));
    for (let i = 0; i < 896 * 16; i++) maxReg = Math.max(maxReg, Math.abs(regressors[i]! - refRegressors[i]!));
    // float16 weights: close to, but not bit-equal with, the float32 model.
    expect(maxLogit).toBeGreaterThan(0);
    expect(maxLogit).toBeLessThan(0.1);
    expect(maxReg).toBeLessThan(0.5);
    expect(argmax(logits)).toBe(argmax(refLogits));
    expect(bestFace(logits, regressors).score).toBeGreaterThan(0.85);
  });

  it('emotion: the (smiling) astronaut\'s face crop is happy', async () => {
    const m = MODELS.emotion;
    if (m.kind !== 'classifier') throw new Error('not a classifier');
    const { cx, cy, side } = ASTRONAUT_FACE;
    const face = crop(photo('skimage-astronaut.png'), cx - side / 2, cy - side / 2, side);
    const p = (await runTfjs(await load(m.id), preprocess(m, face))).get('Identity')!;
    expect(p.shape).toEqual([1, 7]);
    expect(sum(p.data)).toBeCloseTo(1, 5);
    expect(m.labels[argmax(p.data)]).toBe('happy');
    expect(p.data[m.labels.indexOf('happy')]).toBeGreaterThan(0.9);
  });
});
