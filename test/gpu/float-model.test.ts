// The bundled model on the GPU fp32 path (src/plan/float-plan.ts through the same Session as the
// int8 path) against the float CPU reference on 200 test images, one image per run; and the int8
// session on the first 40 of them, runs alternating with fp32's so both see the same machine
// load: one run prints both sessions' info, median run times and top-1 agreement side by side.
// (On SwiftShader a batch of 200 in one run costs the same per image as batch 1: the time is
// compute, not per-run overhead, so the comparison is made at batch 1.)
// Tolerance: max |GPU − CPU| over each image's logits ≤ 1e-4 · max |CPU logit|, and the same
// argmax on every image.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { argmax, imageSetFromIdx } from '../../src/data/dataset.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planFloatProgram } from '../../src/plan/float-plan.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { relativeMaxDiff } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const IMAGES = Number(process.env.GPU_MODEL_IMAGES ?? 200);
const TOLERANCE = 1e-4;
/** Images on which the fp32 and int8 batch-1 sessions are timed side by side. */
const TIMED = Math.min(IMAGES, Number(process.env.GPU_TIMED_IMAGES ?? 40));

const original = importOnnx(readFileSync(BUNDLED.model));
const nhwc = optimize(original, { layout: 'NHWC' });
const test = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'), readIdx(BUNDLED.testLabels, 'labels'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const accuracy = (logits: Tensor[]) => logits.filter((l, i) => argmax(l.data) === test.labels![i]).length / logits.length;

/** Each dispatch's GPU time, the minimum over 5 profiled runs (timestamp queries). */
async function kernelTimes(session: Session): Promise<string> {
  const runs: Awaited<ReturnType<Session['profile']>>['kernels'][] = [];
  for (let i = 0; i < 5; i++) runs.push((await session.profile({ input: test.input(i) })).kernels);
  return runs[0]!.map((k, j) => `${k.shader} ${Math.min(...runs.map((r) => r[j]!.ms)).toFixed(1)}`).join(', ');
}

describe.skipIf(skip)('the bundled model fp32 on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('planFloatProgram: one dispatch per computing node; the size-1 transpose and the flatten are aliases', () => {
    const plan = planFloatProgram(nhwc);
    expect(nhwc.nodes.map((n) => n.op)).toEqual(['Transpose', 'Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'GlobalAveragePool', 'Flatten', 'Gemm']);
    expect(plan.specs.map((s) => s.shader)).toEqual([...new Array<string>(6).fill('conv2d_f32'), 'pool_f32', 'conv2d_f32']);
    expect(plan.shapes.get('logits')).toEqual([1, 10]);
    expect(plan.memory.arenaBytes).toBeLessThan(plan.memory.activationBytes);
    expect(planFloatProgram(nhwc, 3).shapes.get('logits')).toEqual([3, 10]);
  });

  it(`matches the float CPU reference within ${TOLERANCE} (relative to max |logit|) with the same argmax on ${IMAGES} test images; fp32 and int8 sessions timed side by side`, { timeout: 600_000 }, async () => {
    const t0 = performance.now();
    const fp32 = await Session.fromPlan(nhwc, planFloatProgram(nhwc), { gpu });
    const calib = imageSetFromIdx(readIdx(BUNDLED.calibImages, 'calibration images'));
    const model = quantizeGraph(nhwc, calibrate(nhwc, 100, (i) => ({ input: calib.input(i) }), { method: 'entropy' }), { method: 'entropy' });
    const int8 = await Session.create(model, { gpu });

    // Batch-1 sessions, one image per run, fp32 and int8 alternating over the first TIMED images
    // so both see the same machine load.
    const got: Tensor[] = [];
    const ms = { fp32: [] as number[], int8: [] as number[] };
    const int8Logits: Tensor[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const feeds = { input: test.input(i) };
      let t = performance.now();
      got.push((await fp32.run(feeds)).logits!);
      ms.fp32.push(performance.now() - t);
      if (i < TIMED) {
        t = performance.now();
        int8Logits.push((await int8.run(feeds)).logits!);
        ms.int8.push(performance.now() - t);
      }
    }
    let worst = 0;
    let worstVsOriginal = 0;
    for (let i = 0; i < IMAGES; i++) {
      const feeds = { input: test.input(i) };
      const want = runFloat(nhwc, feeds).logits!;
      expect(got[i]!.shape).toEqual(want.shape);
      const diff = relativeMaxDiff(got[i]!, want);
      worst = Math.max(worst, diff);
      expect(diff, `image ${i}`).toBeLessThanOrEqual(TOLERANCE);
      expect(argmax(got[i]!.data), `image ${i} argmax`).toBe(argmax(want.data));
      if (i < 20) worstVsOriginal = Math.max(worstVsOriginal, relativeMaxDiff(got[i]!, runFloat(original, feeds).logits!));
    }

    const agree = int8Logits.filter((l, i) => argmax(l.data) === argmax(got[i]!.data)).length;
    const kernels = gpu.features.has('timestamp-query') ? `  GPU ms per kernel (min of 5 profiled runs): fp32 ${await kernelTimes(fp32)}; int8 ${await kernelTimes(int8)}` : '';

    console.log(
      [
        `fp32 GPU session ${JSON.stringify(fp32.info)}`,
        `  median run ${median(ms.fp32.slice(0, TIMED)).toFixed(2)} ms (first ${TIMED} images, alternating with int8; ${median(ms.fp32).toFixed(2)} ms over all ${IMAGES})`,
        `  worst logit diff vs runFloat ${worst.toExponential(2)} (vs the unoptimized graph, first 20 images: ${worstVsOriginal.toExponential(2)}); ` +
          `top-1 accuracy ${(100 * accuracy(got)).toFixed(1)}% (${(100 * accuracy(got.slice(0, TIMED))).toFixed(1)}% on the first ${TIMED})`,
        `int8 GPU session ${JSON.stringify(int8.info)}`,
        `  median run ${median(ms.int8).toFixed(2)} ms (first ${TIMED} images); top-1 accuracy ${(100 * accuracy(int8Logits)).toFixed(1)}%, agrees with fp32 on ${agree}/${TIMED}`,
        ...(kernels ? [kernels] : []),
        `(test ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      ].join('\n'),
    );
    fp32.destroy();
    int8.destroy();
  });
});
