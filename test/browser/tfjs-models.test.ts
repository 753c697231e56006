// MobileNetV2 and BlazeFace (pretrained TF.js models, quantized in node on their calibration
// photos) run int8 on WebGPU inside headless Chromium (the Vite-served model page) and match the
// CPU int8 reference bit for bit on every output computed in int8. MobileNetV2's program is cut
// at its dequantized logits: the float Softmax after them may round differently on a GPU.
// Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logitsOf } from '../../src/eval/outputs.ts';
import type { ModelId } from '../../src/models/catalog.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { writeQ8 } from '../../src/quant/q8-file.ts';
import { withOutputs } from '../../src/quant/truncate.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { feedsOf, imageFiles, loadRealModel, quantizeReal, spread } from '../helpers/real-models.ts';
import type { ModelRunRequest } from './model-page.ts';
import { ModelPageHost } from './model-page-host.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skip ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';
const base64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

interface Case {
  id: ModelId;
  calib: 'calib' | 'faces-calib';
  photos: 'photos' | 'faces';
  calibration: number;
  checked: number;
}

const CASES: Case[] = [
  { id: 'blazeface-front', calib: 'faces-calib', photos: 'faces', calibration: 6, checked: 2 },
  { id: 'mobilenet_v2_mid', calib: 'calib', photos: 'photos', calibration: 4, checked: 1 },
];

function prepare(c: Case): { request: ModelRunRequest; want: number[][]; model: QuantizedModel } {
  const float = loadRealModel(c.id);
  const full = quantizeReal(float, feedsOf(c.id, spread(imageFiles(c.calib), c.calibration)));
  const logits = logitsOf(full);
  const model = logits === full.outputs[0]!.name ? full : withOutputs(full, [logits]);
  const feeds = feedsOf(c.id, spread(imageFiles(c.photos), c.checked));
  const input = model.inputs[0]!.name;
  const inputs = new Float32Array(feeds.reduce((n, f) => n + f[input]!.data.length, 0));
  let offset = 0;
  const want = feeds.map((f) => {
    inputs.set(f[input]!.data as Float32Array, offset);
    offset += f[input]!.data.length;
    const out = runInt8(model, f);
    return model.outputs.flatMap((o) => Array.from(new Uint32Array(out[o.name]!.data.buffer, out[o.name]!.data.byteOffset, out[o.name]!.data.length)));
  });
  return { request: { q8: base64(writeQ8(model)), inputs: base64(inputs), count: feeds.length }, want, model };
}

describe('pretrained TF.js models int8 on WebGPU in headless Chromium', () => {
  let host: ModelPageHost | undefined;

  beforeAll(async () => {
    if (!skip) host = await ModelPageHost.open();
  }, 300_000);

  afterAll(async () => {
    await host?.close();
  });

  it.skipIf(skip).each(CASES)(`$id matches the CPU int8 reference bit for bit${why}`, { timeout: 900_000 }, async (c) => {
    const { request, want, model } = prepare(c);
    const result = await host!.run(request);
    console.log(`${c.id} in Chromium: ${JSON.stringify(result.info)}; runs ${result.ms.runs.map((r) => r.toFixed(0)).join(', ')} ms; outputs ${model.outputs.map((o) => o.name).join(', ')}`);
    expect(result.gpuErrors).toEqual([]);
    expect(result.outputBits.length).toBe(want.length);
    result.outputBits.forEach((bits, i) => {
      const differing = bits.filter((b, k) => b !== want[i]![k]).length;
      expect(differing, `${c.id} photo ${i}: values whose bits differ`).toBe(0);
      expect(bits.length).toBe(want[i]!.length);
    });
  });
});
