// Each int8 reference kernel against a direct float simulation: dequantized int8 inputs through
// the float op (with the same fake-quantized weights and bias), requantized with the output's
// (s, z). Integer requantization may differ from the real-valued one by one unit, rarely.
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { convAttrs, GraphBuilder, poolAttrs } from '../../src/ir/builder.ts';
import type { Graph, Node } from '../../src/ir/graph.ts';
import { f32, type Tensor } from '../../src/ir/tensor.ts';
import type { QuantizedModel, Step } from '../../src/quant/program.ts';
import { quantizeBias, quantizeValue, quantizeWeights, roundHalfAwayFromZero, type QParams } from '../../src/quant/qparams.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { floatKernels } from '../../src/ref/float/ops.ts';
import { dequantizeTensor, quantizeTensor } from '../../src/ref/int8/elementwise.ts';
import { roundedDivide } from '../../src/ref/int8/pool.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;

function int8Program(graph: Graph, seed: number, lo = -1, hi = 1): { model: QuantizedModel; captured: Map<string, Tensor>; run: () => void } {
  const shape = graph.inputs[0]!.shape as number[];
  const ranges = calibrate(graph, 4, (i) => ({ x: randomTensor(shape, seed + i, lo, hi) }), { method: 'minmax' });
  const model = quantizeGraph(graph, ranges, { method: 'minmax' });
  const captured = new Map<string, Tensor>();
  const run = () => runInt8(model, { x: randomTensor(shape, seed + 100, lo * 1.2, hi * 1.2) }, { observe: (n, t) => captured.set(n, t) });
  return { model, captured, run };
}

const qp = (model: QuantizedModel, name: string): QParams => {
  const info = model.tensors.get(name);
  if (info?.dtype !== 'int8') throw new Error(`${name} is not int8`);
  return info.qparams;
};

/** Real-valued requantization: round half away from zero, then the step's clamp. */
function requantizeReal(y: Tensor, q: QParams, lo = -128, hi = 127): Int8Array {
  return Int8Array.from(y.data, (v) => Math.min(hi, Math.max(lo, roundHalfAwayFromZero(v / q.scale) + q.zeroPoint)));
}

/**
 * Averages keep (s, z), and (Q17) rounds the mean of q itself: ties go away from zero in the q
 * domain. The true means are multiples of 1/n (small n), but the float path's float32 rounding
 * turns exact ties into near-ties; snapping to 1/1000 restores them.
 */
function averageReal(y: Tensor, q: QParams): Int8Array {
  return Int8Array.from(y.data, (v) => roundHalfAwayFromZero(Math.round((v / q.scale + q.zeroPoint) * 1000) / 1000));
}

function fakeQuantLinear(graph: Graph, node: Node, inputScale: number): Tensor[] {
  const w = graph.initializers.get(node.inputs[1]!)!;
  const b = node.inputs[2] ? graph.initializers.get(node.inputs[2]) : undefined;
  const channels = node.op === 'Gemm' && !node.attrs.transB ? w.shape[1]! : w.shape[0]!;
  const q = quantizeWeights(w.data, w.shape[0]!);
  expect(channels).toBe(w.shape[0]); // the tests build Gemm with transB
  const inner = w.data.length / channels;
  const wf = f32(w.shape, Array.from(q.values, (v, i) => v * q.scales[Math.floor(i / inner)]!));
  const qb = quantizeBias(b?.data, inputScale, q.scales);
  return [wf, f32([channels], Array.from(qb, (v, c) => v * inputScale * q.scales[c]!))];
}

/** Simulates one int8 step in float from the int8 tensors it read; returns the expected int8 output. */
function simulate(graph: Graph, model: QuantizedModel, step: Step, captured: Map<string, Tensor>): Int8Array | undefined {
  const deq = (name: string) => dequantizeTensor(captured.get(name)!, qp(model, name));
  const node = graph.nodes.find((n) => n.name === step.name)!;
  const run = (inputs: (Tensor | undefined)[], attrs: object) =>
    (floatKernels[node.op] as (i: (Tensor | undefined)[], a: object) => Tensor[])(inputs, attrs)[0]!;
  switch (step.op) {
    case 'conv':
    case 'gemm': {
      const [w, b] = fakeQuantLinear(graph, node, qp(model, step.input).scale);
      const y = run([deq(step.input), w, b], { ...node.attrs, clamp: null });
      return requantizeReal(y, qp(model, step.output), step.out.lo, step.out.hi);
    }
    case 'add':
      return requantizeReal(run(step.inputs.map(deq), NONE), qp(model, step.output));
    case 'concat':
      return requantizeReal(run(step.inputs.map(deq), node.attrs), qp(model, step.output));
    case 'maxpool':
    case 'globalmaxpool':
      return requantizeReal(run([deq(step.input)], node.attrs), qp(model, step.output));
    case 'avgpool':
    case 'globalavgpool':
      return averageReal(run([deq(step.input)], node.attrs), qp(model, step.output));
    default:
      return undefined;
  }
}

