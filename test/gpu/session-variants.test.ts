// Sessions with each int8 conv variant forced (SessionOptions.convVariant), and the autotuned
// choice: the bundled model (3×3, stride 2, depthwise, pointwise convs and a gemm) at batch 2,
// byte-identical to the CPU int8 reference on both int8 paths; the profile names the kernel each
// conv ran, so a forced variant is seen to run. Inverted residual blocks with their Adds fused
// into the conv epilogues.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { clearAutotuneCache } from '../../src/gpu/autotune.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import type { ConvVariantOption } from '../../src/kernels/conv-variants.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { randomTensor } from '../helpers/random.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { PATHS, skipGpu } from './kernels-harness.ts';

const IMAGES = 8; // as 4 batches of 2

const nhwc = optimize(importOnnx(readFileSync(BUNDLED.model)), { layout: 'NHWC' });
const calib = imageSetFromIdx(readIdx(BUNDLED.calibImages, 'calibration images'));
const test = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));
const model = quantizeGraph(nhwc, calibrate(nhwc, 50, (i) => ({ input: calib.input(i) }), { method: 'minmax' }), { method: 'minmax' });

/** Inverted residual blocks as in MobileNetV2: expand 1×1, depthwise 3×3, project 1×1, Add. */
function residualModel() {
  const b = new GraphBuilder();
  const x = b.input('x', [2, 12, 7, 9]);
  const t = b.node('Transpose', [x], { perm: [0, 2, 3, 1] });
  let h = b.node('Conv', [t, b.constant('w0', randomTensor([12, 1, 1, 12], 1))], convAttrs({ layout: 'NHWC' }));
  for (let i = 0; i < 2; i++) {
    const e = b.node('Conv', [h, b.constant(`e${i}`, randomTensor([36, 1, 1, 12], 10 + i))], convAttrs({ layout: 'NHWC', clamp: { min: 0, max: 6 } }));
    const d = b.node('Conv', [e, b.constant(`d${i}`, randomTensor([36, 3, 3, 1], 20 + i))], convAttrs({ layout: 'NHWC', group: 36, pads: [1, 1, 1, 1], clamp: { min: 0, max: 6 } }));
    const p = b.node('Conv', [d, b.constant(`p${i}`, randomTensor([12, 1, 1, 36], 30 + i))], convAttrs({ layout: 'NHWC' }));
    h = i === 0 ? b.node('Add', [h, p], {} as Record<string, never>) : b.node('Add', [p, h], {} as Record<string, never>);
  }
  const g = b.output(h).build();
  return quantizeGraph(g, calibrate(g, 3, (i) => ({ x: randomTensor([2, 12, 7, 9], 40 + i) }), { method: 'minmax' }), { method: 'minmax' });
}

const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

/** Two test images as one [2, 1, 28, 28] input. */
function pair(i: number): Record<string, Tensor> {
  const a = test.input(2 * i);
  const b = test.input(2 * i + 1);
  const data = new Float32Array(a.data.length * 2);
  data.set(a.data as Float32Array);
  data.set(b.data as Float32Array, a.data.length);
  return { input: tensor('float32', [2, ...a.shape.slice(1)], data) };
}

/** The conv kernels a forced variant runs: dense convs and the gemm, and depthwise convs. */
const FORCED: Record<Exclude<ConvVariantOption, 'auto'>, string[]> = {
  reference: ['conv2d_int8'],
  dp4a: ['conv2d_int8_blocked', 'conv2d_int8_dw'],
  f32: ['conv2d_int8_blocked_f32', 'conv2d_int8_dw_f32'],
  // Depthwise convs have no tiled kernel: they run the first of theirs, dp4a.
  tiled: ['conv2d_int8_tiled', 'conv2d_int8_dw'],
};

describe.skipIf(skipGpu)('int8 sessions with forced and autotuned conv variants', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
    clearAutotuneCache();
  });
  afterAll(() => gpu?.device.destroy());

  for (const variant of ['reference', 'dp4a', 'f32'] as ConvVariantOption[]) {
    it(`${variant}: residual Adds ${variant === 'reference' ? 'stay their own dispatches' : 'run in the conv epilogues'}, byte-identical on both paths`, { timeout: 300_000 }, async () => {
      const residual = residualModel();
      const adds = residual.steps.filter((s) => s.op === 'add').length;
      expect(adds).toBe(2);
      for (const int8Path of PATHS) {
        const session = await Session.create(residual, { gpu, int8Path, batch: 2, convVariant: variant });
        try {
          expect(session.info.dispatches).toBe(residual.steps.length - (variant === 'reference' ? 0 : adds));
          for (let i = 0; i < 2; i++) {
            const feeds = { x: randomTensor([2, 12, 7, 9], 50 + i) };
            const name = residual.outputs[0]!.name;
            expect(bits((await session.run(feeds))[name]!), `${int8Path} input ${i}`).toEqual(bits(runInt8(residual, feeds)[name]!));
          }
        } finally {
          session.destroy();
        }
      }
    });
  }

  for (const variant of ['auto', 'reference', 'dp4a', 'f32'] as ConvVariantOption[]) {
    for (const int8Path of PATHS) {
      it(`${variant}, ${int8Path} path: batch 2, byte-identical to the CPU reference`, { timeout: 300_000 }, async () => {
        const session = await Session.create(model, { gpu, int8Path, batch: 2, convVariant: variant });
        try {
          for (let i = 0; i < IMAGES / 2; i++) {
            const feeds = pair(i);
            expect(bits((await session.run(feeds)).logits!), `batch ${i}`).toEqual(bits(runInt8(model, feeds).logits!));
          }
          const convs = (await session.profile(pair(0))).kernels.filter((k) => k.shader.startsWith('conv2d_int8'));
          expect(convs).toHaveLength(model.steps.filter((s) => s.op === 'conv' || s.op === 'gemm').length);
          const allowed = variant === 'auto' ? [...FORCED.dp4a, ...FORCED.f32] : FORCED[variant];
          for (const k of convs) expect(allowed, k.label).toContain(k.shader);
          console.log(`${variant} (${int8Path}): ${convs.map((k) => k.shader).join(' ')}`);
        } finally {
          session.destroy();
        }
      });
    }
  }
});
