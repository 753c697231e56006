// ONNX export: writeOnnx() round-trips IR graphs through our own importer, and exportQdq() writes
// the int8 program as QuantizeLinear/DequantizeLinear around the float graph with the program's
// own integers. (onnxruntime runs the exported models in test/model/qdq-ort.test.ts.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { OnnxWriteError, writeOnnx } from '../../src/export/onnx-write.ts';
import { exportQdq, planQdq } from '../../src/export/qdq.ts';
import { decodeModel, toNumber, type NodeProto } from '../../src/import/onnx-proto.ts';
import { decodeTensorProto } from '../../src/import/onnx-tensor.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { convAttrs, GraphBuilder, poolAttrs } from '../../src/ir/builder.ts';
import type { Graph, Node } from '../../src/ir/graph.ts';
import { f32, i64, tensor, type Tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeBias, quantizeWeights } from '../../src/quant/qparams.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { randomTensor } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;

function maxAbsDiff(a: Record<string, Tensor>, b: Record<string, Tensor>): number {
  let max = 0;
  for (const [name, t] of Object.entries(a)) {
    const u = b[name]!;
    expect(u.shape, name).toEqual(t.shape);
    for (let i = 0; i < t.data.length; i++) max = Math.max(max, Math.abs(t.data[i]! - u.data[i]!));
  }
  return max;
}

/** Most IR ops, with non-default attributes, in one runnable NCHW graph. (ONNX float attributes are float32.) */
function opZoo(): Graph {
  const b = new GraphBuilder('zoo');
  const x = b.input('x', ['N', 3, 9, 9]);
  const c = (name: string, t: Tensor) => b.constant(name, t);
  // SAME_UPPER, stride 2, fused ReLU → [N, 8, 5, 5]
  const c1 = b.node('Conv', [x, c('w1', randomTensor([8, 3, 3, 3], 1)), c('b1', randomTensor([8], 2))], convAttrs({ strides: [2, 2], autoPad: 'SAME_UPPER', clamp: { min: 0, max: Infinity } }));
  const bn = b.node('BatchNormalization', [c1, c('g', randomTensor([8], 3, 0.5, 1.5)), c('be', randomTensor([8], 4)), c('m', randomTensor([8], 5)), c('v', randomTensor([8], 6, 0.1, 2))], { epsilon: Math.fround(1e-3) });
  // Depthwise, dilated, asymmetric pads, clamp with no lower bound → [N, 8, 5, 5]
  const c2 = b.node('Conv', [bn, c('w2', randomTensor([8, 1, 3, 3], 7))], convAttrs({ group: 8, dilations: [2, 2], pads: [2, 1, 2, 3], clamp: { min: -Infinity, max: 0.5 } }));
  // 1×1 with ReLU6
  const c3 = b.node('Conv', [c2, c('w3', randomTensor([8, 8, 1, 1], 8))], convAttrs({ clamp: { min: 0, max: 6 } }));
  const lr = b.node('LeakyRelu', [c3], { alpha: Math.fround(0.1) });
  const mp = b.node('MaxPool', [lr], poolAttrs([3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }));
  const ap = b.node('AveragePool', [lr], { ...poolAttrs([3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }), countIncludePad: true });
  const hs = b.node('HardSigmoid', [ap], { alpha: Math.fround(0.3), beta: Math.fround(0.4) });
  const cat = b.node('Concat', [mp, hs], { axis: 1 }); // [N, 16, 3, 3]
  const pd = b.node('Pad', [cat, c('pads', i64([8], [0, 0, 1, 1, 0, 0, 1, 1]))], { mode: 'edge' }); // [N, 16, 5, 5]
  const gap = b.node('GlobalAveragePool', [pd], { layout: 'NCHW' });
  const sq = b.node('Squeeze', [gap, c('sq_axes', i64([2], [2, 3]))], NONE); // [N, 16]
  const un = b.node('Unsqueeze', [sq, c('un_axes', i64([1], [2]))], NONE); // [N, 16, 1]
  const fl = b.node('Flatten', [un], { axis: 1 }); // [N, 16]
  const gm = b.node('Gemm', [fl, c('B', randomTensor([16, 10], 9)), c('C', randomTensor([10], 10))], { transA: false, transB: false, alpha: 0.5, beta: 2, clamp: { min: -1, max: 1 } });
  const t1 = b.node('Transpose', [gm], { perm: [1, 0] });
  const t2 = b.node('Transpose', [t1], { perm: null });
  const sg = b.node('Sigmoid', [t2], NONE);
  const mul = b.node('Mul', [sg, c('two', f32([], [2]))], NONE);
  const sub = b.node('Sub', [mul, c('half', f32([1], [0.5]))], NONE);
  const div = b.node('Div', [sub, c('three', f32([], [3]))], NONE);
  const add = b.node('Add', [div, t2], NONE);
  const rs = b.node('Reshape', [add, c('shape', i64([2], [-1, 10]))], { allowZero: false });
  const id = b.node('Identity', [rs], NONE);
  const dr = b.node('Dropout', [id], NONE);
  b.node('Softmax', [dr], { axis: -1, coerce2d: false }, 'probs');
  b.node('MatMul', [dr, c('M', randomTensor([10, 4], 11))], NONE, 'mm');
  const gmp = b.node('GlobalMaxPool', [c3], { layout: 'NCHW' });
  b.node('Relu', [gmp], NONE, 'gmp_relu');
  b.node('Clip', [c3, c('lo', f32([], [0.1])), ''], NONE, 'clipped');
  const shape = b.node('Shape', [x], { start: 0, end: null });
  b.node('Gather', [shape, c('idx', i64([], [1]))], { axis: 0 }, 'channels');
  // Constants of every dtype the writer stores.
  b.constant('int8_const', tensor('int8', [3], [-128, 0, 127]));
  b.constant('int32_const', tensor('int32', [2, 2], [-2_000_000_000, 1, 2, 2_000_000_000]));
  b.constant('uint8_const', tensor('uint8', [2], [0, 255]));
  b.constant('float64_const', tensor('float64', [2], [Math.PI, -1e-300]));
  return b.output('probs', ['N', 10]).output('mm', ['N', 4]).output('gmp_relu').output('clipped').output('channels', [], 'int64').build();
}

