// concat_int8 on Dawn against concatInt8 (Q16) bit for bit: any axis (negative too), 1–5 inputs,
// channel concats at offsets that are not multiples of 4 (lanes re-packed across words), inputs
// requantized or copied, odd channel counts, batch 1–2, garbage in the inputs' padding lanes; on
// the native and the emulated int8 paths, as one GpuProgram per path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { sizeOf, tensor } from '../../src/ir/tensor.ts';
import { concatKernels } from '../../src/kernels/concat.ts';
import { unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { channelsOf, int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import type { ConcatStep } from '../../src/quant/program.ts';
import { concatInt8 } from '../../src/ref/int8/elementwise.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

const CHANNELS = [1, 2, 3, 4, 5, 7, 8, 9, 13];

function concatCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const rank = r.int(1, 4);
  // The channel axis half the time: that is where lanes move between words.
  const axis = r.pick(2) ? rank - 1 : r.int(0, rank - 1);
  const base = Array.from({ length: rank }, (_, i) => (i === 0 && rank > 1 ? r.int(1, 2) : i === rank - 1 ? r.choose(CHANNELS) : r.int(1, 4)));
  const count = r.int(1, 5);
  const shapes = Array.from({ length: count }, () => {
    const s = [...base];
    s[axis] = r.pick(12) === 0 ? 0 : axis === rank - 1 ? r.choose(CHANNELS) : r.int(1, 4);
    return s;
  });
  const outZero = r.int(-128, 127);
  const id = `k${seed}`;
  const step: ConcatStep = {
    op: 'concat',
    name: id,
    inputs: shapes.map((_, i) => `${id}.x${i}`),
    output: `${id}.y`,
    axis: r.pick(3) === 0 ? axis - rank : axis,
    requant: shapes.map(() => (r.pick(2) ? null : { multiplier: quantizeMultiplier(2 ** (r.next() * 4 - 2)), inputZeroPoint: r.int(-128, 127) })),
    zeroPoint: outZero,
  };
  const inputs = shapes.map((s) => tensor('int8', s, r.int8s(sizeOf(s))));
  const want = concatInt8(inputs, step);
  const { specs, outputShape } = concatKernels(step, shapes);
  const c = channelsOf(outputShape);
  return {
    describe: `concat case ${seed} ${JSON.stringify({ shapes, axis: step.axis, requant: step.requant.map((q) => q !== null) })}`,
    specs,
    tensors: new Map([...shapes.map((s, i) => [`${id}.x${i}`, int8Bytes(s)] as [string, number]), [`${id}.y`, int8Bytes(outputShape)]]),
    writes: inputs.map((x, i) => [`${id}.x${i}`, packWithGarbage(x.data, channelsOf(x.shape), r.next)]),
    outputs: [`${id}.y`],
    check: (res) => {
      if (JSON.stringify(outputShape) !== JSON.stringify(want.shape)) return `output shape [${outputShape}], expected [${want.shape}]`;
      return firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(outputShape) * wordsFor(c)), c), want.data);
    },
  };
}

describe.skipIf(skipGpu)('concat_int8 on Dawn matches the int8 CPU reference bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of PATHS) {
    it(`${CASES} random concats (any axis, unaligned channel offsets, requantized and copied inputs), ${path} path`, { timeout: 120_000 }, async () => {
      if (path === 'native') expect(gpu.dot4I8Packed, `the native path needs WGSL's dot4I8Packed, which ${JSON.stringify(gpu.adapterInfo)} lacks`).toBe(true);
      const cases = Array.from({ length: CASES }, (_, i) => concatCase(i + 1));
      const { failures, pipelines, dispatches, ms } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      const unaligned = cases.flatMap((c) => c.specs).filter((s) => s.constants.ALIGNED === 0).length;
      console.log(`concat_int8 (${path}): ${cases.length} cases bit-exact, ${dispatches} dispatches (${unaligned} read-modify-write), ${pipelines} pipelines, ${ms.toFixed(0)} ms`);
    });
  }
});
