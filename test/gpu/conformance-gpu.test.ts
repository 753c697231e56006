// ONNX's operator conformance cases that the float CPU reference passes, on the fp32 GPU path
// (Dawn), against the stored expected outputs (test/conformance/gpu-suite.ts states the
// tolerance). The whole set: it takes seconds on SwiftShader. It fails on any failed case and
// when the passed count drops below the floor measured last; refusals are listed, never counted
// as passes. No adapter fails it (WEBGPU_INT8_SKIP_GPU=1 is the explicit skip).
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { ONNX_TESTDATA } from '../conformance/onnx-suite.ts';
import { runGpuSuite, summarizeGpu } from '../conformance/gpu-suite.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
// The passed count measured on SwiftShader (Dawn in node) when the kernels last grew: a drop is a regression.
const FLOOR = 695;

describe.skipIf(skip)('ONNX conformance on the fp32 GPU path (every case the float reference passes)', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('passes every case it runs, and no fewer than the floor', { timeout: 600_000 }, async () => {
    expect(existsSync(ONNX_TESTDATA), `${ONNX_TESTDATA} is missing: apt-get install libonnx-testdata`).toBe(true);
    const results = await runGpuSuite(gpu);
    const summary = summarizeGpu(results);
    console.log(summary.text);
    expect(summary.failed, summary.text).toEqual([]);
    expect(summary.passed, summary.text).toBeGreaterThanOrEqual(FLOOR);
  });
});
