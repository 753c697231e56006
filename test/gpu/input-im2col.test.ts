// The input Quantize planned as the first conv's im2col (src/kernels/im2col.ts): random first
// convs with 1–6 input channels, 1×2 to 5×5 windows, strides, dilation, padding (SAME_UPPER too),
// batch 1–2, NCHW input through a Transpose or NHWC input; the inputs hold NaN, ±∞ and values
// far outside the calibrated range. Every variant on both int8 paths gives the CPU reference's
// bytes. A Quantize with two readers, a conv whose windows pack no tighter, or one whose im2col
// would be over 4× its input keeps its own dispatch.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { planProgram } from '../../src/plan/plan.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor, uniform } from '../helpers/random.ts';
import { PATHS, skipGpu } from './kernels-harness.ts';

interface FirstConv {
  model: QuantizedModel;
  inputShape: number[];
  what: string;
}

/** A random first conv: float input (NCHW through a Transpose, or NHWC), one int8 conv, its output dequantized. */
function firstConv(seed: number): FirstConv {
  const next = uniform(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const [n, c, kh, kw, stride, dilation] = [int(1, 2), [1, 2, 3, 3, 5, 6][int(0, 5)]!, int(1, 5), int(2, 5), int(1, 2), next() < 0.2 ? 2 : 1];
  const [h, w] = [int(kh * dilation, 14), int(kw * dilation, 14)];
  const nchw = next() < 0.5;
  const pads: [number, number, number, number] = [int(0, kh - 1), int(0, kw - 1), int(0, kh - 1), int(0, kw - 1)];
  const autoPad = next() < 0.2 ? 'SAME_UPPER' : 'NOTSET';
  const inputShape = nchw ? [n, c, h, w] : [n, h, w, c];
  const b = new GraphBuilder();
  const x = b.input('x', inputShape);
  const nhwc = nchw ? b.node('Transpose', [x], { perm: [0, 2, 3, 1] }) : x;
  const attrs = convAttrs({ layout: 'NHWC', strides: [stride, stride], dilations: [dilation, dilation], pads, autoPad, clamp: next() < 0.5 ? { min: 0, max: 6 } : null });
  const g = b.output(b.node('Conv', [nhwc, b.constant('w', randomTensor([int(1, 9), kh, kw, c], seed + 1))], attrs)).build();
  const model = quantizeGraph(g, calibrate(g, 2, (i) => ({ x: randomTensor(inputShape, seed + 10 + i) }), { method: 'minmax' }), { method: 'minmax' });
  return { model, inputShape, what: `seed ${seed}: ${nchw ? 'NCHW' : 'NHWC'} [${inputShape}], ${kh}×${kw}, stride ${stride}, dilation ${dilation}, pads [${pads}] ${autoPad}` };
}

/** A random input with NaN, ±∞ and out-of-range values in it. */
function awkwardInput(shape: number[], seed: number): Tensor {
  const t = randomTensor(shape, seed, -1.5, 1.5);
  const data = t.data as Float32Array;
  [NaN, Infinity, -Infinity, 1e30, -1e30].forEach((v, i) => (data[(i * 7919 + seed) % data.length] = v));
  return t;
}

const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

describe.skipIf(skipGpu)("the input quantized into the first conv's im2col", () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  const cases = Array.from({ length: 12 }, (_, i) => firstConv(100 + i));

  it('is planned for convs whose windows pack tighter into at most 4× the input, and only for them', () => {
    let fused = 0;
    for (const { model, inputShape, what } of cases) {
      const conv = model.steps.find((s) => s.op === 'conv')!;
      const [, kh, kw, c] = conv.op === 'conv' ? conv.weightShape : [0, 0, 0, 0];
      const plan = planProgram(model, inputShape[0], { convVariant: () => 'dp4a' });
      const [n, oh, ow] = plan.shapes.get(model.outputs[0]!.name)!;
      const words = Math.ceil((kh * kw * c) / 4);
      const expected = words < kh * kw * Math.ceil(c / 4) && n! * oh! * ow! * words <= 4 * inputShape.reduce((a, b) => a * b, 1);
      const shaders = plan.specs.map((s) => s.shader);
      expect(shaders[0], what).toBe(expected ? 'quantize_im2col' : 'quantize_f32');
      expect(shaders.includes('layout_int8'), what).toBe(!expected && model.steps.some((s) => s.op === 'layout'));
      if (expected) fused++;
    }
    expect(fused).toBeGreaterThan(4);
  });

  for (const variant of ['reference', 'dp4a', 'f32'] as const) {
    it(`${variant}: byte-identical to the CPU reference on both paths`, { timeout: 300_000 }, async () => {
      for (const { model, inputShape, what } of cases) {
        for (const int8Path of PATHS) {
          const session = await Session.create(model, { gpu, int8Path, convVariant: variant, batch: inputShape[0] });
          try {
            const feeds = { x: awkwardInput(inputShape, 7) };
            const name = model.outputs[0]!.name;
            expect(bits((await session.run(feeds))[name]!), `${what}, ${int8Path}`).toEqual(bits(runInt8(model, feeds)[name]!));
          } finally {
            session.destroy();
          }
        }
      }
    });
  }

  /** NHWC input [1, 8, 8, c] into `convs` convs of `k`×`k` (padded to keep the size), their sum the output. */
  function notFused(c: number, k: number, convs: 1 | 2): QuantizedModel {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 8, 8, c]);
    const pad = (k - 1) / 2;
    const conv = (seed: number) => b.node('Conv', [x, b.constant(`w${seed}`, randomTensor([4, k, k, c], seed))], convAttrs({ layout: 'NHWC', pads: [pad, pad, pad, pad] }));
    const g = b.output(convs === 2 ? b.node('Add', [conv(1), conv(2)], {} as Record<string, never>) : conv(1)).build();
    return quantizeGraph(g, calibrate(g, 2, (i) => ({ x: randomTensor([1, 8, 8, c], 10 + i) }), { method: 'minmax' }), { method: 'minmax' });
  }

  const kept: [string, QuantizedModel][] = [
    ['a Quantize with a second reader', notFused(3, 3, 2)],
    ['4 channels (the windows pack no tighter)', notFused(4, 3, 1)],
    ['a 7×7 stride 1 conv over 3 channels (an im2col 12× its input)', notFused(3, 7, 1)],
  ];
  for (const [what, model] of kept) {
    it(`${what} keeps its own Quantize dispatch`, async () => {
      const session = await Session.create(model, { gpu, convVariant: 'dp4a' });
      try {
        const shape = model.inputs[0]!.shape as number[];
        const profile = await session.profile({ x: randomTensor(shape, 3) });
        expect(profile.kernels[0]!.shader).toBe('quantize_f32');
        const feeds = { x: awkwardInput(shape, 4) };
        const name = model.outputs[0]!.name;
        expect(bits((await session.run(feeds))[name]!)).toEqual(bits(runInt8(model, feeds)[name]!));
      } finally {
        session.destroy();
      }
    });
  }
});