function expectCloseToSimulation(graph: Graph, seed: number, minExact: number, lo?: number, hi?: number): Set<string> {
  const { model, captured, run } = int8Program(graph, seed, lo, hi);
  run();
  const checked = new Set<string>();
  for (const step of model.steps) {
    const expected = simulate(graph, model, step, captured);
    if (!expected || !('output' in step)) continue;
    const got = captured.get(step.output)!.data;
    let exact = 0;
    for (let i = 0; i < expected.length; i++) {
      expect(Math.abs(got[i]! - expected[i]!), `${step.op} "${step.name}" element ${i}`).toBeLessThanOrEqual(1);
      if (got[i] === expected[i]) exact++;
    }
    // Off-by-one cases are rare, so the exact fraction is only meaningful on larger outputs.
    if (expected.length >= 64) expect(exact / expected.length, `${step.op} "${step.name}" exact fraction`).toBeGreaterThanOrEqual(minExact);
    checked.add(step.op);
  }
  return checked;
}

describe('int8 reference kernels vs float simulation', () => {
  it('conv (regular, strided, dilated, grouped, depthwise, odd channels, padding at a non-zero zero point) and gemm', () => {
    for (let seed = 0; seed < 6; seed++) {
      const b = new GraphBuilder();
      const x = b.input('x', [2, 9, 11, 5]);
      const w = (name: string, shape: number[], s: number) => b.constant(name, randomTensor(shape, 1000 * seed + s, -0.5, 0.5));
      const c1 = b.node('Conv', [x, w('w1', [7, 3, 3, 5], 1), w('b1', [7], 2)], convAttrs({ layout: 'NHWC', pads: [1, 2, 1, 0], strides: [2, 1], clamp: { min: 0, max: 6 } }), 'conv_regular');
      const c2 = b.node('Conv', [c1, w('w2', [7, 3, 3, 1], 3)], convAttrs({ layout: 'NHWC', group: 7, pads: [2, 2, 2, 2], dilations: [2, 2] }), 'conv_depthwise');
      const c3 = b.node('Conv', [c2, w('w3', [6, 1, 2, 7], 4)], convAttrs({ layout: 'NHWC', group: 1, autoPad: 'SAME_UPPER' }), 'conv_1x2_same');
      const c4 = b.node('Conv', [c3, w('w4', [4, 5, 5, 3], 5), w('b4', [4], 6)], convAttrs({ layout: 'NHWC', group: 2, pads: [2, 2, 2, 2], clamp: { min: -1, max: 1 } }), 'conv_grouped_5x5');
      const gap = b.node('GlobalAveragePool', [c4], { layout: 'NHWC' }, 'gap');
      const flat = b.node('Flatten', [gap], { axis: 1 }, 'flatten');
      const fc = b.node('Gemm', [flat, w('fc', [3, 4], 7), w('fcb', [3], 8)], { transA: false, transB: true, alpha: 1, beta: 1, clamp: null }, 'fc');
      // Inputs in [0.2, 2]: the range is widened to include 0, so z_x = −128 and padding must read it.
      const checked = expectCloseToSimulation(b.output(fc).build(), seed * 10, 0.97, 0.2, 2);
      expect([...checked].sort()).toEqual(['conv', 'gemm', 'globalavgpool']);
    }
  });

  it('residual add with two input scales, concat with differing scales, max and average pooling', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 8, 8, 4]);
    const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([4, 1, 1, 4], 1))], convAttrs({ layout: 'NHWC' }), 'c1');
    const c2 = b.node('Conv', [x, b.constant('w2', randomTensor([4, 3, 3, 4], 2, -3, 3))], convAttrs({ layout: 'NHWC', pads: [1, 1, 1, 1] }), 'c2');
    const sum = b.node('Add', [c1, c2], NONE, 'add');
    const cat = b.node('Concat', [sum, c1, x], { axis: 3 }, 'concat');
    const mp = b.node('MaxPool', [cat], poolAttrs([3, 3], { layout: 'NHWC', strides: [2, 2], pads: [1, 1, 1, 1] }), 'maxpool');
    const ap = b.node('AveragePool', [mp], { ...poolAttrs([2, 3], { layout: 'NHWC', pads: [1, 1, 0, 1] }), countIncludePad: true }, 'avgpool_incl');
    const ap2 = b.node('AveragePool', [ap], { ...poolAttrs([2, 2], { layout: 'NHWC', pads: [0, 1, 1, 0], ceilMode: true }), countIncludePad: false }, 'avgpool');
    const g = b.output(b.node('Relu', [ap2], NONE, 'relu')).build();
    const checked = expectCloseToSimulation(g, 3, 0.9);
    expect([...checked].sort()).toEqual(['add', 'avgpool', 'concat', 'conv', 'maxpool']);
    const { model } = int8Program(g, 3);
    expect(model.steps.map((s) => s.op)).toEqual(['quantize', 'conv', 'conv', 'add', 'concat', 'maxpool', 'avgpool', 'avgpool', 'clamp', 'dequantize']);
  });
});

