// Node smoke test: Dawn (npm `webgpu`) on whatever Vulkan driver nodeGpu() finds (SwiftShader here).
// Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpu, nodeGpuDevice } from '../../src/gpu/node.ts';
import { int8SmokeReference, makeInt8SmokeInput } from '../helpers/int8-ref.ts';
import { firstMismatch, runInt8Smoke } from '../helpers/int8-smoke-gpu.ts';
import { WGSL } from './wgsl.generated.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skip ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';

describe('WebGPU in node (Dawn)', () => {
  let ctx: GpuContext;

  beforeAll(async () => {
    if (skip) return;
    ctx = await nodeGpuDevice();
    console.log('node adapter:', JSON.stringify(ctx.adapterInfo), 'features:', [...ctx.features].join(','));
  });
  afterAll(() => ctx?.device.destroy());

  it.skipIf(skip)(`has the packed_4x8_integer_dot_product WGSL language feature${why}`, () => {
    expect(ctx.dot4I8Packed, `dot4I8Packed on ${JSON.stringify(ctx.adapterInfo)}`).toBe(true);
  });

  it.skipIf(skip)(`dot4I8Packed and pack4xI8Clamp match the JS reference bit for bit${why}`, async () => {
    const input = makeInt8SmokeInput(512, 256);
    const t0 = performance.now();
    const got = await runInt8Smoke(ctx.device, WGSL['int8-smoke.wgsl'], input);
    console.log(`node int8 smoke kernel (pipeline + dispatch + readback): ${(performance.now() - t0).toFixed(0)} ms`);
    const want = int8SmokeReference(input);
    expect(firstMismatch(got.dots, want.dots)).toBeUndefined();
    expect(firstMismatch(got.packed, want.packed)).toBeUndefined();
    expect(got).toEqual(want);
  });
});