/** Node attributes after a round trip: a fused clamp comes back as a separate Relu/Clip node. */
const withoutClamp = (n: Node) => ('clamp' in n.attrs ? { ...n.attrs, clamp: null } : n.attrs);

describe('writeOnnx', () => {
  const bundled = importOnnx(readFileSync(BUNDLED.model));
  const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));

  it('round-trips the bundled model, as imported and fused, through importOnnx exactly', () => {
    for (const g of [bundled, optimize(bundled)]) {
      const back = importOnnx(writeOnnx(g));
      expect(back.inputs).toEqual(g.inputs);
      expect(back.outputs).toEqual(g.outputs);
      let max = 0;
      for (let i = 0; i < 20; i++) {
        const feeds = { input: images.input(i) };
        max = Math.max(max, maxAbsDiff(runFloat(g, feeds), runFloat(back, feeds)));
      }
      expect(max).toBeLessThanOrEqual(1e-6);
    }
    // The fused graph's Conv+clamp comes back as Conv → Clip, which optimize() fuses again.
    const fused = optimize(bundled);
    const refused = optimize(importOnnx(writeOnnx(fused)));
    expect(refused.nodes.map((n) => [n.op, n.name, n.attrs])).toEqual(fused.nodes.map((n) => [n.op, n.name, n.attrs]));
  });

  it('writes every op of a graph with non-default attributes back as it was', () => {
    const g = opZoo();
    for (const opset of [13, 17]) {
      const back = importOnnx(writeOnnx(g, opset));
      // Each node comes back with its attributes; clamps come back as Relu/Clip nodes after it.
      const original = back.nodes.filter((n) => !n.name.endsWith('/clamp'));
      expect(original.map((n) => [n.op, n.name, n.attrs])).toEqual(g.nodes.map((n) => [n.op, n.name, withoutClamp(n)]));
      const clamps = back.nodes.filter((n) => n.name.endsWith('/clamp')).map((n) => [n.name, n.op, n.inputs.length]);
      expect(clamps).toEqual([['conv_0/clamp', 'Relu', 1], ['conv_2/clamp', 'Clip', 3], ['conv_3/clamp', 'Clip', 3], ['gemm_14/clamp', 'Clip', 3]]);
      for (const [name, t] of g.initializers) expect(back.initializers.get(name), name).toEqual(t);
      expect(back.outputs).toEqual(g.outputs);
      const feeds = { x: randomTensor([2, 3, 9, 9], 42) };
      expect(maxAbsDiff(runFloat(g, feeds), runFloat(back, feeds))).toBeLessThanOrEqual(1e-6);
    }
  });

  it('refuses what ONNX cannot express, naming the node', () => {
    const single = (node: Node, opset = 13) => {
      const b = new GraphBuilder();
      b.input('x', [1, 4, 4, 4]);
      const g = b.output('y').build();
      g.nodes.push(node);
      return () => writeOnnx(g, opset);
    };
    const nhwcConv = { op: 'Conv', name: 'c', inputs: ['x', 'w'], outputs: ['y'], attrs: convAttrs({ layout: 'NHWC' }) } as Node;
    expect(single(nhwcConv)).toThrow(OnnxWriteError);
    expect(single(nhwcConv)).toThrow(/Conv node "c".*layout NHWC/);
    const hardSwish = { op: 'HardSwish', name: 'hs', inputs: ['x'], outputs: ['y'], attrs: NONE } as Node;
    expect(single(hardSwish)).toThrow(/HardSwish node "hs".*needs opset 14/);
    expect(single(hardSwish, 14)).not.toThrow();
    const softmax2d = { op: 'Softmax', name: 'sm', inputs: ['x'], outputs: ['y'], attrs: { axis: 1, coerce2d: true } } as Node;
    expect(single(softmax2d)).toThrow(/Softmax node "sm"/);
    expect(single(softmax2d, 12)).not.toThrow();
    const unknown = { op: 'Erf', name: 'e', inputs: ['x'], outputs: ['y'], attrs: NONE } as unknown as Node;
    expect(single(unknown)).toThrow(/Erf node "e".*no ONNX form/);
    expect(single(hardSwish, 9)).toThrow(/opset 9 \(supported: 11 to 21\)/);
  });
});

