// pool_int8 on Dawn against the int8 CPU reference (poolInt8, globalPoolInt8) bit for bit:
// MaxPool and AveragePool over random geometries (autoPad, pads, strides, dilations, ceil mode,
// count_include_pad), GlobalMaxPool and GlobalAveragePool; odd channel counts, batch 1–2; on the
// native and the emulated int8 paths, each family as one GpuProgram per path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { sizeOf, tensor, type Tensor } from '../../src/ir/tensor.ts';
import { unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import { globalPoolKernel, poolKernel } from '../../src/kernels/pool.ts';
import type { GlobalPoolStep, PoolStep } from '../../src/quant/program.ts';
import { globalPoolInt8, poolInt8 } from '../../src/ref/int8/pool.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

const CHANNELS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 17];

function poolGpuCase(id: string, describe: string, x: Tensor, want: Tensor, spec: GpuCase['specs'][number], outputShape: number[], next: () => number): GpuCase {
  const c = x.shape[3]!;
  return {
    describe,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(x.shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.x`, packWithGarbage(x.data, c, next)]],
    outputs: [`${id}.y`],
    check: (res) => {
      if (JSON.stringify(outputShape) !== JSON.stringify(want.shape)) return `output shape [${outputShape}], expected [${want.shape}]`;
      return firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(outputShape) * wordsFor(c)), c), want.data);
    },
  };
}

/** A random MaxPool / AveragePool, or undefined when the window does not fit (not a valid case). */
function poolCase(seed: number): GpuCase | undefined {
  const r = randomSource(seed);
  const op = r.pick(2) ? 'maxpool' : 'avgpool';
  const kh = r.int(1, 5);
  const kw = r.pick(3) === 0 ? r.int(1, 5) : kh;
  const dil: [number, number] = r.pick(4) === 0 ? [r.int(1, 2), r.int(1, 2)] : [1, 1];
  const shape = [r.int(1, 2), r.int(Math.max(kh, 2), 11), r.int(Math.max(kw, 2), 11), r.choose(CHANNELS)];
  const id = `p${seed}`;
  const step: PoolStep = {
    op,
    name: id,
    input: `${id}.x`,
    output: `${id}.y`,
    kernel: [kh, kw],
    strides: [r.int(1, 3), r.int(1, 3)],
    // Pads up to the kernel size, beyond what ONNX allows, so that whole windows can fall in the padding.
    pads: [r.pick(kh + 1), r.pick(kw + 1), r.pick(kh + 1), r.pick(kw + 1)],
    autoPad: r.choose(['NOTSET', 'NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'] as const),
    dilations: dil,
    ceilMode: r.pick(2) === 0,
    countIncludePad: r.pick(2) === 0,
    zeroPoint: r.int(-128, 127),
  };
  const x = tensor('int8', shape, r.int8s(sizeOf(shape)));
  let want: Tensor;
  try {
    want = poolInt8(x, step);
  } catch {
    return undefined;
  }
  const { spec, outputShape } = poolKernel(step, shape);
  const { kernel, strides, pads, autoPad, dilations, ceilMode, countIncludePad, zeroPoint } = step;
  return poolGpuCase(id, `${op} case ${seed} ${JSON.stringify({ shape, kernel, strides, pads, autoPad, dilations, ceilMode, countIncludePad, zeroPoint })}`, x, want, spec, outputShape, r.next);
}

function globalPoolCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const op = r.pick(2) ? 'globalmaxpool' : 'globalavgpool';
  const shape = [r.int(1, 2), r.int(1, 9), r.int(1, 9), r.choose(CHANNELS)];
  // Skewed values too, so that sums of one sign and exact halves occur.
  const lo = r.pick(3) === 0 ? r.int(-128, 100) : -128;
  const x = tensor('int8', shape, Int8Array.from({ length: sizeOf(shape) }, () => r.int(lo, Math.min(127, lo + r.int(0, 255)))));
  const id = `g${seed}`;
  const step: GlobalPoolStep = { op, name: id, input: `${id}.x`, output: `${id}.y` };
  const want = globalPoolInt8(x, op === 'globalavgpool' ? 'avg' : 'max');
  const { spec, outputShape } = globalPoolKernel(step, shape);
  return poolGpuCase(id, `${op} case ${seed} ${JSON.stringify({ shape })}`, x, want, spec, outputShape, r.next);
}

describe.skipIf(skipGpu)('pool_int8 on Dawn matches the int8 CPU reference bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of PATHS) {
    it(`${CASES} random max/average pools (autoPad, pads, strides, dilations, ceil mode, count_include_pad, odd channels, batch 1–2), ${path} path`, { timeout: 120_000 }, async () => {
      if (path === 'native') expect(gpu.dot4I8Packed, `the native path needs WGSL's dot4I8Packed, which ${JSON.stringify(gpu.adapterInfo)} lacks`).toBe(true);
      const cases: GpuCase[] = [];
      for (let seed = 1; cases.length < CASES; seed++) {
        const c = poolCase(seed);
        if (c) cases.push(c);
      }
      const { failures, pipelines, ms } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      console.log(`pool_int8 (${path}): ${cases.length} max/avg cases bit-exact, ${pipelines} pipelines, ${ms.toFixed(0)} ms`);
    });

    it(`${CASES} random global max/average pools, ${path} path`, { timeout: 120_000 }, async () => {
      const cases = Array.from({ length: CASES }, (_, i) => globalPoolCase(i + 1));
      const { failures, pipelines, ms } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      console.log(`pool_int8 (${path}): ${cases.length} global cases bit-exact, ${pipelines} pipelines, ${ms.toFixed(0)} ms`);
    });
  }
});
