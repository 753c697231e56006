// Dynamic products in int8 programs (.q8, Session.create), not only in the fp32 plan:
// - the bundled CNN with its convs static and its classifier Gemm dynamic (quantize's `dynamic`
//   option): one program, the Gemm a float step whose dispatches go through temporaries; its
//   .q8 round trip; its accuracy on the CPU int8 reference; on Dawn, every path (native and
//   emulated dp4a, the dynamic product's dp4a and f32 kernels) gives the reference's bytes;
// - the trained text encoder as an all-dynamic program (quantizeDynamicProgram) with int64
//   inputs at two sequence lengths: the GPU program gives the same bytes as the fp32 plan of
//   quantizeDynamic's graph (the same kernels), and the CPU reference's predictions.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFloatSession, quantize, quantizeDynamic, quantizeDynamicProgram } from '../../src/api.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session, type SessionOptions } from '../../src/gpu/session.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { readQ8, writeQ8 } from '../../src/quant/q8-file.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { relativeMaxDiff } from '../helpers/random.ts';

const skipGpu = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const GEMM = '/fc/Gemm';
const cnn = importOnnx(readFileSync(BUNDLED.model));
const calib = imageSetFromIdx(readIdx(BUNDLED.calibImages, 'calibration images'));
const test = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'), readIdx(BUNDLED.testLabels, 'labels'));
const encoder = importOnnx(readFileSync('models/text_encoder.onnx'));
const texts = JSON.parse(readFileSync('data/text-encoder/test.json', 'utf8')) as { input_ids: number[][] };

const bits = (t: Tensor) => Array.from(new Uint32Array((t.data as Float32Array).buffer, (t.data as Float32Array).byteOffset, t.data.length));
const argmaxOf = (xs: Tensor['data']) => Array.from(xs).indexOf(Math.max(...Array.from(xs)));
const roundTrip = (m: QuantizedModel) => {
  const bytes = writeQ8(m);
  const back = readQ8(bytes);
  expect(writeQ8(back)).toEqual(bytes);
  return back;
};

/** Two test texts cut or padded to `length`, the second masked from half way. */
function textBatch(length: number): Record<string, Tensor> {
  const ids: number[] = [];
  const mask: number[] = [];
  [texts.input_ids[3]!, texts.input_ids[10]!].forEach((seq, r) => {
    const keep = Math.max(1, Math.min(seq.length, r === 1 ? Math.ceil(length / 2) : length));
    for (let j = 0; j < length; j++) {
      ids.push(j < keep ? seq[j]! : 0);
      mask.push(j < keep ? 1 : 0);
    }
  });
  return { input_ids: tensor('int64', [2, length], ids), attention_mask: tensor('int64', [2, length], mask) };
}

describe('dynamic products in int8 programs', () => {
  let mixed: QuantizedModel;
  beforeAll(async () => {
    const samples = Array.from({ length: 100 }, (_, i) => ({ input: calib.input(i) }));
    mixed = roundTrip(await quantize(cnn, { calibration: samples, method: 'entropy', dynamic: [GEMM] }));
  }, 120_000);

  it('the CNN: convs static, the Gemm dynamic, in one program that keeps accuracy (CPU int8 reference)', { timeout: 300_000 }, async () => {
    expect(mixed.steps.filter((s) => s.op === 'conv')).toHaveLength(6);
    expect(mixed.steps.flatMap((s) => (s.op === 'float' ? [`${s.node.op} ${s.name}`] : []))).toEqual([`MatMulDynamicInt8 ${GEMM}`]);
    const staticOnly = await quantize(cnn, { calibration: Array.from({ length: 100 }, (_, i) => ({ input: calib.input(i) })), method: 'entropy' });
    const accuracy = (m: QuantizedModel) => {
      let right = 0;
      for (let i = 0; i < 500; i++) if (argmaxOf(runInt8(m, { input: test.input(i) }).logits!.data) === test.labels![i]) right++;
      return right / 5;
    };
    const [mix, all] = [accuracy(mixed), accuracy(staticOnly)];
    console.log(`bundled CNN, 500 test images: static int8 ${all.toFixed(1)}%, convs static + Gemm dynamic ${mix.toFixed(1)}%`);
    expect(Math.abs(mix - all)).toBeLessThanOrEqual(1);
  });

  describe.skipIf(skipGpu)('on Dawn', () => {
    let gpu: GpuContext;
    beforeAll(async () => {
      gpu = await nodeGpuDevice();
    });
    afterAll(() => gpu?.device.destroy());

    const paths: { what: string; options: Partial<SessionOptions> }[] = [
      { what: 'native dp4a, the adapter\'s choice of dynamic kernel', options: { int8Path: 'native' } },
      { what: 'native dp4a, every kernel dp4a', options: { int8Path: 'native', convVariant: 'dp4a' } },
      { what: 'emulated, every kernel f32', options: { int8Path: 'emulated', convVariant: 'f32' } },
    ];
    for (const { what, options } of paths) {
      it(`the mixed CNN program gives the CPU reference's bytes on 20 images (${what})`, { timeout: 120_000 }, async () => {
        const session = await Session.create(mixed, { gpu, ...options });
        const shaders = new Set((await session.profile({ input: test.input(0) })).kernels.map((k) => k.shader));
        expect([...shaders].filter((s) => s.startsWith('dynq_gemm'))).toHaveLength(1);
        for (let i = 0; i < 20; i++) {
          const x = { input: test.input(i) };
          const got = (await session.run(x)).logits!;
          expect(bits(got), `image ${i}`).toEqual(bits(runInt8(mixed, x).logits!));
        }
        session.destroy();
      });
    }

    it('the text encoder as an all-dynamic program (int64 inputs) at lengths 7 and 32: the fp32 plan\'s bytes, the CPU reference\'s predictions', { timeout: 300_000 }, async () => {
      const float = await createFloatSession(quantizeDynamic(encoder).graph, { gpu });
      for (const length of [7, 32]) {
        const program = roundTrip(quantizeDynamicProgram(encoder, { inputShapes: { input_ids: [2, length], attention_mask: [2, length] } }));
        expect(program.inputs.map((i) => i.dtype)).toEqual(['int64', 'int64']);
        expect(program.steps.filter((s) => s.op === 'float' && s.node.op === 'MatMulDynamicInt8')).toHaveLength(13);
        const session = await Session.create(program, { gpu });
        const feeds = textBatch(length);
        const got = (await session.run(feeds)).logits!;
        expect(bits(got), `length ${length}`).toEqual(bits((await float.run(feeds)).logits!));
        const want = runInt8(program, feeds).logits!;
        expect(relativeMaxDiff(got as { data: Float32Array }, want as { data: Float32Array }), `length ${length}`).toBeLessThan(1e-4);
        for (const row of [0, 1]) expect(argmaxOf(got.data.slice(8 * row, 8 * row + 8))).toBe(argmaxOf(want.data.slice(8 * row, 8 * row + 8)));
        session.destroy();
      }
      float.destroy();
    });
  });
});