/** A small net with every kind of QDQ site: float ops, a residual Add, Gemm with transB=0, MatMul. */
function qdqNet(): Graph {
  const b = new GraphBuilder('qdq-net');
  const x = b.input('x', ['N', 2, 6, 6]);
  const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([4, 2, 3, 3], 1)), b.constant('b1', randomTensor([4], 2))], convAttrs({ pads: [1, 1, 1, 1], clamp: { min: 0, max: Infinity } }), 'c1');
  // The program runs Softmax in float on the float input; its output is quantized for conv c2.
  const s = b.node('Softmax', [x], { axis: -1, coerce2d: false }, 's');
  const c2 = b.node('Conv', [s, b.constant('w2', randomTensor([4, 2, 1, 1], 3))], convAttrs(), 'c2');
  const a = b.node('Add', [c1, c2], NONE, 'a');
  const gap = b.node('GlobalAveragePool', [a], { layout: 'NCHW' }, 'gap');
  const fl = b.node('Flatten', [gap], { axis: 1 }, 'fl');
  const g = b.node('Gemm', [fl, b.constant('B', randomTensor([4, 3], 4)), b.constant('C', randomTensor([3], 5))], { transA: false, transB: false, alpha: 1, beta: 1, clamp: null }, 'g');
  b.node('MatMul', [g, b.constant('M', randomTensor([3, 5], 6))], NONE, 'out');
  // A float op reading the float Softmax output, which the program also quantizes for c2.
  b.node('Softmax', [s], { axis: 1, coerce2d: false }, 'sq');
  return b.output('out', ['N', 5]).output('s', ['N', 2, 6, 6]).output('sq', ['N', 2, 6, 6]).build();
}

