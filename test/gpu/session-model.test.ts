// The bundled model int8 on the GPU (Dawn, SwiftShader) against the CPU int8 reference: every
// output byte, on 500 test images; the emulated fallback path; dispatches = fused steps;
// concurrent runs.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { DeviceLostError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const IMAGES = Number(process.env.GPU_MODEL_IMAGES ?? 500);

const nhwc = optimize(importOnnx(readFileSync(BUNDLED.model)), { layout: 'NHWC' });
const calib = imageSetFromIdx(readIdx(BUNDLED.calibImages, 'calibration images'));
const test = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));
const model = quantizeGraph(nhwc, calibrate(nhwc, 100, (i) => ({ input: calib.input(i) }), { method: 'entropy' }), { method: 'entropy' });

const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

describe.skipIf(skip)('the bundled model int8 on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it(`equals the CPU int8 reference on every output byte for ${IMAGES} test images`, { timeout: 600_000 }, async () => {
    const session = await Session.create(model, { gpu });
    const times: number[] = [];
    for (let i = 0; i < IMAGES; i++) {
      const feeds = { input: test.input(i) };
      const t0 = performance.now();
      const gpuOut = (await session.run(feeds)).logits!;
      times.push(performance.now() - t0);
      expect(bits(gpuOut), `image ${i}`).toEqual(bits(runInt8(model, feeds).logits!));
    }
    times.sort((a, b) => a - b);
    console.log(`GPU session ${JSON.stringify(session.info)}; median run ${times[times.length >> 1]!.toFixed(1)} ms over ${IMAGES} images`);
    session.destroy();
  });

  it("dispatches once per fused step (the input quantized into the first conv's im2col; a reshape that keeps the bytes is an alias, not a dispatch)", async () => {
    const session = await Session.create(model, { gpu });
    const ops = model.steps.map((s) => (s.op === 'layout' ? s.node.op : s.op));
    expect(ops).toEqual(['quantize', 'Transpose', 'conv', 'conv', 'conv', 'conv', 'conv', 'conv', 'globalavgpool', 'Flatten', 'gemm', 'dequantize']);
    // The Transpose runs inside the im2col quantize; Flatten of [N,1,1,C] is the same bytes.
    expect(session.info.dispatches).toBe(ops.length - 2);
    expect(session.info.arenaBytes).toBeLessThan(session.info.activationBytes);
    session.destroy();
  });

  it('the emulated fallback path (no dot4I8Packed builtins) computes the same bytes', { timeout: 300_000 }, async () => {
    const session = await Session.create(model, { gpu, int8Path: 'emulated' });
    expect(session.info.int8Path).toBe('emulated');
    for (let i = 0; i < 50; i++) {
      const feeds = { input: test.input(i) };
      expect(bits((await session.run(feeds)).logits!), `image ${i}`).toEqual(bits(runInt8(model, feeds).logits!));
    }
    session.destroy();
  });

  it('concurrent runs each get their own result', { timeout: 300_000 }, async () => {
    const session = await Session.create(model, { gpu });
    const feeds = Array.from({ length: 40 }, (_, i) => ({ input: test.input(1000 + i) }));
    const results = await Promise.all(feeds.map((f) => session.run(f)));
    results.forEach((r, i) => expect(bits(r.logits!), `run ${i}`).toEqual(bits(runInt8(model, feeds[i]!).logits!)));
    await expect(session.run({ input: test.input(0), other: test.input(1) } as never)).resolves.toBeDefined();
    await expect(session.run({})).rejects.toThrow('missing input "input" (expected float32 [1,1,28,28])');
    session.destroy();
  });

  it('profiles every dispatch with timestamp queries', async () => {
    const session = await Session.create(model, { gpu });
    const profile = await session.profile({ input: test.input(0) });
    // Each conv runs one of the int8 conv kernel variants (conv2d_int8, conv2d_int8_blocked_f32, ...).
    const family = (shader: string) => shader.replace(/^conv2d_int8.*/, 'conv2d_int8');
    expect(profile.kernels.map((k) => family(k.shader))).toEqual(['quantize_im2col', ...new Array(6).fill('conv2d_int8'), 'pool_int8', 'conv2d_int8', 'dequantize_int8']);
    for (const k of profile.kernels) expect(k.ms, k.label).toBeGreaterThanOrEqual(0);
    expect(profile.totalMs).toBeGreaterThan(0);
    console.log(`per-kernel GPU ms: ${profile.kernels.map((k) => `${k.shader} ${k.ms.toFixed(2)}`).join(', ')}`);
    session.destroy();
  });

  it('a device lost mid-run rejects the pending run with DeviceLostError, and a new device works', { timeout: 120_000 }, async () => {
    const own = await nodeGpuDevice();
    const session = await Session.create(model, { gpu: own });
    const feeds = { input: test.input(7) };
    const pending = session.run(feeds);
    own.device.destroy();
    await expect(pending).rejects.toBeInstanceOf(DeviceLostError);
    await expect(session.run(feeds)).rejects.toThrow(/the GPU device was lost/);
    const fresh = await nodeGpuDevice();
    const again = await Session.create(model, { gpu: fresh });
    expect(bits((await again.run(feeds)).logits!)).toEqual(bits(runInt8(model, feeds).logits!));
    again.destroy();
    fresh.device.destroy();
  });
});
