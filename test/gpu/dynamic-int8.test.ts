// Dynamic quantization on Dawn (docs/quantization.md (D1)–(D6)): the range, qparams, quantize and
// product dispatches of MatMulDynamicInt8 (dynq_gemm's dp4a and dynq_gemm_f32's f32 arithmetic),
// and ConvDynamicInt8's, against the CPU reference (src/quant/dynamic.ts) bit for bit, the run-time scales and zero points included; per tensor and per row, with and
// without bias, weights with zero points, K not a multiple of 4, 1 to 512 rows; on the native
// and the emulated int8 paths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { f32, tensor, type Tensor } from '../../src/ir/tensor.ts';
import { dynamicConvKernels, dynamicProductSpecs, dynamicWeightData, type DynamicMath } from '../../src/kernels/float/dynamic.ts';
import { quantizeKernels } from '../../src/ref/float/quantize-ops.ts';
import { dynamicMatmul, rowParams } from '../../src/quant/dynamic.ts';
import { CASES, firstDifference, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

type Source = ReturnType<typeof randomSource>;

/** Mostly short rows, some of the lengths a text encoder sees, and now and then 512. */
function randomRows(r: Source): number {
  const k = r.pick(10);
  return k < 6 ? r.int(1, 16) : k < 9 ? r.int(17, 128) : r.choose([255, 384, 512]);
}

/** Activations of one row kind: a symmetric spread, all positive (z = 0), all negative (z = 255), all zero, or with a few outliers. */
function activation(r: Source, n: number): Float32Array {
  const kind = r.pick(6);
  const spread = 2 ** r.int(-12, 8);
  return Float32Array.from({ length: n }, () => {
    const v = (r.next() * 2 - 1) * spread;
    if (kind === 1) return Math.abs(v);
    if (kind === 2) return -Math.abs(v);
    if (kind === 3) return 0;
    if (kind === 4 && r.pick(50) === 0) return v * 1000;
    return kind === 5 ? Math.fround(v + spread) : v;
  });
}

const GEMM_SHADER = { dp4a: 'dynq_gemm', f32: 'dynq_gemm_f32' } as const;

function dynamicCase(seed: number, math: DynamicMath): GpuCase {
  const r = randomSource(seed);
  const rows = randomRows(r);
  const k = r.choose([1, 2, 3, 4, 5, 7, 8, 16, 31, 32, 64, 100, 128, 300]);
  const n = r.int(1, 70);
  const perRow = r.pick(2) === 0;
  const hasBias = r.pick(3) !== 0;
  const zeroPoints = r.pick(3) === 0;
  // Rows of a few kinds, so a per-tensor range and a per-row one both meet every form.
  const x = new Float32Array(rows * k);
  for (let m = 0; m < rows; m++) x.set(activation(r, k), m * k);
  const id = `dyn${seed}`;
  const constants = new Map<string, Tensor>([
    [`${id}.w`, tensor('int8', [n, k], r.int8s(n * k))],
    [`${id}.s`, f32([n], Array.from({ length: n }, () => Math.fround(2 ** (-12 + 8 * r.next()))))],
    [`${id}.z`, tensor('int8', [n], Array.from({ length: n }, () => (zeroPoints ? r.int(-128, 127) : 0)))],
    [`${id}.b`, f32([n], Array.from({ length: n }, () => (r.next() * 2 - 1) * 4))],
  ]);
  const node = { op: 'MatMulDynamicInt8' as const, name: id, inputs: [`${id}.x`, `${id}.w`, `${id}.s`, `${id}.z`, hasBias ? `${id}.b` : ''], outputs: [`${id}.y`], attrs: { perRow } };
  const w = dynamicWeightData(node, constants);
  const { specs, temps } = dynamicProductSpecs(id, `${id}.x`, `${id}.y`, rows, w, perRow, math);
  const gemmShader = specs[specs.length - 1]!.shader;
  const c = (name: string) => constants.get(`${id}.${name}`)!;
  const want = dynamicMatmul(
    x,
    rows,
    { codes: c('w').data as Int8Array, n, k, scale: c('s').data as Float32Array, zeroPoint: Int32Array.from(c('z').data) },
    hasBias ? (c('b').data as Float32Array) : undefined,
    perRow,
  );
  const params = rowParams(x, rows, k, perRow);
  const qparams = temps.find((t) => t.name.endsWith('qparams'))!.name;
  const tensors = new Map([[`${id}.x`, x.byteLength], [`${id}.y`, rows * n * 4], ...temps.map((t) => [t.name, 4 * t.shape.reduce((a, b) => a * b, 1)] as [string, number])]);
  return {
    describe: `dynamic case ${seed} ${JSON.stringify({ rows, k, n, perRow, hasBias, zeroPoints, gemmShader })}`,
    specs,
    tensors,
    writes: [[`${id}.x`, x]],
    outputs: [`${id}.y`, qparams],
    check: (res) => {
      // These weights' f32 sums are exact (K ≤ 300), so the f32 request gets its kernel.
      if (gemmShader !== GEMM_SHADER[math]) return `the product ran ${gemmShader}, not ${GEMM_SHADER[math]}`;
      const got = new Float32Array(wordsOf(res.get(qparams), 4 * params.length).buffer);
      const wantParams = params.flatMap((p) => [p.scale, p.zeroPoint - 128, p.inverse]);
      const gotParams = params.flatMap((_, i) => [got[4 * i]!, new Int32Array(got.buffer)[4 * i + 1]!, got[4 * i + 2]!]);
      const paramDiff = firstDifference(gotParams, wantParams);
      if (paramDiff) return `qparams (scale, zero point − 128, inverse per row) ${paramDiff}`;
      const y = new Uint32Array(wordsOf(res.get(`${id}.y`), rows * n));
      return firstDifference(y, new Uint32Array(want.buffer));
    },
  };
}

/** A random 2-D ConvDynamicInt8 (D6): strides, dilations, asymmetric pads, channels not a multiple of 4. */
function convCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const [images, c, h, w, n] = [r.int(1, 2), r.int(1, 20), r.int(1, 12), r.int(1, 12), r.int(1, 20)];
  const [kh, kw] = [r.int(1, 3), r.int(1, 3)];
  const attrs = {
    strides: [r.int(1, 2), r.int(1, 2)],
    dilations: [r.int(1, 2), r.int(1, 2)],
    pads: [r.int(0, 2), r.int(0, 2), r.int(0, 2), r.int(0, 2)],
    autoPad: 'NOTSET' as const,
    group: 1,
  };
  // Keep the output non-empty.
  const fits = [h, w].every((len, a) => len + attrs.pads[a]! + attrs.pads[a + 2]! >= attrs.dilations[a]! * ([kh, kw][a]! - 1) + 1);
  if (!fits) attrs.pads = [2, 2, 2, 2].map((p, i) => p + (i % 2 === 0 ? kh : kw) * 2);
  const xShape = [images, c, h, w];
  const x = activation(r, images * c * h * w);
  const id = `conv${seed}`;
  const hasBias = r.pick(3) !== 0;
  const constants = new Map<string, Tensor>([
    [`${id}.w`, tensor('int8', [n, c, kh, kw], r.int8s(n * c * kh * kw))],
    [`${id}.s`, f32([n], Array.from({ length: n }, () => Math.fround(2 ** (-12 + 8 * r.next()))))],
    [`${id}.z`, tensor('int8', [n], Array.from({ length: n }, () => (r.pick(2) === 0 ? r.int(-128, 127) : 0)))],
    [`${id}.b`, f32([n], Array.from({ length: n }, () => (r.next() * 2 - 1) * 4))],
  ]);
  const node = { op: 'ConvDynamicInt8' as const, name: id, inputs: [`${id}.x`, `${id}.w`, `${id}.s`, `${id}.z`, hasBias ? `${id}.b` : ''], outputs: [`${id}.y`], attrs };
  const { specs, temps, outputShape } = dynamicConvKernels(node, xShape, constants);
  const [want] = quantizeKernels.ConvDynamicInt8([f32(xShape, x), ...node.inputs.slice(1).map((i) => constants.get(i))], attrs);
  const count = outputShape.reduce((a, b) => a * b, 1);
  const tensors = new Map([[`${id}.x`, x.byteLength], [`${id}.y`, count * 4], ...temps.map((t) => [t.name, 4 * t.shape.reduce((a, b) => a * b, 1)] as [string, number])]);
  return {
    describe: `dynamic conv case ${seed} ${JSON.stringify({ xShape, n, kh, kw, attrs, hasBias })}`,
    specs,
    tensors,
    writes: [[`${id}.x`, x]],
    outputs: [`${id}.y`],
    check: (res) => {
      if (want!.shape.join() !== outputShape.join()) return `output shape [${outputShape}], reference [${want!.shape}]`;
      return firstDifference(wordsOf(res.get(`${id}.y`), count), new Uint32Array((want!.data as Float32Array).buffer));
    },
  };
}

