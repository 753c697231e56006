// The fp32 kernel families (src/kernels/float/, shaders/*_f32.wgsl) on Dawn against the float CPU
// reference (src/ref/float/) over randomised cases, each case planned from an IR node by
// planFloatNode (the table the float plan uses) so the node → kernel mapping is under test too.
// Each family's cases run as one GpuProgram (see kernels-harness.ts).
//
// Tolerance: per case, max |GPU − CPU| ≤ 1e-4 · max |CPU| (float32 arithmetic in another order
// than the reference's, and the GPU's exp, not bit for bit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { convAttrs, poolAttrs } from '../../src/ir/builder.ts';
import type { AutoPad, Clamp, Node } from '../../src/ir/graph.ts';
import { inferNode, type ShapeMap } from '../../src/ir/shapes.ts';
import { planAxis } from '../../src/ir/spatial.ts';
import { f32, sizeOf, type Tensor } from '../../src/ir/tensor.ts';
import { floatBytes } from '../../src/kernels/float/common.ts';
import { planFloatNode } from '../../src/kernels/float/registry.ts';
import { broadcastShapes } from '../../src/ref/float/broadcast.ts';
import { conv } from '../../src/ref/float/conv.ts';
import { binary, clip, hardSigmoid, hardSwish, leakyRelu, mapUnary, relu, sigmoid } from '../../src/ref/float/elementwise.ts';
import { gemm, matmul } from '../../src/ref/float/matmul.ts';
import { globalPool, pool } from '../../src/ref/float/pool.ts';
import { concat, transpose } from '../../src/ref/float/shape-ops.ts';
import { randomSource, runBatch, skipGpu, type GpuCase } from './kernels-harness.ts';

const CASES = Number(process.env.GPU_FLOAT_CASES ?? 100);
const TOLERANCE = 1e-4;

type Source = ReturnType<typeof randomSource>;
const values = (r: Source, n: number, scale = 1) => Float32Array.from({ length: n }, () => (r.next() * 2 - 1) * scale);
const randomF32 = (r: Source, shape: number[], scale = 1) => f32(shape, values(r, sizeOf(shape), scale));

/** Max |got − want| relative to max |want| (1 when want is all zeros); NaN anywhere fails. */
function relativeError(got: Float32Array, want: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / (scale || 1);
}

const worst = new Map<string, number>();

/**
 * One node as a GPU case: its non-constant inputs are `feeds`, its constants `constants` (uploaded
 * by the kernel builders), and `want` is the CPU reference's output. Throws if the node plans to
 * an alias (callers test aliases separately).
 */
function nodeCase(family: string, what: string, node: Node, feeds: Record<string, Tensor>, constants: Map<string, Tensor>, want: Tensor): GpuCase {
  const shapes: ShapeMap = new Map();
  for (const [name, t] of [...Object.entries(feeds), ...constants]) shapes.set(name, [...t.shape]);
  const inputShapes = node.inputs.map((name) => (name === '' ? undefined : (shapes.get(name) as number[])));
  const [inferred] = inferNode(node, shapes, constants);
  const planned = planFloatNode(node, inputShapes, constants, inferred as number[] | undefined);
  if (!('specs' in planned)) throw new Error(`${what}: planned as an alias`);
  expect(planned.outputShape, what).toEqual(want.shape);
  const out = node.outputs[0]!;
  return {
    describe: what,
    specs: planned.specs,
    tensors: new Map([...Object.entries(feeds).map(([n, t]) => [n, floatBytes(t.shape)] as [string, number]), [out, floatBytes(want.shape)]]),
    writes: Object.entries(feeds).map(([n, t]) => [n, t.data as Float32Array]),
    outputs: [out],
    check: (res) => {
      const got = new Float32Array(res.get(out)!.slice(0, sizeOf(want.shape) * 4));
      const err = relativeError(got, want.data);
      worst.set(family, Math.max(worst.get(family) ?? 0, err));
      return err <= TOLERANCE ? undefined : `relative error ${err.toExponential(2)}`;
    },
  };
}

