// pad_int8 on Dawn against the reference Pad (the float reference's pad() moves int8 values as
// they are) bit for bit: rank 1–4, pads and crops on any axis (the channel axis included), odd
// channel counts, on the native and the emulated int8 paths, as one GpuProgram per path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import type { Node } from '../../src/ir/graph.ts';
import { tensor } from '../../src/ir/tensor.ts';
import { unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { channelsOf, int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import { padKernel } from '../../src/kernels/pad.ts';
import type { LayoutStep } from '../../src/quant/program.ts';
import { pad } from '../../src/ref/float/shape-ops.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

function padCase(seed: number): GpuCase | undefined {
  const r = randomSource(seed);
  const rank = r.int(1, 4);
  const shape = Array.from({ length: rank }, (_, i) => (i === rank - 1 ? r.choose([1, 2, 3, 4, 5, 7, 8, 13]) : r.int(1, 5)));
  const before = shape.map((d) => r.int(-Math.min(1, d - 1), 3));
  const after = shape.map((d, i) => r.int(-Math.min(1, d - 1 + Math.min(0, before[i]!)), 3));
  const fill = r.int(-128, 127);
  const x = tensor('int8', shape, r.int8s(shape.reduce((a, b) => a * b, 1)));
  const want = pad(x, [...before, ...after], fill, 'constant');
  if (want.shape.some((d) => d <= 0)) return undefined;
  const id = `p${seed}`;
  const constants = new Map([
    [`${id}.pads`, tensor('int64', [2 * rank], [...before, ...after])],
    [`${id}.fill`, tensor('int8', [], [fill])],
  ]);
  const node = { op: 'Pad', name: id, inputs: [`${id}.x`, `${id}.pads`, `${id}.fill`], outputs: [`${id}.y`], attrs: { mode: 'constant' } } as unknown as Node;
  const step: LayoutStep = { op: 'layout', name: id, node };
  const { spec, outputShape } = padKernel(step, shape, want.shape, constants);
  const c = channelsOf(outputShape);
  return {
    describe: `${id} [${shape}] before [${before}] after [${after}] fill ${fill}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.x`, packWithGarbage(x.data, channelsOf(shape), r.next)]],
    outputs: [`${id}.y`],
    check: (res) => firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(outputShape) * wordsFor(c)), c), want.data),
  };
}

describe.skipIf(skipGpu)('pad_int8 on Dawn matches the reference Pad bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of PATHS) {
    it(`${CASES} random pads and crops, ${path} path`, { timeout: 120_000 }, async () => {
      const cases = Array.from({ length: CASES }, (_, i) => padCase(i + 1)).filter((c): c is GpuCase => c !== undefined);
      expect(cases.length).toBeGreaterThanOrEqual(CASES * 0.8);
      const { failures } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      console.log(`pad_int8 (${path}): ${cases.length} cases bit-exact`);
    });
  }
});