describe.skipIf(skipGpu)('MatMulDynamicInt8 kernels on Dawn match the CPU reference bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of PATHS) {
    for (const math of ['dp4a', 'f32'] as const) {
      it(`${CASES} random dynamic products (range, qparams, quantize, ${GEMM_SHADER[math]} + f32 epilogue), ${path} path`, { timeout: 240_000 }, async () => {
        if (path === 'native') expect(gpu.dot4I8Packed, `the native path needs WGSL's dot4I8Packed, which ${JSON.stringify(gpu.adapterInfo)} lacks`).toBe(true);
        const cases = Array.from({ length: CASES }, (_, i) => dynamicCase(i + 1, math));
        const { failures, dispatches, ms } = await runBatch(gpu.device, path, cases);
        expect(failures.slice(0, 5)).toEqual([]);
        console.log(`dynamic products (${GEMM_SHADER[math]}, ${path}): ${cases.length} cases, ${dispatches} dispatches, ${ms.toFixed(0)} ms`);
      });
    }

    it(`${CASES} random dynamic 2-D convolutions (range, qparams, NCHW → packed NHWC quantize, dp4a conv + f32 epilogue), ${path} path`, { timeout: 240_000 }, async () => {
      if (path === 'native') expect(gpu.dot4I8Packed, `the native path needs WGSL's dot4I8Packed, which ${JSON.stringify(gpu.adapterInfo)} lacks`).toBe(true);
      const cases = Array.from({ length: CASES }, (_, i) => convCase(i + 1));
      const { failures, dispatches, ms } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      console.log(`dynamic convs (${path}): ${cases.length} cases, ${dispatches} dispatches, ${ms.toFixed(0)} ms`);
    });
  }
});