const AUTO_PADS: AutoPad[] = ['NOTSET', 'NOTSET', 'NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];
const CHANNELS = [1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17];

/** With `channels`, sometimes a per-channel upper bound (Q12b: an equalized ReLU6). */
function randomClamp(r: Source, channels?: number): Clamp | null {
  if (channels !== undefined && r.pick(4) === 0) {
    const channelMax = Float32Array.from({ length: channels }, () => 6 * r.next());
    return { min: 0, max: Math.max(...channelMax), channelMax };
  }
  switch (r.pick(5)) {
    case 0: return { min: 0, max: 6 };
    case 1: return { min: 0, max: Infinity };
    case 2: return { min: -Infinity, max: r.next() };
    case 3: return { min: -r.next(), max: r.next() };
    default: return null;
  }
}

/** Regular, depthwise, grouped (aligned or not), pointwise; 1×1 to 7×7; strides, dilations, pads, auto_pad, bias or none, clamp. */
function convCase(seed: number): GpuCase | undefined {
  const r = randomSource(seed);
  const kind = r.pick(4);
  const group = kind === 1 ? r.int(1, 9) : kind === 2 ? r.int(2, 3) : 1;
  const cinPerGroup = kind === 1 ? 1 : kind === 2 ? r.choose([1, 3, 4, 5, 8]) : r.choose(CHANNELS);
  const coutPerGroup = kind === 1 ? 1 : kind === 2 ? r.choose([1, 2, 3, 4, 8]) : r.int(1, 18);
  const kh = kind === 3 ? 1 : r.int(1, 7);
  const kw = kind === 3 ? 1 : r.pick(3) === 0 ? r.int(1, 7) : kh;
  const [n, h, w] = [r.int(1, 2), r.int(3, 12), r.int(3, 12)];
  const dil = r.pick(3) === 0 ? 2 : 1;
  const attrs = convAttrs({
    layout: 'NHWC',
    group,
    strides: [r.int(1, 3), r.int(1, 2)],
    dilations: [dil, dil],
    pads: [r.pick(kh), r.pick(kw), r.pick(kh), r.pick(kw)],
    autoPad: r.choose(AUTO_PADS),
    clamp: randomClamp(r, group * coutPerGroup),
  });
  try {
    planAxis({ ...attrs, kernel: [kh, kw] }, 0, h);
    planAxis({ ...attrs, kernel: [kh, kw] }, 1, w);
  } catch {
    return undefined; // the window does not fit the input
  }
  const id = `conv${seed}`;
  const x = randomF32(r, [n, h, w, group * cinPerGroup]);
  const wt = randomF32(r, [group * coutPerGroup, kh, kw, cinPerGroup], 1 / Math.sqrt(kh * kw * cinPerGroup));
  const bias = r.pick(3) === 0 ? undefined : randomF32(r, [group * coutPerGroup], 0.5);
  const constants = new Map([[`${id}.w`, wt], ...(bias ? [[`${id}.b`, bias] as [string, Tensor]] : [])]);
  const inputs = [`${id}.x`, `${id}.w`, ...(bias ? [`${id}.b`] : r.pick(2) ? [''] : [])];
  const node: Node = { op: 'Conv', name: id, inputs, outputs: [`${id}.y`], attrs };
  const what = `conv case ${seed} ${JSON.stringify({ x: x.shape, w: wt.shape, bias: !!bias, ...attrs })}`;
  return nodeCase('conv2d_f32 (Conv)', what, node, { [`${id}.x`]: x }, constants, conv(x, wt, bias, attrs));
}

/** Gemm with transB 0/1, alpha, beta, C none / scalar / [N] / [1, N], a fused clamp; MatMul of rank 1–4 A by a 1-D or 2-D B. */
function denseCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `dense${seed}`;
  const [m, k, n] = [r.int(1, 5), r.int(1, 70), r.int(1, 21)];
  if (r.pick(3) > 0) {
    const transB = r.pick(2) === 1;
    const attrs = { transA: false, transB, alpha: r.choose([1, 1, 0.5, -1.25]), beta: r.choose([1, 1, 0, 2]), clamp: randomClamp(r) };
    const a = randomF32(r, [m, k]);
    const b = randomF32(r, transB ? [n, k] : [k, n], 1 / Math.sqrt(k));
    const cShape = r.choose([null, [], [1], [n], [1, n]]);
    const c = cShape && randomF32(r, cShape);
    const constants = new Map([[`${id}.b`, b], ...(c ? [[`${id}.c`, c] as [string, Tensor]] : [])]);
    const node: Node = { op: 'Gemm', name: id, inputs: [`${id}.a`, `${id}.b`, ...(c ? [`${id}.c`] : [])], outputs: [`${id}.y`], attrs };
    const what = `gemm case ${seed} ${JSON.stringify({ a: a.shape, b: b.shape, c: cShape, ...attrs })}`;
    return nodeCase('conv2d_f32 (Gemm, MatMul)', what, node, { [`${id}.a`]: a }, constants, gemm(a, b, c ?? undefined, attrs));
  }
  const lead = Array.from({ length: r.int(0, 3) }, () => r.int(1, 3));
  const a = randomF32(r, [...lead, k]);
  const b = randomF32(r, r.pick(4) === 0 ? [k] : [k, n], 1 / Math.sqrt(k));
  const node: Node = { op: 'MatMul', name: id, inputs: [`${id}.a`, `${id}.b`], outputs: [`${id}.y`], attrs: {} };
  const what = `matmul case ${seed} ${JSON.stringify({ a: a.shape, b: b.shape })}`;
  return nodeCase('conv2d_f32 (Gemm, MatMul)', what, node, { [`${id}.a`]: a }, new Map([[`${id}.b`, b]]), matmul(a, b));
}

