// The conv2d_int8 kernel on Dawn (SwiftShader) against the int8 CPU reference, bit for bit,
// over randomised geometries, on the native dot4I8Packed path and the emulated fallback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestGpuDevice, type GpuContext } from '../../src/gpu/device.ts';
import { nodeGpu, nodeGpuSetup } from '../../src/gpu/node.ts';
import { GpuProgram } from '../../src/gpu/program.ts';
import { tensor } from '../../src/ir/tensor.ts';
import { convKernel } from '../../src/kernels/conv.ts';
import { packRows, unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import type { Int8Path } from '../../src/kernels/shaders.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import type { ConvStep } from '../../src/quant/program.ts';
import { convInt8 } from '../../src/ref/int8/conv.ts';
import { uniform } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const CASES = Number(process.env.GPU_KERNEL_CASES ?? 200);

/** A random conv step: geometry, int8 weights, folded bias, per-channel multipliers, clamp. */
function randomConv(seed: number): { step: ConvStep; input: ReturnType<typeof tensor> } {
  const next = uniform(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const int = (lo: number, hi: number) => lo + pick(hi - lo + 1);
  const kind = pick(4); // 0 regular, 1 depthwise, 2 grouped (aligned or not), 3 pointwise
  const group = kind === 1 ? int(1, 9) : kind === 2 ? int(2, 3) : 1;
  const cinPerGroup = kind === 1 ? 1 : kind === 2 ? [1, 3, 4, 5, 8][pick(5)]! : int(1, 13);
  const coutPerGroup = kind === 1 ? 1 : int(1, 6);
  const k = kind === 3 ? 1 : int(1, 7);
  const kw = kind === 3 ? 1 : pick(3) === 0 ? int(1, 7) : k;
  const cin = group * cinPerGroup;
  const cout = group * coutPerGroup;
  const n = int(1, 2);
  const h = int(Math.max(k, 3), 12);
  const w = int(Math.max(kw, 3), 12);
  const dil = pick(3) === 0 ? 2 : 1;
  const pads: [number, number, number, number] = [pick(k + 1), pick(kw + 1), pick(k + 1), pick(kw + 1)];
  const weights = Int8Array.from({ length: cout * k * kw * cinPerGroup }, () => int(-127, 127));
  const multipliers = Array.from({ length: cout }, () => quantizeMultiplier(2 ** (-6 - next() * 10)));
  const zx = int(-128, 127);
  const lo = pick(2) ? -128 : int(-128, 0);
  const step: ConvStep = {
    op: 'conv',
    name: `conv_${seed}`,
    input: 'x',
    output: 'y',
    weights,
    weightShape: [cout, k, kw, cinPerGroup],
    bias: Int32Array.from({ length: cout }, () => int(-50_000, 50_000)),
    inputZeroPoint: zx,
    geometry: {
      strides: [int(1, 2), int(1, 2)],
      pads: dil === 2 && (h < 2 * k || w < 2 * kw) ? [k, kw, k, kw] : pads,
      autoPad: pick(6) === 0 ? 'SAME_UPPER' : 'NOTSET',
      dilations: [dil, dil],
      group,
    },
    out: { m0: Int32Array.from(multipliers, (m) => m.m0), exponent: Int32Array.from(multipliers, (m) => m.exponent), zeroPoint: int(-20, 20), lo, hi: pick(2) ? 127 : int(lo + 1, 127) },
  };
  const input = tensor('int8', [n, h, w, cin], Int8Array.from({ length: n * h * w * cin }, () => int(-128, 127)));
  return { step, input };
}

describe.skipIf(skip)('conv2d_int8 on Dawn matches the int8 CPU reference bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await requestGpuDevice(nodeGpu(), { hint: nodeGpuSetup() });
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of ['native', 'emulated'] as Int8Path[]) {
    it(`${CASES} random convolutions (regular, grouped, depthwise, 1×1 to 7×7, strides, dilation, padding, odd channels, batch 1–2), ${path} path`, { timeout: 600_000 }, async () => {
      if (path === 'native') expect(gpu.dot4I8Packed).toBe(true);
      let compared = 0;
      for (let seed = 0; seed < CASES; seed++) {
        const { step, input } = randomConv(seed + 1);
        let expected;
        try {
          expected = convInt8(input, step);
        } catch {
          continue; // a window that does not fit the input: not a valid case
        }
        const [n, h, w, c] = input.shape as [number, number, number, number];
        const { spec, outputShape } = convKernel(step, input.shape);
        expect(outputShape).toEqual(expected.shape);
        const outBytes = outputShape[0]! * outputShape[1]! * outputShape[2]! * wordsFor(outputShape[3]!) * 4;
        const program = await GpuProgram.create(gpu.device, [spec], new Map([['x', n * h * w * wordsFor(c) * 4], ['y', outBytes]]), path);
        program.write('x', packRows(input.data, c));
        const out = await program.run(['y']);
        program.destroy();
        const words = new Uint32Array(out.get('y')!, 0, outBytes / 4);
        const got = unpackRows(words, outputShape[3]!);
        const mismatch = got.findIndex((v, i) => v !== expected.data[i]);
        expect(mismatch, `case ${seed + 1}: ${JSON.stringify({ shape: input.shape, w: step.weightShape, g: step.geometry })}`).toBe(-1);
        compared++;
      }
      expect(compared).toBeGreaterThanOrEqual(CASES * 0.9);
      console.log(`conv2d_int8 (${path}): ${compared} cases bit-exact`);
    });
  }
});
