// Quantize (Q14), Dequantize (Q15), int8 Add (Q13) and Mul (Q21) with broadcasting, int8 Clamp (Q18) and the
// int8 table lookup (Q20) on Dawn
// against the int8 CPU reference bit for bit, and the float32 Softmax against the float reference
// within a stated tolerance; on the native and the emulated int8 paths. Each family's cases run
// as one GpuProgram per path (see kernels-harness.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import type { Node } from '../../src/ir/graph.ts';
import { sizeOf, tensor } from '../../src/ir/tensor.ts';
import { binaryKernel, clampKernel, dequantizeKernel, lutKernel, quantizeKernel, softmaxKernel } from '../../src/kernels/elementwise.ts';
import { unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { channelsOf, float32Bytes, int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import type { AddStep, FloatStep, MulStep } from '../../src/quant/program.ts';
import type { QParams } from '../../src/quant/qparams.ts';
import { softmax } from '../../src/ref/float/norm.ts';
import { addInt8, clampInt8, dequantizeTensor, lutInt8, mulInt8, quantizeTensor } from '../../src/ref/int8/elementwise.ts';
import { MUL_MAX_EXPONENT } from '../../src/quant/mul.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

type Source = ReturnType<typeof randomSource>;
const CHANNELS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31];

/** rank 1–4, batch 1–2 first, an odd channel count most of the time, a few thousand elements at most. */
function randomShape(r: Source, rank = r.int(1, 4)): number[] {
  const shape = Array.from({ length: rank }, (_, i) => (i === 0 && rank > 1 ? r.int(1, 2) : i === rank - 1 ? r.choose(CHANNELS) : r.int(1, 6)));
  return shape;
}

function randomQParams(r: Source): QParams {
  const scale = r.pick(3) === 0 ? 2 ** r.int(-10, 2) : Math.fround(2 ** (-10 + 12 * r.next()));
  return { scale, zeroPoint: r.int(-128, 127) };
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1e38, -1e38, 3.4028234663852886e38, -3.4028234663852886e38, 1e-40, -1e-45, 65504, -65504, 1e-30];

/** Float values that exercise (Q14): the whole int8 range and beyond, exact and near ties, NaN and ±∞, huge and tiny values. */
function quantizeInput(r: Source, n: number, q: QParams): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const k = r.pick(20);
    if (k < 11) return (r.next() * 2 - 1) * 200 * q.scale;
    if (k < 15) return (r.int(-140, 140) + 0.5) * q.scale; // a tie when s is a power of two, else near one
    if (k < 17) return (r.next() * 2 - 1) * 3 * q.scale;
    if (k < 18) return (r.int(-140, 140) + 0.5 + (r.next() - 0.5) * 1e-5) * q.scale;
    return r.choose(SPECIALS);
  });
}

function quantizeCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const shape = randomShape(r);
  const q = randomQParams(r);
  const x = tensor('float32', shape, quantizeInput(r, sizeOf(shape), q));
  const want = quantizeTensor(x, q);
  const id = `q${seed}`;
  const { spec, outputShape } = quantizeKernel({ op: 'quantize', name: id, input: `${id}.x`, output: `${id}.y` }, shape, q);
  const c = channelsOf(shape);
  return {
    describe: `quantize case ${seed} ${JSON.stringify({ shape, q })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, float32Bytes(shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.x`, x.data as Float32Array]],
    outputs: [`${id}.y`],
    check: (res) => {
      const got = unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(shape) * wordsFor(c)), c);
      const diff = firstDifference(got, want.data);
      return diff && `${diff} (x = ${x.data[Number(/element (\d+)/.exec(diff)?.[1] ?? 0)]})`;
    },
  };
}

function dequantizeCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const shape = randomShape(r);
  const q = randomQParams(r);
  const x = tensor('int8', shape, r.int8s(sizeOf(shape)));
  const want = new Uint32Array((dequantizeTensor(x, q).data as Float32Array).buffer);
  const id = `d${seed}`;
  const { spec, outputShape } = dequantizeKernel({ op: 'dequantize', name: id, input: `${id}.x`, output: `${id}.y` }, shape, q);
  return {
    describe: `dequantize case ${seed} ${JSON.stringify({ shape, q })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(shape)], [`${id}.y`, float32Bytes(outputShape)]]),
    writes: [[`${id}.x`, packWithGarbage(x.data, channelsOf(shape), r.next)]],
    outputs: [`${id}.y`],
    check: (res) => firstDifference(wordsOf(res.get(`${id}.y`), sizeOf(shape)), want), // float32 bit patterns
  };
}

/** Equal shapes half the time; otherwise b broadcasts: [1,1,1,C], [C], a scalar, [N,H,W,1], or random size-1 dims and a shorter rank. */
function addShapes(r: Source): [number[], number[]] {
  const out = randomShape(r, r.int(1, 4));
  if (r.pick(2) === 0) return [out, [...out]];
  const rank = out.length;
  const c = out[rank - 1]!;
  let b: number[];
  switch (r.pick(5)) {
    case 0: b = [...new Array<number>(rank - 1).fill(1), c]; break;
    case 1: b = [c]; break;
    case 2: b = r.pick(2) ? [] : [1]; break;
    case 3: b = [...out.slice(0, -1), 1]; break;
    default: {
      const dropped = r.int(0, rank - 1);
      b = out.slice(dropped).map((d) => (r.pick(2) ? 1 : d));
    }
  }
  return r.pick(2) ? [out, b] : [b, out];
}

function addStep(r: Source, id: string): AddStep {
  const qa = randomQParams(r);
  const qb = randomQParams(r);
  const qo = randomQParams(r);
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  const lo = r.pick(2) ? -128 : r.int(-128, 20);
  return {
    op: 'add',
    name: id,
    inputs: [`${id}.a`, `${id}.b`],
    output: `${id}.y`,
    zeroPoints: [qa.zeroPoint, qb.zeroPoint],
    multipliers: [quantizeMultiplier(qa.scale / twiceMax), quantizeMultiplier(qb.scale / twiceMax)],
    outMultiplier: quantizeMultiplier(twiceMax / (2 ** 20 * qo.scale)),
    zeroPoint: qo.zeroPoint,
    lo,
    hi: r.pick(2) ? 127 : r.int(lo, 127),
  };
}

/** Multipliers s_a·s_b/s_out over the range the quantizer allows (exponent ≤ MUL_MAX_EXPONENT), most below 1. */
function mulStep(r: Source, id: string): MulStep {
  const lo = r.pick(2) ? -128 : r.int(-128, 20);
  const real = r.pick(8) === 0 ? 2 ** (r.next() * 2 * MUL_MAX_EXPONENT - MUL_MAX_EXPONENT) : 2 ** (-14 + 14 * r.next());
  return {
    op: 'mul',
    name: id,
    inputs: [`${id}.a`, `${id}.b`],
    output: `${id}.y`,
    zeroPoints: [r.int(-128, 127), r.int(-128, 127)],
    multiplier: quantizeMultiplier(real),
    zeroPoint: r.int(-128, 127),
    lo,
    hi: r.pick(2) ? 127 : r.int(lo, 127),
  };
}

function binaryCase(seed: number, make: (r: Source, id: string) => AddStep | MulStep): GpuCase {
  const r = randomSource(seed);
  const [aShape, bShape] = addShapes(r);
  const id = `a${seed}`;
  const step = make(r, id);
  const a = tensor('int8', aShape, r.int8s(sizeOf(aShape)));
  const b = tensor('int8', bShape, r.int8s(sizeOf(bShape)));
  const want = step.op === 'add' ? addInt8(a, b, step) : mulInt8(a, b, step);
  const { spec, outputShape } = binaryKernel(step, aShape, bShape);
  const c = channelsOf(outputShape);
  return {
    describe: `${step.op} case ${seed} ${JSON.stringify({ aShape, bShape, step: { ...step, name: undefined, inputs: undefined, output: undefined } })}`,
    specs: [spec],
    tensors: new Map([[`${id}.a`, int8Bytes(aShape)], [`${id}.b`, int8Bytes(bShape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.a`, packWithGarbage(a.data, channelsOf(aShape), r.next)], [`${id}.b`, packWithGarbage(b.data, channelsOf(bShape), r.next)]],
    outputs: [`${id}.y`],
    check: (res) => {
      if (JSON.stringify(outputShape) !== JSON.stringify(want.shape)) return `output shape [${outputShape}], expected [${want.shape}]`;
      return firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(outputShape) * wordsFor(c)), c), want.data);
    },
  };
}

function clampCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const shape = randomShape(r);
  const lo = r.int(-128, 60);
  const hi = r.pick(3) === 0 ? 127 : r.int(lo, 127);
  const x = tensor('int8', shape, r.int8s(sizeOf(shape)));
  const want = clampInt8(x, lo, hi);
  const id = `c${seed}`;
  const { spec, outputShape } = clampKernel({ op: 'clamp', name: id, input: `${id}.x`, output: `${id}.y`, lo, hi }, shape);
  const c = channelsOf(shape);
  return {
    describe: `clamp case ${seed} ${JSON.stringify({ shape, lo, hi })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.x`, packWithGarbage(x.data, c, r.next)]],
    outputs: [`${id}.y`],
    check: (res) => firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(shape) * wordsFor(c)), c), want.data),
  };
}

function lutCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const shape = randomShape(r);
  // Any table: the kernel's job is the lookup, whatever function the quantizer tabulated.
  const table = r.int8s(256);
  const x = tensor('int8', shape, r.int8s(sizeOf(shape)));
  const want = lutInt8(x, table);
  const id = `l${seed}`;
  const { spec, outputShape } = lutKernel({ op: 'lut', name: id, input: `${id}.x`, output: `${id}.y`, table }, shape);
  const c = channelsOf(shape);
  return {
    describe: `lut case ${seed} ${JSON.stringify({ shape })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.x`, packWithGarbage(x.data, c, r.next)]],
    outputs: [`${id}.y`],
    check: (res) => firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(shape) * wordsFor(c)), c), want.data),
  };
}