/** matmul_f32: MatMul of two activations (ranks 1–4, broadcast batch dims) and Gemm of an activation B (transA / transB, alpha, beta, C); M and N not multiples of its 4 × 4 tiles. */
function generalMatmulCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `general${seed}`;
  const [m, k, n] = [r.int(1, 21), r.int(1, 40), r.int(1, 21)];
  if (r.pick(3) === 0) {
    const attrs = { transA: r.pick(2) === 1, transB: r.pick(2) === 1, alpha: r.choose([1, 0.5, -1.25]), beta: r.choose([1, 0, 2]), clamp: null };
    const a = randomF32(r, attrs.transA ? [k, m] : [m, k]);
    const b = randomF32(r, attrs.transB ? [n, k] : [k, n], 1 / Math.sqrt(k));
    const cShape = r.choose([null, [], [n], [m, 1], [m, n]]);
    const c = cShape && randomF32(r, cShape);
    const node: Node = { op: 'Gemm', name: id, inputs: [`${id}.a`, `${id}.b`, ...(c ? [`${id}.c`] : [])], outputs: [`${id}.y`], attrs };
    const feeds = { [`${id}.a`]: a, [`${id}.b`]: b, ...(c ? { [`${id}.c`]: c } : {}) };
    return generalOnly(nodeCase('matmul_f32', `general gemm case ${seed} ${JSON.stringify({ a: a.shape, b: b.shape, c: cShape, ...attrs })}`, node, feeds, new Map(), gemm(a, b, c ?? undefined, attrs)));
  }
  // Batch dims broadcast against each other: a 1 on either side, or one side shorter.
  const batch = Array.from({ length: r.int(0, 2) }, () => r.int(1, 3));
  const lead = (): number[] => batch.slice(r.int(0, batch.length)).map((d) => (r.pick(3) === 0 ? 1 : d));
  const a = randomF32(r, r.pick(6) === 0 ? [k] : [...lead(), m, k]);
  const b = randomF32(r, r.pick(6) === 0 ? [k] : [...lead(), k, n], 1 / Math.sqrt(k));
  const node: Node = { op: 'MatMul', name: id, inputs: [`${id}.a`, `${id}.b`], outputs: [`${id}.y`], attrs: {} };
  return generalOnly(nodeCase('matmul_f32', `general matmul case ${seed} ${JSON.stringify({ a: a.shape, b: b.shape })}`, node, { [`${id}.a`]: a, [`${id}.b`]: b }, new Map(), matmul(a, b)));
}

function generalOnly(c: GpuCase): GpuCase {
  expect(c.specs.map((s) => s.shader), c.describe).toEqual(['matmul_f32']);
  return c;
}

