// (Q20) Elementwise float functions of int8 data as 256-entry tables: the tables against the
// functions written out here, which ops get one (and which stay float: NaN codes, float inputs),
// the int8 program against the float graph, and the .q8 file's check of a table.
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, OpType } from '../../src/ir/graph.ts';
import { f32 } from '../../src/ir/tensor.ts';
import type { LutStep, QuantizedModel } from '../../src/quant/program.ts';
import { readQ8, writeQ8 } from '../../src/quant/q8-file.ts';
import { dequantizeValue, quantizeValue, type QParams } from '../../src/quant/qparams.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;

/** x [1, 16] → Gemm → op → Gemm → op2: each op reads int8 data (a Gemm's output). */
function gemmSandwich(op: OpType, attrs: object, op2: OpType = 'Sigmoid', attrs2: object = NONE): Graph {
  const b = new GraphBuilder(`lut-${op}`);
  const x = b.input('x', [1, 16]);
  const g1 = b.node('Gemm', [x, b.constant('w1', randomTensor([12, 16], 1, -0.4, 0.4)), b.constant('b1', randomTensor([12], 2))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: null });
  const a = b.node(op, [g1], attrs as never);
  const g2 = b.node('Gemm', [a, b.constant('w2', randomTensor([8, 12], 3, -0.4, 0.4)), b.constant('b2', randomTensor([8], 4))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: null });
  b.output(b.node(op2, [g2], attrs2 as never));
  return b.build();
}

function int8Model(graph: Graph): QuantizedModel {
  const ranges = calibrate(graph, 8, (i) => ({ x: randomTensor([1, 16], 10 + i, -2, 2) }), { method: 'minmax' });
  return quantizeGraph(graph, ranges, { method: 'minmax' });
}

const lutSteps = (m: QuantizedModel) => m.steps.filter((s): s is LutStep => s.op === 'lut');

/** The int8 (s, z) of a program tensor. */
const qp = (m: QuantizedModel, name: string): QParams => {
  const info = m.tensors.get(name);
  if (info?.dtype !== 'int8') throw new Error(`${name} is not int8`);
  return info.qparams;
};

/** The table a function f should have between the step's input and output (s, z). */
const expectedTable = (m: QuantizedModel, step: LutStep, f: (x: number) => number): number[] =>
  Array.from({ length: 256 }, (_, i) => quantizeValue(f(dequantizeValue(i - 128, qp(m, step.input))), qp(m, step.output)));

describe('(Q20) lookup tables', () => {
  it("tabulates the op's float function at each of the 256 codes, quantized to the output, attributes included", () => {
    const model = int8Model(gemmSandwich('LeakyRelu', { alpha: 0.125 }));
    const [leaky, sigmoid] = lutSteps(model);
    expect([...leaky!.table]).toEqual(expectedTable(model, leaky!, (x) => (x < 0 ? 0.125 * x : x)));
    expect([...sigmoid!.table]).toEqual(expectedTable(model, sigmoid!, (x) => 1 / (1 + Math.exp(-x))));
    // A monotonic function makes a non-decreasing table.
    expect(sigmoid!.table.every((v, i) => i === 0 || v >= sigmoid!.table[i - 1]!), `table ${[...sigmoid!.table]}`).toBe(true);
  });

  it('saturates ±∞ (Log at 0) like any out-of-range value', () => {
    const b = new GraphBuilder('log');
    const x = b.input('x', [1, 16]);
    const relu = b.node('Gemm', [x, b.constant('w1', randomTensor([12, 16], 1, -0.4, 0.4))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: { min: 0, max: Infinity } });
    const model = int8Model(b.output(b.node('Log', [relu], NONE)).build());
    const [step] = lutSteps(model);
    expect(step!.table[qp(model, step!.input).zeroPoint + 128]).toBe(-128);
  });
});

