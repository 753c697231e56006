// The bundled Fashion-MNIST CNN, quantized in node (entropy, 100 calibration images), run int8 on
// the GPU inside a headless Chromium page (served by Vite, which resolves the library's npm
// imports) and compared bit for bit with the CPU int8 reference on the first 100 test images.
// Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { writeQ8 } from '../../src/quant/q8-file.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import type { ModelRunRequest, ModelRunResult } from './model-page.ts';
import { ModelPageHost } from './model-page-host.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skip ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';

const IMAGES = 100;
const EMULATED_IMAGES = 10;

const base64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
const bitsOf = (data: Float32Array) => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
const floatOf = (bits: number) => new Float32Array(new Uint32Array([bits]).buffer)[0]!;
const hex = (bits: number) => `0x${(bits >>> 0).toString(16).padStart(8, '0')}`;

interface Reference {
  q8: string;
  /** The first IMAGES test images back to back, as fed to the model. */
  inputs: Float32Array;
  imageSize: number;
  /** Per image, the CPU int8 reference output as float32 bit patterns. */
  bits: number[][];
  outputName: string;
}

function buildReference(): Reference {
  const t0 = performance.now();
  const nhwc = optimize(importOnnx(readFileSync(BUNDLED.model)), { layout: 'NHWC' });
  const calib = imageSetFromIdx(readIdx(BUNDLED.calibImages, 'calibration images'));
  const ranges = calibrate(nhwc, 100, (i) => ({ input: calib.input(i) }), { method: 'entropy' });
  const model = quantizeGraph(nhwc, ranges, { method: 'entropy' });
  const t1 = performance.now();
  const test = imageSetFromIdx(readIdx(BUNDLED.testImages, 'test images'));
  const inputName = model.inputs[0]!.name;
  const outputName = model.outputs[0]!.name;
  const size = test.imageShape.reduce((a, b) => a * b, 1);
  const inputs = new Float32Array(IMAGES * size);
  const bits: number[][] = [];
  for (let i = 0; i < IMAGES; i++) {
    const input = test.input(i);
    inputs.set(input.data as Float32Array, i * size);
    const out = runInt8(model, { [inputName]: input })[outputName];
    if (!out || !(out.data instanceof Float32Array)) throw new Error(`CPU reference: no float32 "${outputName}" for image ${i}`);
    bits.push(bitsOf(out.data));
  }
  const q8 = writeQ8(model);
  console.log(
    `quantized in ${(t1 - t0).toFixed(0)} ms (${model.steps.length} steps, .q8 ${q8.byteLength} bytes); ` +
      `CPU int8 reference on ${IMAGES} images in ${(performance.now() - t1).toFixed(0)} ms`,
  );
  return { q8: base64(q8), inputs, imageSize: size, bits, outputName };
}

/** Every output float whose bits differ, as readable lines (at most `limit`). */
function mismatches(got: number[][], want: number[][], limit = 20): { count: number; lines: string[] } {
  let count = 0;
  const lines: string[] = [];
  want.forEach((row, image) => {
    row.forEach((w, k) => {
      const g = got[image]?.[k];
      if (g === w) return;
      count++;
      if (lines.length < limit) {
        const gs = g === undefined ? 'missing' : `${floatOf(g)} (${hex(g)})`;
        lines.push(`image ${image} [${k}]: gpu ${gs}, cpu ${floatOf(w)} (${hex(w)})`);
      }
    });
  });
  return { count, lines };
}

function describeRun(label: string, r: ModelRunResult): string {
  const runs = [...r.ms.runs].sort((a, b) => a - b);
  return [
    `${label}: adapter ${JSON.stringify(r.adapterInfo)}, dot4I8Packed ${r.dot4I8Packed}`,
    `  session info ${JSON.stringify(r.info)}`,
    `  device ${r.ms.device.toFixed(0)} ms, session creation ${r.ms.session.toFixed(0)} ms, ` +
      `run ms over ${runs.length} images: median ${r.ms.median.toFixed(2)}, min ${runs[0]!.toFixed(2)}, max ${runs[runs.length - 1]!.toFixed(2)} (first ${r.ms.runs[0]!.toFixed(2)})`,
  ].join('\n');
}

describe('bundled Fashion-MNIST CNN int8 on WebGPU in headless Chromium', () => {
  let host: ModelPageHost | undefined;
  let ref: Reference;

  const runInPage = (count: number, int8Path?: ModelRunRequest['int8Path']): Promise<ModelRunResult> => {
    const request: ModelRunRequest = {
      q8: ref.q8,
      inputs: base64(ref.inputs.subarray(0, count * ref.imageSize)),
      count,
      ...(int8Path ? { int8Path } : {}),
    };
    return host!.run(request);
  };

  beforeAll(async () => {
    if (skip) return;
    ref = buildReference();
    const t0 = performance.now();
    host = await ModelPageHost.open();
    console.log(`chromium ${host.browser.version()} up and model page loaded (Vite) in ${(performance.now() - t0).toFixed(0)} ms`);
  }, 300_000);

  afterAll(async () => {
    await host?.close();
  });

  it.skipIf(skip)(`matches the CPU int8 reference bit for bit on ${IMAGES} test images${why}`, { timeout: 900_000 }, async () => {
    const result = await runInPage(IMAGES);
    console.log(describeRun('default int8 path', result), `\n  ${result.userAgent}`);
    expect(result.gpuErrors).toEqual([]);
    expect(result.info.int8Path).toBe(result.dot4I8Packed ? 'native' : 'emulated');
    expect(result.outputShape).toEqual([1, 10]);
    const diff = mismatches(result.outputBits, ref.bits);
    if (diff.count) console.log(`${diff.count} of ${IMAGES * 10} output floats differ:\n${diff.lines.join('\n')}`);
    expect(diff.count).toBe(0);
    expect(result.outputBits).toEqual(ref.bits);
  });

  it.skipIf(skip)(`matches it on the emulated int8 path (no dot4I8Packed) on ${EMULATED_IMAGES} images${why}`, { timeout: 900_000 }, async () => {
    const result = await runInPage(EMULATED_IMAGES, 'emulated');
    console.log(describeRun('emulated int8 path', result));
    expect(result.gpuErrors).toEqual([]);
    expect(result.info.int8Path).toBe('emulated');
    const want = ref.bits.slice(0, EMULATED_IMAGES);
    const diff = mismatches(result.outputBits, want);
    if (diff.count) console.log(`${diff.count} of ${EMULATED_IMAGES * 10} output floats differ:\n${diff.lines.join('\n')}`);
    expect(diff.count).toBe(0);
    expect(result.outputBits).toEqual(want);
  });
});