/** Softmax tolerance: every element within 1e-6 of the reference relative to its row's largest value (the largest probability). */
const SOFTMAX_TOLERANCE = 1e-6;
const softmaxErrors = { rowRelative: 0, elementRelative: 0 };

function softmaxCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const rank = r.int(1, 4);
  const shape = randomShape(r, rank);
  if (r.pick(4) === 0) shape[rank - 1] = r.int(100, 1000); // classifier-sized rows
  const axis = r.pick(3) === 0 ? r.int(-rank, rank - 1) : -1;
  const coerce2d = r.pick(5) === 0;
  const range = 1 + r.next() * 40;
  const x = tensor('float32', shape, Float32Array.from({ length: sizeOf(shape) }, () => (r.next() * 2 - 1) * range));
  const want = softmax(x, axis, coerce2d).data;
  const id = `s${seed}`;
  const node = { op: 'Softmax', name: id, inputs: [`${id}.x`], outputs: [`${id}.y`], attrs: { axis, coerce2d } } as Node;
  const step: FloatStep = { op: 'float', name: id, node };
  const { spec, outputShape } = softmaxKernel(step, shape);
  // The row (softmax group) of each element, to scale its error by the row's largest probability.
  const ax = axis < 0 ? axis + rank : axis;
  const len = coerce2d ? sizeOf(shape.slice(ax)) : shape[ax]!;
  const inner = coerce2d ? 1 : sizeOf(shape.slice(ax + 1));
  const rowOf = (i: number) => Math.floor(i / (len * inner)) * inner + (i % inner);
  return {
    describe: `softmax case ${seed} ${JSON.stringify({ shape, axis, coerce2d, range })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, float32Bytes(shape)], [`${id}.y`, float32Bytes(outputShape)]]),
    writes: [[`${id}.x`, x.data as Float32Array]],
    outputs: [`${id}.y`],
    check: (res) => {
      const got = new Float32Array(res.get(`${id}.y`)!.slice(0, sizeOf(shape) * 4));
      const rowMax = new Map<number, number>();
      want.forEach((v, i) => rowMax.set(rowOf(i), Math.max(rowMax.get(rowOf(i)) ?? 0, v)));
      for (let i = 0; i < want.length; i++) {
        const err = Math.abs(got[i]! - want[i]!);
        if (!(Number.isFinite(got[i]!) && err <= SOFTMAX_TOLERANCE * rowMax.get(rowOf(i))!)) return `element ${i}: got ${got[i]}, expected ${want[i]}`;
        softmaxErrors.rowRelative = Math.max(softmaxErrors.rowRelative, err / rowMax.get(rowOf(i))!);
        if (want[i]! > 0) softmaxErrors.elementRelative = Math.max(softmaxErrors.elementRelative, err / want[i]!);
      }
      return undefined;
    },
  };
}

const FAMILIES: [string, (seed: number) => GpuCase][] = [
  ['quantize_f32 (Q14: ties, NaN, ±∞, saturation)', quantizeCase],
  ['dequantize_int8 (Q15, float32 bit patterns)', dequantizeCase],
  ['binary_int8 add (Q13, equal shapes and broadcasting, fused clamp)', (seed) => binaryCase(seed, addStep)],
  ['binary_int8 mul (Q21, equal shapes and broadcasting, fused clamp)', (seed) => binaryCase(seed, mulStep)],
  ['clamp_int8 (Q18)', clampCase],
  ['lut_int8 (Q20, random tables)', lutCase],
  [`softmax_f32 (float, within ${SOFTMAX_TOLERANCE} of the row maximum)`, softmaxCase],
];

describe.skipIf(skipGpu)('elementwise kernels on Dawn match the CPU references', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const [family, make] of FAMILIES) {
    for (const path of PATHS) {
      it(`${CASES} random ${family}, ${path} path`, { timeout: 120_000 }, async () => {
        if (path === 'native') expect(gpu.dot4I8Packed, `the native path needs WGSL's dot4I8Packed, which ${JSON.stringify(gpu.adapterInfo)} lacks`).toBe(true);
        const cases = Array.from({ length: CASES }, (_, i) => make(i + 1));
        const { failures, pipelines, ms } = await runBatch(gpu.device, path, cases);
        expect(failures.slice(0, 5)).toEqual([]);
        const extra = family.startsWith('softmax') ? ` (max error ${softmaxErrors.rowRelative.toExponential(2)} of the row maximum, ${softmaxErrors.elementRelative.toExponential(2)} of the element)` : '';
        console.log(`${family.split(' (')[0]} (${path}): ${cases.length} cases, ${pipelines} pipelines, ${ms.toFixed(0)} ms${extra}`);
      });
    }
  }
});
