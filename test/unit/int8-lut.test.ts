// (Q20) Elementwise float functions of int8 data as 256-entry tables: the tables against the
// functions written out here, which ops get one (and which stay float: NaN codes, float inputs),
// the int8 program against the float graph, and the .q8 file's check of a table.
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, Node, OpType } from '../../src/ir/graph.ts';
import { f32 } from '../../src/ir/tensor.ts';
import { codeOutputs, lutTable } from '../../src/quant/lut.ts';
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

const node = (op: OpType, inputs: string[], attrs: object): Node => ({ op, name: op, inputs, outputs: ['y'], attrs }) as Node;

const lutSteps = (m: QuantizedModel) => m.steps.filter((s): s is LutStep => s.op === 'lut');

describe('(Q20) lookup tables', () => {
  const input: QParams = { scale: 0.05, zeroPoint: -3 };
  const output: QParams = { scale: 1 / 255, zeroPoint: -128 };

  it("tabulates the op's float function at each of the 256 codes, quantized to the output", () => {
    const sigmoidNode = node('Sigmoid', ['x'], NONE);
    const table = lutTable(codeOutputs(sigmoidNode, input, () => undefined)!, output)!;
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    const want = Int8Array.from({ length: 256 }, (_, i) => quantizeValue(sigmoid(dequantizeValue(i - 128, input)), output));
    expect([...table]).toEqual([...want]);
    // A monotonic function makes a non-decreasing table spanning most of the output codes.
    expect(table.every((v, i) => i === 0 || v >= table[i - 1]!), `table ${[...table]}`).toBe(true);
  });

  it('reads attributes and scalar constant inputs through the float kernel', () => {
    const leaky = node('LeakyRelu', ['x'], { alpha: 0.125 });
    const values = codeOutputs(leaky, input, () => undefined)!;
    values.forEach((v, i) => {
      const x = dequantizeValue(i - 128, input);
      expect(v, `code ${i - 128}`).toBeCloseTo(x < 0 ? 0.125 * x : x, 6);
    });
    // A non-scalar other input cannot broadcast over the codes: no table.
    const powNode = node('Pow', ['x', 'e'], NONE);
    expect(codeOutputs(powNode, input, () => f32([2], [2, 3]))).toBeUndefined();
  });

  it('refuses a table with a NaN code (Sqrt of a range with negatives)', () => {
    const sqrt = node('Sqrt', ['x'], NONE);
    expect(lutTable(codeOutputs(sqrt, input, () => undefined)!, output)).toBeUndefined();
    // ±∞ (Log at 0) saturates like any out-of-range value.
    const log = node('Log', ['x'], NONE);
    const positive: QParams = { scale: 0.05, zeroPoint: -128 };
    expect(lutTable(codeOutputs(log, positive, () => undefined)!, output)?.[0]).toBe(-128);
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