/** MaxPool, AveragePool (count_include_pad or not), global average and max, NHWC; auto_pad, ceil mode, dilations. */
function poolCase(seed: number): GpuCase | undefined {
  const r = randomSource(seed);
  const id = `pool${seed}`;
  const x = randomF32(r, [r.int(1, 2), r.int(1, 11), r.int(1, 11), r.choose(CHANNELS)], 4);
  const feeds = { [`${id}.x`]: x };
  const kind = r.pick(6);
  if (kind >= 4) {
    const op = kind === 4 ? 'GlobalAveragePool' : 'GlobalMaxPool';
    const node: Node = { op, name: id, inputs: [`${id}.x`], outputs: [`${id}.y`], attrs: { layout: 'NHWC' } };
    return nodeCase('pool_f32', `${op} case ${seed} [${x.shape}]`, node, feeds, new Map(), globalPool(x, 'NHWC', kind === 4 ? 'avg' : 'max'));
  }
  const kernel: [number, number] = [r.int(1, 4), r.int(1, 4)];
  const dil: [number, number] = r.pick(4) === 0 ? [2, r.int(1, 2)] : [1, 1];
  // Pads at most half a window: every window keeps a tap inside the input (no 0/0 averages).
  const pad = (axis: 0 | 1) => r.int(0, Math.floor(((kernel[axis] - 1) * dil[axis]) / 2));
  const attrs = poolAttrs(kernel, {
    layout: 'NHWC',
    strides: [r.int(1, 3), r.int(1, 3)],
    dilations: dil,
    pads: [pad(0), pad(1), pad(0), pad(1)],
    autoPad: r.choose(AUTO_PADS),
    ceilMode: r.pick(3) === 0,
  });
  let py, px;
  try {
    py = planAxis(attrs, 0, x.shape[1]!);
    px = planAxis(attrs, 1, x.shape[2]!);
  } catch {
    return undefined;
  }
  // SAME_* may pad a whole window; keep to cases where every window reads the input.
  if (py.padBefore > ((kernel[0] - 1) * dil[0]) / 2 + 1 || px.padBefore > ((kernel[1] - 1) * dil[1]) / 2 + 1) return undefined;
  const what = (op: string) => `${op} case ${seed} ${JSON.stringify({ x: x.shape, ...attrs })}`;
  if (kind === 0) {
    const node: Node = { op: 'MaxPool', name: id, inputs: [`${id}.x`], outputs: [`${id}.y`], attrs };
    return nodeCase('pool_f32', what('MaxPool'), node, feeds, new Map(), pool(x, attrs, 'max'));
  }
  const countIncludePad = kind === 2;
  const node: Node = { op: 'AveragePool', name: id, inputs: [`${id}.x`], outputs: [`${id}.y`], attrs: { ...attrs, countIncludePad } };
  return nodeCase('pool_f32', what(`AveragePool(count_include_pad=${countIncludePad})`), node, feeds, new Map(), pool(x, attrs, countIncludePad ? 'avgIncludePad' : 'avg'));
}