describe('int8 rounding rules on hand-made cases', () => {
  it('average pooling divides rounding half away from zero (Q17)', () => {
    expect([roundedDivide(5, 2), roundedDivide(-5, 2), roundedDivide(4, 8), roundedDivide(-4, 8), roundedDivide(3, 8), roundedDivide(-3, 8), roundedDivide(0, 9)]).toEqual([3, -3, 1, -1, 0, 0, 0]);
  });

  it('quantize rounds half to even, maps NaN to the zero point and saturates infinities (Q14)', () => {
    const q = { scale: 0.5, zeroPoint: 3 };
    const t = quantizeTensor(f32([8], [0.25, 0.75, -0.25, -0.75, NaN, Infinity, -Infinity, 1000]), q);
    expect(Array.from(t.data)).toEqual([3, 5, 3, 1, 3, 127, -128, 127]);
    expect(quantizeValue(1.25, { scale: 1, zeroPoint: 0 })).toBe(1);
    expect(quantizeValue(2.5, { scale: 1, zeroPoint: 0 })).toBe(2);
    expect(quantizeValue(-2.5, { scale: 1, zeroPoint: 0 })).toBe(-2);
  });

  it('a fused ReLU6 clamps in the quantized domain at z_out and z_out + round(6 / s_out) (Q12)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4, 4, 3]);
    const conv = b.node('Conv', [x, b.constant('w', randomTensor([5, 1, 1, 3], 1, -4, 4))], convAttrs({ layout: 'NHWC', clamp: { min: 0, max: 6 } }), 'conv');
    const g = b.output(conv).build();
    const { model, captured, run } = int8Program(g, 2, -3, 3);
    run();
    const step = model.steps.find((s) => s.op === 'conv')!;
    if (step.op !== 'conv') throw new Error('no conv');
    const out = qp(model, step.output);
    expect(step.out.lo).toBe(out.zeroPoint);
    expect(step.out.hi).toBe(Math.min(127, out.zeroPoint + Math.round(6 / out.scale)));
    const values = Array.from(captured.get(step.output)!.data);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(step.out.lo);
    expect(values).toContain(step.out.lo); // the random weights drive some outputs below zero
  });
});

describe('(Q4) a dead channel: weights ~0, bias not', () => {
  it('widens the channel weight scale so its bias fits int32, and the channel outputs its bias', () => {
    const b = new GraphBuilder('dead-channel');
    const x = b.input('x', [1, 4]);
    const w = randomTensor([3, 4], 1, -0.5, 0.5);
    for (let k = 0; k < 4; k++) w.data[4 + k] = k === 2 ? 1e-9 : 0; // channel 1: PP-OCRv4 det has one like it
    const gemm = b.node('Gemm', [x, b.constant('w', w), b.constant('b', f32([3], [0.1, 0.8, -0.2]))], { transA: false, transB: true, alpha: 1, beta: 1, clamp: null });
    const graph = b.output(gemm).build();
    const { model } = int8Program(graph, 3);
    const step = model.steps.find((s) => s.op === 'gemm');
    if (step?.op !== 'gemm') throw new Error('no gemm step');
    expect(Math.abs(step.bias[1]!)).toBeLessThanOrEqual(2 ** 30);
    const feeds = { x: randomTensor([1, 4], 9, -1, 1) };
    const got = runInt8(model, feeds)[gemm]!;
    expect(Math.abs(got.data[1]! - 0.8)).toBeLessThanOrEqual(qp(model, `${gemm}:q`).scale);
  });
});
