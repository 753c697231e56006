// The WGSL output stage (shaders/lib/output_stage.wgsl) against src/quant/fixed-point.ts on the
// edge cases random convolutions almost never reach: exact ties of either sign, ±2^31, every shift;
// the scalar functions and the four-lane ones the conv kernels use.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { WGSL as LIBRARY } from '../../src/kernels/wgsl.generated.ts';
import { quantizeMultiplier, requantize, srdhm } from '../../src/quant/fixed-point.ts';
import { WGSL } from './wgsl.generated.ts';
import { uniform } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

function cases(): Int32Array<ArrayBuffer> {
  const rows: number[][] = [];
  const edges = [0, 1, -1, 2, -3, 2 ** 15, -(2 ** 15), 3 * 2 ** 14, -(3 * 2 ** 14), 2 ** 16 - 1, -(2 ** 16), 2 ** 30, -(2 ** 30), INT32_MAX, INT32_MIN, INT32_MIN + 1, 123456789, -987654321];
  const multipliers = [2 ** 15, 2 ** 30, 2 ** 30 + 1, INT32_MAX, 1518500250, 1073741825];
  // Exact ties: a·b = ±2^30 · odd, so the nudge decides the result.
  for (const a of edges) for (const b of multipliers) rows.push([a, b, 0, b]);
  for (let k = 0; k < 64; k++) rows.push([(2 * k + 1) * 2 ** 14, 2 ** 16, 0, 2 ** 16], [-(2 * k + 1) * 2 ** 14, 2 ** 16, 0, 2 ** 16]);
  // Every right shift and a few left shifts, with values that round both ways.
  for (let e = -31; e <= 4; e++) for (const acc of [0, 1, -1, 12345, -12345, 2 ** 20 + 2 ** 19, -(2 ** 20 + 2 ** 19), 65535, -65536]) rows.push([acc, 2 ** 30 + 12345, e, 2 ** 30 + 12345]);
  const next = uniform(3);
  for (let i = 0; i < 4000; i++) {
    const m = quantizeMultiplier(2 ** (next() * 20 - 18));
    const acc = Math.floor((next() * 2 - 1) * (i % 2 ? 2 ** 31 : 2 ** 22));
    rows.push([acc, m.m0, m.exponent, Math.floor((next() * 2 - 1) * 2 ** 31)]);
  }
  return new Int32Array(rows.flat());
}

describe.skipIf(skip)('the WGSL output stage on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('computes SRDHM (Q10) and the whole requantization (Q9) exactly as the CPU reference', async () => {
    const device = gpu.device;
    const input = cases();
    const count = input.length / 4;
    const caseBuffer = device.createBuffer({ size: input.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(caseBuffer, 0, input);
    const results = device.createBuffer({ size: count * 16, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const readback = device.createBuffer({ size: count * 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: `${LIBRARY['lib/output_stage.wgsl']}\n${WGSL['output-stage.wgsl']}` }), entryPoint: 'main' } });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: caseBuffer } }, { binding: 1, resource: { buffer: results } }] }));
    pass.dispatchWorkgroups(Math.ceil(count / 64));
    pass.end();
    encoder.copyBufferToBuffer(results, 0, readback, 0, count * 16);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(GPUMapMode.READ);
    const got = new Int32Array(readback.getMappedRange().slice(0));
    for (let i = 0; i < count; i++) {
      const [acc, m0, exponent, b] = [input[4 * i]!, input[4 * i + 1]!, input[4 * i + 2]!, input[4 * i + 3]!];
      const want = requantize(acc, { m0, exponent }, 3, -128, 127);
      expect(got[4 * i], `srdhm(${acc}, ${b})`).toBe(srdhm(acc, b));
      expect(got[4 * i + 1], `requantize(${acc}, ${m0}, ${exponent})`).toBe(want);
      expect(got[4 * i + 2], `srdhm4(${acc}, ${b})`).toBe(b >= 0 ? srdhm(acc, b) : 0);
      expect(got[4 * i + 3], `requantize4(${acc}, ${m0}, ${exponent})`).toBe(want);
    }
    console.log(`output stage: ${count} cases bit-exact`);
  });
});
