// resize_int8 (a nearest Resize on int8 data, (Q18)) on Dawn against the int8 reference bit for
// bit: the float reference's Resize run on the int8 values, as runInt8 runs a layout step. Random
// NHWC shapes, scales and sizes (up and down, non-integer), every coordinate mode but
// tf_crop_and_resize and every nearest rounding mode; native and emulated paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import type { Node } from '../../src/ir/graph.ts';
import type { ResizeAttrs, ResizeCoordinates } from '../../src/ir/ops/spatial.ts';
import { sizeOf, tensor, type Tensor } from '../../src/ir/tensor.ts';
import { unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { channelsOf, int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import { resizeKernel } from '../../src/kernels/resize.ts';
import type { LayoutStep } from '../../src/quant/program.ts';
import { floatKernels } from '../../src/ref/float/ops.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

const COORDINATES: ResizeCoordinates[] = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn'];
const NEAREST: ResizeAttrs['nearest'][] = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'];

function resizeCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `r${seed}`;
  const shape = [r.int(1, 2), r.int(1, 9), r.int(1, 9), r.choose([1, 3, 4, 5, 8, 13])];
  const attrs: ResizeAttrs = { mode: 'nearest', coordinates: r.choose(COORDINATES), nearest: r.choose(NEAREST), cubicA: -0.75, excludeOutside: false, extrapolation: 0, axes: null, keepAspect: 'stretch' };
  const bySizes = r.pick(2) === 0;
  const factor = () => r.choose([0.5, 0.75, 1, 1.5, 2, 2.5, 3]);
  const constants = new Map<string, Tensor>();
  const inputs = [`${id}.x`, '', '', ''];
  if (bySizes) {
    constants.set(`${id}.sizes`, tensor('int64', [4], [shape[0]!, r.int(1, 12), r.int(1, 12), shape[3]!]));
    inputs[3] = `${id}.sizes`;
  } else {
    constants.set(`${id}.scales`, tensor('float32', [4], [1, factor(), factor(), 1]));
    inputs[2] = `${id}.scales`;
  }
  const node = { op: 'Resize', name: id, inputs, outputs: [`${id}.y`], attrs } as Node;
  const x = tensor('int8', shape, r.int8s(sizeOf(shape)));
  const [want] = floatKernels.Resize(inputs.map((n) => (n === '' ? undefined : n === `${id}.x` ? x : constants.get(n))), attrs);
  const step: LayoutStep = { op: 'layout', name: id, node };
  const { spec, outputShape } = resizeKernel(step, shape, want!.shape, constants);
  const c = channelsOf(shape);
  return {
    describe: `resize case ${seed} ${JSON.stringify({ shape, out: want!.shape, coordinates: attrs.coordinates, nearest: attrs.nearest })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.x`, packWithGarbage(x.data, c, r.next)]],
    outputs: [`${id}.y`],
    check: (res) => firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(outputShape) * wordsFor(c)), c), want!.data),
  };
}

describe('resizeKernel', () => {
  it('refuses a Resize of the packed axis, which it cannot move as whole rows', () => {
    const node = { op: 'Resize', name: 'r', inputs: ['x', '', 's', ''], outputs: ['y'], attrs: { mode: 'nearest', coordinates: 'asymmetric', nearest: 'floor', cubicA: -0.75, excludeOutside: false, extrapolation: 0, axes: null, keepAspect: 'stretch' } } as Node;
    const constants = new Map([['s', tensor('float32', [4], [1, 1, 1, 2])]]);
    expect(() => resizeKernel({ op: 'layout', name: 'r', node }, [1, 2, 2, 4], [1, 2, 2, 8], constants)).toThrow('it resizes the last (packed) axis');
  });
});

describe.skipIf(skipGpu)('resize_int8 on Dawn matches the float reference on int8 data bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of PATHS) {
    it(`${CASES} random nearest resizes, ${path} path`, { timeout: 120_000 }, async () => {
      const cases = Array.from({ length: CASES }, (_, i) => resizeCase(i + 1));
      const { failures, pipelines, ms } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      console.log(`resize_int8 (${path}): ${cases.length} cases, ${pipelines} pipelines, ${ms.toFixed(0)} ms`);
    });
  }
});