/** Add / Sub / Mul / Div: equal shapes, [C], [1,1,1,C], a scalar on either side, an attention mask, general numpy broadcasting both ways; either operand constant. */
function binaryCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `bin${seed}`;
  const op = r.choose(['Add', 'Sub', 'Mul', 'Div'] as const);
  const full = [r.int(1, 2), r.int(1, 5), r.int(1, 5), r.choose(CHANNELS)];
  const c = full[3]!;
  let aShape: number[] = full;
  let bShape: number[] = full;
  switch (r.pick(8)) {
    case 0: break;
    case 1: bShape = [c]; break;
    case 7: {
      // Attention's additive mask: scores [B, H, S, S] + a mask [B, 1, 1 or S, S] (the walk
      // collapses to rank 2 or 3; rows of 16, 4 or 1 elements an invocation).
      const [batch, heads, s] = [r.int(1, 2), r.int(1, 4), r.choose([16, 32, 12, 7])];
      aShape = [batch, heads, s, s];
      bShape = [batch, 1, r.choose([1, s]), s];
      break;
    }
    case 2: bShape = [1, 1, 1, c]; break;
    case 3: bShape = r.choose([[], [1]]); break;
    case 4: [aShape, bShape] = [[c], full]; break;
    case 5: [aShape, bShape] = [r.choose([[], [1]]), full]; break;
    default: {
      // Independent size-1 axes on each side, ranks 1–5.
      const rank = r.int(1, 5);
      const dims = Array.from({ length: rank }, () => r.int(2, 4));
      aShape = dims.map((d) => (r.pick(3) === 0 ? 1 : d)).slice(r.pick(2));
      bShape = dims.map((d) => (r.pick(3) === 0 ? 1 : d)).slice(r.pick(2));
    }
  }
  const a = randomF32(r, aShape);
  // Divisors kept away from 0: |b| in [0.25, 1].
  const b = op === 'Div' ? f32(bShape, Array.from({ length: sizeOf(bShape) }, () => (r.pick(2) ? 1 : -1) * (0.25 + 0.75 * r.next()))) : randomF32(r, bShape);
  const constantSide = r.pick(4); // 0: a constant, 1: b constant, else neither
  const feeds: Record<string, Tensor> = {};
  const constants = new Map<string, Tensor>();
  (constantSide === 0 ? constants.set(`${id}.a`, a) : (feeds[`${id}.a`] = a));
  (constantSide === 1 ? constants.set(`${id}.b`, b) : (feeds[`${id}.b`] = b));
  const node: Node = { op, name: id, inputs: [`${id}.a`, `${id}.b`], outputs: [`${id}.y`], attrs: {} };
  const what = `${op} case ${seed} ${JSON.stringify({ a: aShape, b: bShape, out: broadcastShapes(aShape, bShape), constant: ['a', 'b', 'none', 'none'][constantSide] })}`;
  return nodeCase('binary_f32', what, node, feeds, constants, binary(op, a, b));
}

/** Relu, Clip (min/max constants, either omitted), Sigmoid, HardSwish, HardSigmoid, LeakyRelu. */
function unaryCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `un${seed}`;
  const x = randomF32(r, Array.from({ length: r.int(1, 4) }, () => r.int(1, 9)), 8);
  const feeds = { [`${id}.x`]: x };
  const base = { name: id, outputs: [`${id}.y`] };
  const inputs = [`${id}.x`];
  const alpha = r.next() * 0.5;
  const beta = r.next();
  switch (r.pick(6)) {
    case 0:
      return nodeCase('unary_f32', `Relu case ${seed} [${x.shape}]`, { ...base, op: 'Relu', inputs, attrs: {} }, feeds, new Map(), mapUnary(x, relu));
    case 1: {
      const lo = r.pick(3) === 0 ? undefined : -r.next() * 4;
      const hi = r.pick(3) === 0 ? undefined : r.next() * 4;
      const constants = new Map<string, Tensor>();
      if (lo !== undefined) constants.set(`${id}.min`, f32([], [lo]));
      if (hi !== undefined) constants.set(`${id}.max`, f32([], [hi]));
      const node: Node = { ...base, op: 'Clip', inputs: [...inputs, lo === undefined ? '' : `${id}.min`, ...(hi === undefined ? [] : [`${id}.max`])], attrs: {} };
      return nodeCase('unary_f32', `Clip case ${seed} [${x.shape}] [${lo}, ${hi}]`, node, feeds, constants, mapUnary(x, clip(lo ?? -Infinity, hi ?? Infinity)));
    }
    case 2:
      return nodeCase('unary_f32', `Sigmoid case ${seed} [${x.shape}]`, { ...base, op: 'Sigmoid', inputs, attrs: {} }, feeds, new Map(), mapUnary(x, sigmoid));
    case 3:
      return nodeCase('unary_f32', `HardSwish case ${seed} [${x.shape}]`, { ...base, op: 'HardSwish', inputs, attrs: {} }, feeds, new Map(), mapUnary(x, hardSwish));
    case 4:
      return nodeCase('unary_f32', `HardSigmoid case ${seed} [${x.shape}] ${alpha} ${beta}`, { ...base, op: 'HardSigmoid', inputs, attrs: { alpha, beta } }, feeds, new Map(), mapUnary(x, hardSigmoid(alpha, beta)));
    default:
      return nodeCase('unary_f32', `LeakyRelu case ${seed} [${x.shape}] ${alpha}`, { ...base, op: 'LeakyRelu', inputs, attrs: { alpha } }, feeds, new Map(), mapUnary(x, leakyRelu(alpha)));
  }
}