describe('(Q20) quantizing elementwise functions', () => {
  const ops: [OpType, object][] = [
    ['LeakyRelu', { alpha: 0.1 }], ['HardSwish', NONE], ['HardSigmoid', { alpha: 0.2, beta: 0.5 }], ['Tanh', NONE],
    ['Elu', { alpha: 1 }], ['Gelu', { approximate: 'none' }], ['Gelu', { approximate: 'tanh' }], ['Softplus', NONE], ['Erf', NONE], ['Abs', NONE],
  ];
  for (const [op, attrs] of ops) {
    it(`${op} ${JSON.stringify(attrs)} runs as a table, within a few output steps of the float graph`, () => {
      const graph = gemmSandwich(op, attrs);
      const model = int8Model(graph);
      expect(lutSteps(model).map((s) => s.name)).toEqual(graph.nodes.filter((n) => n.op === op || n.op === 'Sigmoid').map((n) => n.name));
      expect(model.steps.filter((s) => s.op === 'float')).toEqual([]);
      const x = randomTensor([1, 16], 99, -2, 2);
      const out = graph.outputs[0]!.name;
      const want = runFloat(graph, { x })[out]!;
      const got = runInt8(model, { x })[out]!;
      const info = model.tensors.get(`${out}:q`);
      if (info?.dtype !== 'int8') throw new Error('the output is not int8');
      const worst = Math.max(...Array.from(want.data, (v, i) => Math.abs(v - got.data[i]!)));
      // Three quantized layers: a few steps of the output's scale.
      expect(worst, `max |int8 − float| over ${want.data.length} outputs`).toBeLessThanOrEqual(4 * info.qparams.scale);
    });
  }

  it('folds a clamp after a table into the table (LeakyRelu then Max(x, c), as openWakeWord writes it)', () => {
    const b = new GraphBuilder('lut-clamp');
    const x = b.input('x', [1, 16]);
    const g1 = b.node('Gemm', [x, b.constant('w1', randomTensor([12, 16], 1, -0.4, 0.4))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: null });
    const leaky = b.node('LeakyRelu', [g1], { alpha: 0.2 });
    const floor = b.node('Max', [leaky, b.constant('c', f32([1, 1], [-0.05]))], NONE);
    const graph = b.output(b.node('Gemm', [floor, b.constant('w2', randomTensor([8, 12], 3, -0.4, 0.4))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: null })).build();
    const model = int8Model(optimize(graph));
    expect(model.steps.map((s) => s.op)).toEqual(['quantize', 'gemm', 'lut', 'gemm', 'dequantize']);
    const lut = lutSteps(model)[0]!;
    const q = model.tensors.get(lut.output);
    if (q?.dtype !== 'int8') throw new Error('the table output is not int8');
    const lo = quantizeValue(-0.05, q.qparams);
    expect(Math.min(...lut.table), 'the smallest table entry is the clamp bound').toBe(lo);
    const feeds = { x: randomTensor([1, 16], 7, -2, 2) };
    const out = graph.outputs[0]!.name;
    const want = runFloat(graph, feeds)[out]!;
    const got = runInt8(model, feeds)[out]!;
    const outQ = model.tensors.get(`${out}:q`);
    if (outQ?.dtype !== 'int8') throw new Error('the output is not int8');
    want.data.forEach((v, i) => expect(Math.abs(v - got.data[i]!), `output ${i}`).toBeLessThanOrEqual(4 * outQ.qparams.scale));
  });

  it('makes one table of a chain: HardSwish as exporters decompose it, then an affine (PP-OCRv4 det writes both)', () => {
    const b = new GraphBuilder('chain');
    const x = b.input('x', [1, 16]);
    const g1 = b.node('Gemm', [x, b.constant('w1', randomTensor([12, 16], 1, -0.6, 0.6))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: null });
    const shifted = b.node('Add', [g1, b.constant('three', f32([], [3]))], NONE);
    const gate = b.node('Clip', [shifted, b.constant('lo', f32([], [0])), b.constant('hi', f32([], [6]))], NONE);
    const hswish = b.node('Div', [b.node('Mul', [g1, gate], NONE), b.constant('six', f32([], [6]))], NONE);
    const affine = b.node('Add', [b.node('Mul', [b.constant('a', f32([1], [0.8])), hswish], NONE), b.constant('c', f32([1], [0.1]))], NONE);
    const graph = b.output(b.node('Gemm', [affine, b.constant('w2', randomTensor([8, 12], 3, -0.4, 0.4))], { alpha: 1, beta: 1, transA: false, transB: true, clamp: null })).build();
    const model = int8Model(optimize(graph));
    expect(model.steps.map((s) => s.op)).toEqual(['quantize', 'gemm', 'lut', 'gemm', 'dequantize']);
    const [step] = lutSteps(model);
    const hardSwish = (v: number) => (v * Math.min(6, Math.max(0, v + 3))) / 6;
    const want = expectedTable(model, step!, (v) => 0.8 * hardSwish(v) + 0.1);
    // The chain runs in float32 (the float kernels); the formula here in float64: a code may round the other way.
    const off = [...step!.table].filter((v, i) => v !== want[i]);
    expect([...step!.table].filter((v, i) => Math.abs(v - want[i]!) > 1)).toEqual([]);
    expect(off.length).toBeLessThanOrEqual(2);
  });

  it('keeps a function float when a code maps to NaN, or when its input is float', () => {
    const graph = gemmSandwich('Tanh', NONE, 'Sqrt');
    const model = int8Model(graph);
    expect(model.steps.find((s) => s.name === graph.nodes[3]!.name)?.op).toBe('float');
    const b = new GraphBuilder('float-input');
    b.output(b.node('Tanh', [b.input('x', [1, 16])], NONE));
    const direct = b.build();
    expect(int8Model(direct).steps.map((s) => s.op)).toEqual(['float']);
  });

  it('stores the table in the .q8 file, and refuses a table of the wrong length', () => {
    const model = int8Model(gemmSandwich('Tanh', NONE));
    const back = readQ8(writeQ8(model));
    expect(lutSteps(back).map((s) => [...s.table])).toEqual(lutSteps(model).map((s) => [...s.table]));
    const index = model.steps.findIndex((s) => s.op === 'lut');
    const broken = { ...model, steps: model.steps.map((s, i) => (i === index ? { ...s, table: new Int8Array(255) } : s)) };
    expect(() => readQ8(writeQ8(broken))).toThrow(`model.steps[${index}].table has 255 entries, one per int8 code (256) expected`);
  });
});
