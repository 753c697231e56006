// (Q21) int8 Mul of two activations (a squeeze-excite block, broadcasting a [N,1,1,C] gate over
// [N,H,W,C]) and (Q20) x · f(x) folded into f's table (SiLU): the steps the quantizer makes, and
// the int8 program against the float graph.
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph } from '../../src/ir/graph.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import type { MulStep, QuantizedModel } from '../../src/quant/program.ts';
import type { QParams } from '../../src/quant/qparams.ts';
import { dequantizeTensor, quantizeTensor } from '../../src/ref/int8/elementwise.ts';
import { floatKernels } from '../../src/ref/float/ops.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;
const SHAPE = [1, 3, 8, 8];

function int8Model(graph: Graph): QuantizedModel {
  const nhwc = optimize(graph, { layout: 'NHWC' });
  const ranges = calibrate(nhwc, 8, (i) => ({ x: randomTensor(SHAPE, 10 + i, -1, 1) }), { method: 'minmax' });
  return quantizeGraph(nhwc, ranges, { method: 'minmax' });
}

const qparams = (model: QuantizedModel, name: string): QParams => {
  const info = model.tensors.get(name);
  if (info?.dtype !== 'int8') throw new Error(`${name} is not int8`);
  return info.qparams;
};

const mulFloat = (a: Tensor, b: Tensor): Tensor => floatKernels.Mul([a, b], NONE)[0]!;

/** max |int8 − float| over the output, in units of the output's int8 scale. */
function worstSteps(graph: Graph, model: QuantizedModel, seed: number): number {
  const x = randomTensor(SHAPE, seed, -1, 1);
  const out = graph.outputs[0]!.name;
  const want = runFloat(graph, { x })[out]!;
  const got = runInt8(model, { x })[out]!;
  const info = model.tensors.get(`${out}:q`);
  if (info?.dtype !== 'int8') throw new Error('the output is not int8');
  return Math.max(...Array.from(want.data, (v, i) => Math.abs(v - got.data[i]!) / info.qparams.scale));
}

/** Conv → (squeeze: GAP → 1×1 Conv → HardSigmoid) → Mul(conv, gate) → Conv. */
function squeezeExcite(): Graph {
  const b = new GraphBuilder('se');
  const x = b.input('x', SHAPE);
  const c = b.node('Conv', [x, b.constant('w1', randomTensor([8, 3, 3, 3], 1, -0.5, 0.5))], convAttrs({ pads: [1, 1, 1, 1], clamp: { min: 0, max: Infinity } }));
  const squeezed = b.node('GlobalAveragePool', [c], { layout: 'NCHW' });
  const gate = b.node('HardSigmoid', [b.node('Conv', [squeezed, b.constant('w2', randomTensor([8, 8, 1, 1], 2, -1, 1)), b.constant('b2', randomTensor([8], 3))], convAttrs())], { alpha: 0.2, beta: 0.5 });
  const excited = b.node('Mul', [c, gate], NONE);
  return b.output(b.node('Conv', [excited, b.constant('w3', randomTensor([4, 8, 1, 1], 4, -0.5, 0.5))], convAttrs())).build();
}

describe('(Q21) int8 Mul', () => {
  it('runs a squeeze-excite block fully integral; the mul step within one step of its dequantized inputs multiplied in float', () => {
    const graph = squeezeExcite();
    const model = int8Model(graph);
    const ops = model.steps.map((s) => s.op);
    expect(ops.filter((op) => op === 'float')).toEqual([]);
    const mul = model.steps.find((s): s is MulStep => s.op === 'mul');
    if (!mul) throw new Error(`no mul step among ${ops}`);
    const captured = new Map<string, Tensor>();
    runInt8(model, { x: randomTensor(SHAPE, 100, -1, 1) }, { observe: (name, t) => captured.set(name, t) });
    const [a, b] = mul.inputs.map((name) => dequantizeTensor(captured.get(name)!, qparams(model, name)));
    const want = quantizeTensor(mulFloat(a!, b!), qparams(model, mul.output));
    const got = captured.get(mul.output)!;
    const off = Array.from(got.data, (v, i) => Math.abs(v - want.data[i]!));
    expect(Math.max(...off), 'max |int8 − float| in steps').toBeLessThanOrEqual(1);
    expect(off.filter((d) => d > 0).length / off.length, 'share of values one step off').toBeLessThan(0.05);
    // And the whole block: its three layers' quantization noise.
    for (const seed of [101, 102]) expect(worstSteps(graph, model, seed)).toBeLessThanOrEqual(8);
  });

  it('folds x · sigmoid(x) (SiLU) into the Sigmoid table: one lookup, no mul step', () => {
    const b = new GraphBuilder('silu');
    const x = b.input('x', SHAPE);
    const c = b.node('Conv', [x, b.constant('w1', randomTensor([8, 3, 3, 3], 5, -0.5, 0.5))], convAttrs({ pads: [1, 1, 1, 1] }));
    const silu = b.node('Mul', [b.node('Sigmoid', [c], NONE), c], NONE);
    const graph = b.output(b.node('Conv', [silu, b.constant('w2', randomTensor([4, 8, 1, 1], 6, -0.5, 0.5))], convAttrs())).build();
    const model = int8Model(graph);
    const ops = model.steps.map((s) => s.op);
    expect(ops.filter((op) => op === 'lut' || op === 'mul' || op === 'float')).toEqual(['lut']);
    for (const seed of [100, 101]) expect(worstSteps(graph, model, seed)).toBeLessThanOrEqual(3);
  });

  it('leaves a Mul float, adding no quantize step for it, when its multiplier would pass 2^15', () => {
    const b = new GraphBuilder('narrow');
    const x = b.input('x', [1, 4]);
    const gemm = (w: string, seed: number) => b.node('Gemm', [x, b.constant(w, randomTensor([4, 4], seed))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: null });
    const [p, q] = [gemm('w1', 1), gemm('w2', 2)];
    const y = b.node('Mul', [p, q], NONE);
    const graph = b.output(y).build();
    // Inputs spanning ±100 and an output range of ±1e-4: s_p · s_q / s_y ≈ 8e5.
    const ranges = new Map([[x, { min: -1, max: 1 }], [p, { min: -100, max: 100 }], [q, { min: -100, max: 100 }], [y, { min: -1e-4, max: 1e-4 }]]);
    const model = quantizeGraph(graph, ranges);
    expect(model.steps.map((s) => (s.op === 'float' ? `float ${s.node.op}` : s.op))).toEqual(['quantize', 'gemm', 'gemm', 'dequantize', 'dequantize', 'float Mul']);
  });

  it('makes x · c a table when c is one element, and leaves a per-channel constant no Conv absorbs in float', () => {
    const b = new GraphBuilder('scaled');
    const x = b.input('x', SHAPE);
    const c = b.node('Sigmoid', [b.node('Conv', [x, b.constant('w1', randomTensor([8, 3, 3, 3], 7))], convAttrs({ pads: [1, 1, 1, 1] }))], NONE);
    const scaled = b.node('Mul', [c, b.constant('two', randomTensor([1], 9))], NONE);
    const graph = b.output(b.node('Mul', [scaled, b.constant('k', randomTensor([8, 1, 1], 8))], NONE)).build();
    const model = int8Model(graph);
    // Sigmoid then · c: one table, the chain's (Q20).
    expect(model.steps.filter((s) => s.op === 'lut').map((s) => s.name)).toEqual([graph.nodes[1]!.name]);
    expect(model.steps.flatMap((s) => (s.op === 'float' && s.node.op === 'Mul' ? [s.name] : []))).toEqual([graph.nodes[3]!.name]);
  });
});