function quantizeForExport(graph: Graph, samples: number, sample: (i: number) => Record<string, Tensor>) {
  const fused = optimize(graph);
  const nhwc = optimize(graph, { layout: 'NHWC' });
  const ranges = calibrate(nhwc, samples, sample, { method: 'minmax' });
  return { fused, model: quantizeGraph(nhwc, ranges, { method: 'minmax' }) };
}

const attr = (n: NodeProto, name: string) => n.attribute.find((a) => a.name === name);

describe('exportQdq', () => {
  const { fused, model } = quantizeForExport(qdqNet(), 8, (i) => ({ x: randomTensor([1, 2, 6, 6], 100 + i, -2, 2) }));
  const bytes = exportQdq(fused, model);
  const proto = decodeModel(bytes);
  const g = proto.graph!;
  const init = new Map(g.initializer.map((t) => [t.name, decodeTensorProto(t)]));
  const producer = new Map(g.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const byName = new Map(g.node.map((n) => [n.name, n]));
  const ops = (op: string) => g.node.filter((n) => n.opType === op);

  it('maps every int8 tensor of the program to a tensor of the float graph', () => {
    const plan = planQdq(fused, model);
    expect(plan.unmapped).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    expect([...plan.activations.keys()].sort()).toEqual(['a', 'c1', 'c2', 'fl', 'g', 'gap', 'out', 's', 'x']);
    // Only 'sq' reads the unquantized Softmax output, and only 's' (NCHW, float) the unquantized input.
    expect(plan.activations.get('s')!.floatReaders).toEqual(new Set(['sq']));
    expect(plan.activations.get('x')!.floatReaders).toEqual(new Set(['s']));
    expect(plan.activations.get('s')).toMatchObject({ floatOutput: true });
    expect(plan.activations.get('out')).toMatchObject({ floatOutput: false });
    expect(toNumber(proto.opsetImport[0]!.version)).toBe(13);
  });

  it('puts one Q/DQ pair on each int8 activation, with its (s, z)', () => {
    expect(ops('QuantizeLinear')).toHaveLength(9);
    // 9 activations + 4 weights + 2 biases
    expect(ops('DequantizeLinear')).toHaveLength(15);
    for (const [t, a] of planQdq(fused, model).activations) {
      const q = byName.get(`${t}/QuantizeLinear`)!;
      expect(init.get(q.input[1]!)!).toEqual(tensor('float32', [], [a.qparams.scale]));
      expect(init.get(q.input[2]!)!).toEqual(tensor('int8', [], [a.qparams.zeroPoint]));
    }
  });

  it('gives each reader the float or the dequantized tensor, as the program does', () => {
    // The program runs Softmax on the float input itself, and c1 on its quantized form.
    expect(byName.get('s')!.input[0]).toBe('x');
    expect(producer.get(byName.get('c1')!.input[0]!)!.name).toBe('x/DequantizeLinear');
    // The second Softmax reads the float Softmax output; c2 its quantized form.
    expect(byName.get('sq')!.input).toEqual(['s']);
    expect(producer.get(byName.get('c2')!.input[0]!)!.name).toBe('s/DequantizeLinear');
    // Graph outputs: 's' is the float Softmax output; 'out' (int8 in the program) is dequantized.
    expect(producer.get('s')!.opType).toBe('Softmax');
    expect(producer.get('out')!.name).toBe('out/DequantizeLinear');
    expect(producer.get(byName.get('out/QuantizeLinear')!.input[0]!)!.opType).toBe('MatMul');
  });

  it('stores weights as int8 (Q3) and biases as int32 (Q4) behind per-axis DequantizeLinear', () => {
    const dqOf = (node: string, input: number) => producer.get(byName.get(node)!.input[input]!)!;
    const sIn = (t: string) => planQdq(fused, model).activations.get(t)!.qparams.scale;
    const cases = [
      { node: 'c1', w: 'w1', axis: 0, channels: 4, bias: 'b1', input: 'x' },
      { node: 'c2', w: 'w2', axis: 0, channels: 4, input: 's' },
      { node: 'g', w: 'B', axis: 1, channels: 3, bias: 'C', input: 'fl' },
      { node: 'out', w: 'M', axis: 1, channels: 5, input: 'g' },
    ];
    for (const c of cases) {
      const w = fused.initializers.get(c.w)!;
      // Channel-major float weights, as the quantizer sees them.
      const cm = c.axis === 0 ? w.data : Float32Array.from({ length: w.data.length }, (_, i) => w.data[(i % w.shape[0]!) * c.channels + Math.floor(i / w.shape[0]!)]!);
      const expected = quantizeWeights(cm, c.channels);
      const dq = dqOf(c.node, 1);
      expect(toNumber(attr(dq, 'axis')!.i), c.node).toBe(c.axis);
      const q = init.get(dq.input[0]!)!;
      expect(q.dtype).toBe('int8');
      expect(q.shape).toEqual(w.shape);
      for (let i = 0; i < q.data.length; i++) {
        const ch = c.axis === 0 ? Math.floor(i / (q.data.length / c.channels)) : i % c.channels;
        const cmIndex = c.axis === 0 ? i : ch * w.shape[0]! + Math.floor(i / c.channels);
        expect(q.data[i]).toBe(expected.values[cmIndex]);
      }
      expect(init.get(dq.input[1]!)!.data).toEqual(expected.scales);
      expect(init.get(dq.input[2]!)!).toEqual(tensor('int8', [c.channels]));
      expect(init.has(c.w), `float ${c.w} is dropped`).toBe(false);
      if (!c.bias) {
        expect(byName.get(c.node)!.input).toHaveLength(2);
        continue;
      }
      const dqb = dqOf(c.node, 2);
      expect(toNumber(attr(dqb, 'axis')!.i)).toBe(0);
      const qb = init.get(dqb.input[0]!)!;
      expect(qb.dtype).toBe('int32');
      expect(Array.from(qb.data)).toEqual(Array.from(quantizeBias(fused.initializers.get(c.bias)!.data, sIn(c.input), expected.scales)));
      expect(init.get(dqb.input[1]!)!.data).toEqual(Float32Array.from(expected.scales, (s) => sIn(c.input) * s));
      expect(init.get(dqb.input[2]!)!).toEqual(tensor('int32', [c.channels]));
    }
    // The Conv's fused ReLU is a Relu node between the Conv and the Q/DQ pair.
    expect(producer.get(byName.get('c1/QuantizeLinear')!.input[0]!)!.opType).toBe('Relu');
  });

  it('exports the bundled model with one Q/DQ pair per activation and a DQ per weight and bias', () => {
    const bundled = importOnnx(readFileSync(BUNDLED.model));
    const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));
    const q = quantizeForExport(bundled, 4, (i) => ({ input: images.input(9000 + i) }));
    const m = decodeModel(exportQdq(q.fused, q.model)).graph!;
    const count = (op: string) => m.node.filter((n) => n.opType === op).length;
    expect(planQdq(q.fused, q.model).unmapped).toEqual([]);
    // input, 6 Conv outputs, GlobalAveragePool, Flatten, logits; 7 weights, 7 biases.
    expect(count('QuantizeLinear')).toBe(10);
    expect(count('DequantizeLinear')).toBe(10 + 7 + 7);
    expect(count('Conv')).toBe(6);
    expect(count('Clip')).toBe(6);
    expect(m.initializer.filter((t) => t.dataType === 1 && t.dims.length > 1)).toEqual([]); // no float weights left
  });
});