/** 1–4 inputs of rank 1–5 along any axis (negative too), some of them constants or empty along the axis. */
function concatCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `cat${seed}`;
  const rank = r.int(1, 5);
  const shape = Array.from({ length: rank }, () => r.int(1, 5));
  const axis = r.int(0, rank - 1);
  const parts = Array.from({ length: r.int(1, 4) }, (_, i) => {
    const s = [...shape];
    s[axis] = i > 0 && r.pick(8) === 0 ? 0 : r.int(1, 6);
    return randomF32(r, s);
  });
  const feeds: Record<string, Tensor> = {};
  const constants = new Map<string, Tensor>();
  const inputs = parts.map((t, i) => {
    const name = `${id}.x${i}`;
    (r.pick(4) === 0 && t.data.length > 0 ? constants.set(name, t) : (feeds[name] = t));
    return name;
  });
  const attrs = { axis: r.pick(2) ? axis : axis - rank };
  const node: Node = { op: 'Concat', name: id, inputs, outputs: [`${id}.y`], attrs };
  const what = `concat case ${seed} ${JSON.stringify({ shapes: parts.map((p) => p.shape), ...attrs, constants: [...constants.keys()] })}`;
  return nodeCase('concat_f32', what, node, feeds, constants, concat(parts, attrs.axis));
}

let transposeAliases = 0;

/** Rank 1–6, random permutations (and perm = null); the plan's aliases (only size-1 axes move) must keep the data as is. */
function transposeCase(seed: number): GpuCase | undefined {
  const r = randomSource(seed);
  const id = `tr${seed}`;
  const rank = r.int(1, 6);
  const shape = Array.from({ length: rank }, () => (r.pick(4) === 0 ? 1 : r.int(2, 4)));
  let perm: number[] | null = null;
  if (r.pick(8) > 0) {
    perm = shape.map((_, i) => i);
    for (let i = rank - 1; i > 0; i--) {
      const j = r.pick(i + 1);
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
  }
  const x = randomF32(r, shape);
  const node: Node = { op: 'Transpose', name: id, inputs: [`${id}.x`], outputs: [`${id}.y`], attrs: { perm } };
  const want = transpose(x, perm);
  const planned = planFloatNode(node, [shape], new Map(), want.shape);
  if ('alias' in planned) {
    expect(planned.outputShape).toEqual(want.shape);
    expect(Array.from(want.data), `transpose case ${seed}: aliased, so the data must not move`).toEqual(Array.from(x.data));
    transposeAliases++;
    return undefined;
  }
  return nodeCase('transpose_f32', `transpose case ${seed} ${JSON.stringify({ shape, perm })}`, node, { [`${id}.x`]: x }, new Map(), want);
}

const FAMILIES: [string, (seed: number) => GpuCase | undefined][] = [
  ['conv2d_f32 (Conv)', convCase],
  ['conv2d_f32 (Gemm, MatMul)', denseCase],
  ['matmul_f32', generalMatmulCase],
  ['pool_f32', poolCase],
  ['binary_f32', binaryCase],
  ['unary_f32', unaryCase],
  ['concat_f32', concatCase],
  ['transpose_f32', transposeCase],
];

describe.skipIf(skipGpu)(`fp32 kernels on Dawn match the float CPU reference within ${TOLERANCE} of the largest |reference|`, () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const [family, make] of FAMILIES) {
    it(`${CASES} random ${family} cases`, { timeout: 120_000 }, async () => {
      const cases: GpuCase[] = [];
      for (let seed = 1; cases.length < CASES; seed++) {
        expect(seed, `${family}: too few valid cases`).toBeLessThan(CASES * 4);
        const c = make(seed);
        if (c) cases.push(c);
      }
      const { failures, pipelines, dispatches, ms } = await runBatch(gpu.device, 'native', cases);
      expect(failures.slice(0, 5)).toEqual([]);
      const extra = family === 'transpose_f32' ? ` (+${transposeAliases} aliased, checked on the CPU)` : '';
      console.log(`${family}: ${cases.length} cases${extra}, ${dispatches} dispatches, ${pipelines} pipelines, ${ms.toFixed(0)} ms, worst relative error ${(worst.get(family) ?? 0).toExponential(2)}`);
    });
  }
});
