// ONNX QDQ import ("bring your own calibration"): a model with QuantizeLinear/DequantizeLinear
// imports with its own scales, zero points, int8 weights and int32 biases, and needs no calibration.
// - Round trip: our quantizer → exportQdq → importOnnxQdq → the same int8 program, byte for byte.
// - test/fixtures/qdq/small_qdq.onnx (scripts/make_qdq_fixture.py, built by hand with the `onnx`
//   package as onnxruntime's quantize_static writes QDQ): the program holds the given numbers, and
//   runs as onnxruntime-node runs the same model.
// - What cannot be honoured is a clear UnsupportedModelError naming the tensor and node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { CalibrationError, UnsupportedModelError } from '../../src/errors.ts';
import { encodeModel, intAttr, writeOnnx, type OnnxNode } from '../../src/export/onnx-write.ts';
import { exportQdq } from '../../src/export/qdq.ts';
import { importOnnxQdq, isQdqModel } from '../../src/import/onnx-qdq.ts';
import { decodeModel } from '../../src/import/onnx-proto.ts';
import { onnxSchema } from '../../src/import/onnx-schema.ts';
import { decodeTensorProto } from '../../src/import/onnx-tensor.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, ValueInfo } from '../../src/ir/graph.ts';
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import type { ConvStep, GemmStep, QuantizedModel } from '../../src/quant/program.ts';
import { writeQ8 } from '../../src/quant/q8-file.ts';
import { unusedGiven } from '../../src/quant/qdq-import.ts';
import { quantizeBias, type QParams } from '../../src/quant/qparams.ts';
import { quantizeGraph, type QuantizeOptions } from '../../src/quant/quantize-graph.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { transpose } from '../../src/ref/float/shape-ops.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;
const FIXTURE = 'test/fixtures/qdq/small_qdq.onnx';

/** quantizeQdq() of src/api.ts (which also loads the GPU runtime): the passes, then the given quantization. */
function quantizeImported(bytes: Uint8Array): { model: QuantizedModel; graph: Graph; unused: string[] } {
  const { graph, given } = importOnnxQdq(bytes);
  if (!given) throw new Error('not a QDQ model');
  const model = quantizeGraph(optimize(graph, { layout: 'NHWC' }), new Map(), { method: 'qdq', given });
  return { model, graph, unused: unusedGiven(given, model) };
}

function calibrated(graph: Graph, samples: number, sample: (i: number) => Record<string, Tensor>, options: QuantizeOptions = {}) {
  const nhwc = optimize(graph, { layout: 'NHWC' });
  const ranges = calibrate(nhwc, samples, sample, { method: 'minmax' });
  return { fused: optimize(graph), model: quantizeGraph(nhwc, ranges, { method: 'minmax', samples, ...options }) };
}

const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

/** A copy with every −0 made +0 (typed arrays, Maps and plain objects). */
function plusZero<T>(v: T): T {
  if (typeof v === 'number') return (Object.is(v, -0) ? 0 : v) as T;
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, plusZero(x)])) as T;
  if (ArrayBuffer.isView(v) || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(plusZero) as T;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plusZero(x)])) as T;
}

/** The .q8 bytes of a re-imported program, with the original's name and calibration record (which say where it came from). */
const q8As = (back: QuantizedModel, original: QuantizedModel) => writeQ8({ ...back, name: original.name, calibration: original.calibration });

describe('QDQ round trip: quantize → exportQdq → importOnnxQdq gives the same int8 program', () => {
  const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));

  it('the bundled model: same steps, tensors, weights, biases and multipliers; same .q8 bytes; same outputs on 20 images', () => {
    const { fused, model } = calibrated(importOnnx(readFileSync(BUNDLED.model)), 4, (i) => ({ input: images.input(9000 + i) }));
    const bytes = exportQdq(fused, model);
    expect(isQdqModel(bytes), `exportQdq's model has Q/DQ nodes; its ops: ${[...new Set(decodeModel(bytes).graph?.node.map((n) => n.opType))].join(', ')}`).toBe(true);
    const back = quantizeImported(bytes);
    expect(back.unused).toEqual([]);
    expect(back.model.steps).toEqual(model.steps);
    expect(back.model.tensors).toEqual(model.tensors);
    expect(back.model.constants).toEqual(model.constants);
    expect(back.model.inputs).toEqual(model.inputs);
    expect(back.model.outputs).toEqual(model.outputs);
    expect(back.model.calibration.method).toBe('qdq');
    expect(Buffer.compare(q8As(back.model, model), writeQ8(model))).toBe(0);
    for (let i = 0; i < 20; i++) {
      const feeds = { input: images.input(i) };
      expect(bits(runInt8(back.model, feeds).logits!), `image ${i}`).toEqual(bits(runInt8(model, feeds).logits!));
    }
    // The float graph holds the dequantized weights: within the weights' quantization noise of the original.
    const a = runFloat(fused, { input: images.input(0) }).logits!.data;
    const b = runFloat(back.graph, { input: images.input(0) }).logits!.data;
    const diff = Math.max(...Array.from(a, (v, j) => Math.abs(v - b[j]!)));
    console.log(`bundled model, float graph with the dequantized weights vs the original: max |logit diff| ${diff.toFixed(3)} (logits up to ${Math.max(...Array.from(a, Math.abs)).toFixed(1)})`);
    expect(diff).toBeLessThan(0.05 * Math.max(...Array.from(a, Math.abs)));
  });

  /** Float ops, a residual Add, Gemm with transB=0 (weights per axis on axis 1), MatMul. */
  function qdqNet(): Graph {
    const b = new GraphBuilder('qdq-net');
    const x = b.input('x', ['N', 2, 6, 6]);
    const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([4, 2, 3, 3], 1)), b.constant('b1', randomTensor([4], 2))], convAttrs({ pads: [1, 1, 1, 1], clamp: { min: 0, max: Infinity } }), 'c1');
    const s = b.node('Sigmoid', [x], NONE, 's');
    const c2 = b.node('Conv', [s, b.constant('w2', randomTensor([4, 2, 1, 1], 3))], convAttrs(), 'c2');
    const a = b.node('Add', [c1, c2], NONE, 'a');
    const mp = b.node('MaxPool', [a], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], ceilMode: false, layout: 'NCHW' }, 'mp');
    const gap = b.node('GlobalAveragePool', [mp], { layout: 'NCHW' }, 'gap');
    const fl = b.node('Flatten', [gap], { axis: 1 }, 'fl');
    const g = b.node('Gemm', [fl, b.constant('B', randomTensor([4, 3], 4)), b.constant('C', randomTensor([3], 5))], { transA: false, transB: false, alpha: 1, beta: 1, clamp: null }, 'g');
    b.node('MatMul', [g, b.constant('M', randomTensor([3, 5], 6))], NONE, 'out');
    b.node('Mul', [s, s], NONE, 'sq');
    return b.output('out', ['N', 5]).output('s', ['N', 2, 6, 6]).output('sq', ['N', 2, 6, 6]).build();
  }

  for (const options of [{}, { perTensorWeights: true }, { symmetricActivations: true }]) {
    it(`a net with float ops, Add, MaxPool, Gemm (transB=0) and MatMul ${JSON.stringify(options)}`, () => {
      const feed = (i: number) => ({ x: randomTensor([1, 2, 6, 6], 100 + i, -2, 2) });
      const { fused, model } = calibrated(qdqNet(), 8, feed, options);
      const back = quantizeImported(exportQdq(fused, model));
      // (Zero points compare as numbers: a calibrated z can be −0, which int8 in ONNX, and the .q8's JSON, write as 0.)
      expect(plusZero(back.model.steps)).toEqual(plusZero(model.steps));
      expect(plusZero(back.model.tensors)).toEqual(plusZero(model.tensors));
      expect(Buffer.compare(q8As(back.model, model), writeQ8(model))).toBe(0);
      for (let i = 0; i < 8; i++) {
        const a = runInt8(model, feed(50 + i));
        const b = runInt8(back.model, feed(50 + i));
        for (const o of ['out', 's', 'sq']) expect(bits(b[o]!), `${o}, input ${i}`).toEqual(bits(a[o]!));
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// The hand-built QDQ model.

interface FixtureQ {
  /** The float tensor a QuantizeLinear quantizes. */
  tensor: string;
  scale: number;
  zeroPoint: number;
  dtype: 'int8' | 'uint8';
}

/** The fixture's own numbers, read from its protobuf independently of the importer. */
function readFixture(bytes: Uint8Array) {
  const g = decodeModel(bytes).graph!;
  const init = new Map(g.initializer.map((t) => [t.name, decodeTensorProto(t)]));
  const qs: FixtureQ[] = g.node
    .filter((n) => n.opType === 'QuantizeLinear')
    .map((n) => {
      const zp = init.get(n.input[2]!)!;
      return { tensor: n.input[0]!, scale: init.get(n.input[1]!)!.data[0]!, zeroPoint: zp.data[0]!, dtype: zp.dtype as 'int8' | 'uint8' };
    });
  return { g, init, qs };
}

const int8Of = (q: FixtureQ): QParams => ({ scale: q.scale, zeroPoint: q.dtype === 'uint8' ? q.zeroPoint - 128 : q.zeroPoint });

describe('a QDQ model built by hand (onnxruntime quantize_static layout)', () => {
  const bytes = readFileSync(FIXTURE);
  const { init, qs } = readFixture(bytes);
  const { model, graph, unused } = quantizeImported(bytes);
  const step = <S extends ConvStep | GemmStep>(name: string) => model.steps.find((s) => s.name === name) as S;

  it('is small, and imports as a float graph without Q/DQ', () => {
    expect(bytes.length).toBeLessThan(20_000);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu', 'Conv', 'Clip', 'Add', 'Conv', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Softmax']);
    // The graph output "y" is the last DequantizeLinear's output: the Gemm writes it.
    expect(graph.nodes.find((n) => n.name === 'gemm')!.outputs).toEqual(['y']);
    expect([...graph.initializers].filter(([, t]) => t.dtype !== 'float32').map(([name, t]) => `${name}: ${t.dtype}`)).toEqual([]);
  });

  it('the program is int8 from the input quantize to the Gemm; Softmax, left float by the model, runs in float', () => {
    expect(model.steps.map((s) => (s.op === 'layout' || s.op === 'float' ? `${s.op}:${s.node.op}` : s.op))).toEqual([
      'quantize', 'layout:Transpose', 'conv', 'conv', 'add', 'conv', 'globalavgpool', 'layout:Flatten', 'gemm', 'dequantize', 'float:Softmax',
    ]);
    // conv2's own Q/DQ (same (s, z) as the Clip's) is fused away with the Clip: exact.
    expect(unused).toEqual(['conv2']);
  });

  it('holds every activation (s, z) as given: int8 as is, uint8 as (s, z − 128)', () => {
    expect(qs.map((q) => `${q.tensor} ${q.dtype} z=${q.zeroPoint}`)).toEqual([
      'x uint8 z=128', 'relu1 uint8 z=0', 'conv2 int8 z=-128', 'clip2 int8 z=-128', 'add uint8 z=59', 'conv3 int8 z=37', 'gap int8 z=37', 'flat int8 z=37', 'gemm int8 z=-21',
    ]);
    for (const q of qs) {
      if (q.tensor === 'conv2') continue;
      const name = q.tensor === 'gemm' ? 'y' : q.tensor;
      const held = [...model.tensors].filter(([, t]) => t.dtype === 'int8' && t.source.replace(/:nhwc$/, '') === name);
      expect(held.length, name).toBeGreaterThan(0);
      for (const [n, t] of held) expect(t.dtype === 'int8' && t.qparams, n).toEqual(int8Of(q));
    }
  });

  it('holds the given int8 weights (uint8 − 128), per axis and per tensor, the given int32 biases, and s_in·s_w/s_out multipliers', () => {
    const qOf = (t: string) => int8Of(qs.find((q) => q.tensor === t)!);
    const cases = [
      { step: 'conv1', w: 'W1', b: 'B1', input: 'x', output: 'relu1' },
      { step: 'conv2', w: 'W2', b: 'B2', input: 'relu1', output: 'clip2' },
      { step: 'conv3', w: 'W3', input: 'add', output: 'conv3' },
      { step: 'gemm', w: 'W4', b: 'B4', input: 'flat', output: 'gemm' },
    ];
    let q4Same = 0;
    let q4Total = 0;
    for (const c of cases) {
      const s = step<ConvStep | GemmStep>(c.step);
      const w = init.get(`${c.w}_quantized`)!;
      const wz = init.get(`${c.w}_zero_point`)!;
      const ints = Int8Array.from(w.data, (v, i) => v - wz.data[wz.data.length === 1 ? 0 : Math.floor(i / (w.data.length / wz.data.length))]!);
      // The program's conv weights are OHWI.
      const expected = w.shape.length === 4 ? transpose(tensor('int8', w.shape, ints), [0, 2, 3, 1]).data : ints;
      expect(s.weights, c.step).toEqual(expected);
      const channels = w.shape[0]!;
      const ws = init.get(`${c.w}_scale`)!.data;
      const sw = Float32Array.from({ length: channels }, (_, ch) => ws[ws.length === 1 ? 0 : ch]!);
      const inQ = qOf(c.input);
      const outQ = qOf(c.output);
      expect(s.inputZeroPoint).toBe(inQ.zeroPoint);
      expect(s.out.zeroPoint).toBe(outQ.zeroPoint);
      const k = s.weights.length / channels;
      const given = c.b ? init.get(`${c.b}_quantized`)!.data : new Int32Array(channels);
      for (let ch = 0; ch < channels; ch++) {
        let sum = 0;
        for (let i = ch * k; i < (ch + 1) * k; i++) sum += s.weights[i]!;
        // (Q6) around the given int32 bias.
        expect(s.bias[ch], `${c.step} channel ${ch}`).toBe(given[ch]! - inQ.zeroPoint * sum);
        const m = quantizeMultiplier((inQ.scale * sw[ch]!) / outQ.scale);
        expect([s.out.m0[ch], s.out.exponent[ch]]).toEqual([m.m0, m.exponent]);
      }
      if (c.b) {
        // Would (Q4) from the dequantized float bias have given the same integers? (Either way the given ones are used.)
        const bs = init.get(`${c.b}_scale`)!.data;
        const dequantized = Float32Array.from(given, (q, ch) => Math.fround(q * bs[bs.length === 1 ? 0 : ch]!));
        const q4 = quantizeBias(dequantized, inQ.scale, sw);
        q4Total += channels;
        q4Same += q4.filter((v, ch) => v === given[ch]).length;
      }
    }
    console.log(`given int32 biases: (Q4) from the dequantized float bias reproduces ${q4Same} of ${q4Total}`);
    // conv1's fused Relu and conv2's fused Clip(0, 6) as clamp bounds (Q12).
    expect([step('conv1').out.lo, step('conv1').out.hi]).toEqual([-128, 127]);
    expect(step('conv2').out.lo).toBe(-128);
  });

  it('its float graph runs in the float reference as onnxruntime runs the same float graph', async () => {
    const session = await ort.InferenceSession.create(writeOnnx(graph), { logSeverityLevel: 3 });
    let max = 0;
    for (let i = 0; i < 20; i++) {
      const x = randomTensor([1, 3, 8, 8], 500 + i);
      const ours = runFloat(graph, { x });
      const theirs = await session.run({ x: new ort.Tensor('float32', x.data as Float32Array, [1, 3, 8, 8]) });
      for (const o of ['y', 'p']) {
        const t = theirs[o]!.data as Float32Array;
        for (let j = 0; j < t.length; j++) max = Math.max(max, Math.abs(t[j]! - ours[o]!.data[j]!));
      }
    }
    console.log(`de-QDQ'd float graph: max |ORT − runFloat| ${max.toExponential(2)}`);
    expect(max).toBeLessThanOrEqual(1e-5);
  });
});

// ---------------------------------------------------------------------------------------------
// onnxruntime-node on the same QDQ model.

const ModelProto = protobuf.Root.fromJSON(onnxSchema).lookupType('onnx.ModelProto');

/** The fixture with every QuantizeLinear output also a graph output, to read ORT's int8 tensors. */
function withIntOutputs(bytes: Uint8Array): Uint8Array {
  const m = decodeModel(bytes) as unknown as { graph: { node: { opType: string; output: string[] }[]; output: object[] } };
  for (const n of m.graph.node) if (n.opType === 'QuantizeLinear') m.graph.output.push({ name: n.output[0]! });
  return ModelProto.encode(m as unknown as protobuf.Message).finish();
}

describe('the QDQ model in onnxruntime-node and in our int8 reference', () => {
  const bytes = readFileSync(FIXTURE);
  const { model, graph } = quantizeImported(bytes);
  const yQ = model.tensors.get('y:q')!;
  const sy = yQ.dtype === 'int8' ? yQ.qparams.scale : NaN;
  const N = 200;
  const input = (i: number) => randomTensor([1, 3, 8, 8], 1000 + i);
  const ortInput = (x: Tensor) => ({ x: new ort.Tensor('float32', x.data as Float32Array, [1, 3, 8, 8]) });

  it('ORT fuses the model into its int8 kernels (QLinearConv, QLinearAdd, QLinearGlobalAveragePool)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qdq-import-'));
    const optimized = join(dir, 'optimized.onnx');
    await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized, logSeverityLevel: 3 });
    const ops = decodeModel(readFileSync(optimized)).graph!.node.map((n) => n.opType);
    console.log(`ORT's optimized graph: ${ops.join(' ')}`);
    expect(ops.filter((op) => op === 'QLinearConv')).toHaveLength(3);
    expect(ops).toContain('QLinearAdd');
  });

  for (const level of ['all', 'disabled'] as const) {
    const what = level === 'all' ? "ORT's int8 kernels" : 'ORT running the Q/DQ nodes as written (float between them)';
    it(`output y: within a few int8 steps of ${what}, identical on most values`, async () => {
      const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: level, logSeverityLevel: 3 });
      const hist = [0, 0, 0, 0, 0];
      let maxFloat = 0;
      for (let i = 0; i < N; i++) {
        const x = input(i);
        const ours = runInt8(model, { x }).y!.data;
        const float = runFloat(graph, { x }).y!.data;
        const theirs = (await session.run(ortInput(x))).y!.data as Float32Array;
        for (let j = 0; j < 4; j++) {
          hist[Math.min(4, Math.round(Math.abs(theirs[j]! - ours[j]!) / sy))]!++;
          maxFloat = Math.max(maxFloat, Math.abs(theirs[j]! - float[j]!));
        }
      }
      console.log(
        `${what}, ${N} inputs × 4 outputs: |ORT − runInt8| in steps of s_y: 0: ${hist[0]}, 1: ${hist[1]}, 2: ${hist[2]}, 3: ${hist[3]}, ≥4: ${hist[4]}; ` +
          `max |ORT − float reference of the de-QDQ'd graph| ${maxFloat.toFixed(4)} (${(maxFloat / sy).toFixed(2)} steps: the activations' quantization noise)`,
      );
      expect(hist[4]).toBe(0);
      expect(hist[0]! / (4 * N)).toBeGreaterThanOrEqual(0.9);
      expect(maxFloat).toBeLessThanOrEqual(5 * sy);
    });

    it(`every int8 step, fed ${what.replace("ORT's", "ORT's own").replace('ORT running', 'the int8 inputs of ORT running')}'s int8 inputs, gives its int8 output within 1 step`, async () => {
      const session = await ort.InferenceSession.create(withIntOutputs(bytes), { graphOptimizationLevel: level, logSeverityLevel: 3 });
      /** ORT's tensor for one of ours: the Q output of its source, as int8 in our layout. */
      const theirs = (results: ort.InferenceSession.ReturnType, name: string): Tensor => {
        const base = name.replace(/(:nhwc)?:q$/, '');
        const t = results[`${base === 'y' ? 'gemm' : base}_quantized`]!;
        const shift = t.type === 'uint8' ? 128 : 0;
        const v = tensor('int8', [...t.dims], Array.from(t.data as Int8Array | Uint8Array, (q) => q - shift));
        return name.endsWith(':nhwc:q') ? transpose(v, [0, 2, 3, 1]) : v;
      };
      const stats = new Map<string, { values: number; differ: number; max: number }>();
      for (let i = 0; i < N; i++) {
        const x = input(i);
        const results = await session.run(ortInput(x));
        for (const s of model.steps) {
          if (s.op === 'layout' || s.op === 'float' || s.op === 'dequantize') continue;
          const inputs = s.op === 'quantize' ? [s.input] : 'inputs' in s ? s.inputs : [s.input];
          const feeds = Object.fromEntries(inputs.map((n) => [n, s.op === 'quantize' ? x : theirs(results, n)]));
          const one = { ...model, inputs: inputs.map((n) => ({ name: n, shape: feeds[n]!.shape })), outputs: [{ name: s.output, shape: [] }], steps: [s] };
          const ours = runInt8(one, feeds)[s.output]!.data;
          const expected = theirs(results, s.output).data;
          const st = stats.get(s.name) ?? { values: 0, differ: 0, max: 0 };
          for (let j = 0; j < ours.length; j++) {
            const d = Math.abs(ours[j]! - expected[j]!);
            st.values++;
            if (d > 0) st.differ++;
            st.max = Math.max(st.max, d);
          }
          stats.set(s.name, st);
        }
      }
      console.log(`${what}, per int8 step on ORT's own int8 inputs (${N} inputs): ` + [...stats].map(([n, s]) => `${n} ${s.differ}/${s.values} differ (max ${s.max})`).join(', '));
      for (const [n, s] of stats) expect(s.max, n).toBeLessThanOrEqual(1);
      expect(stats.get('x/quantize')!.differ).toBe(0);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// What cannot be honoured.

interface Parts {
  nodes: OnnxNode[];
  initializers: [string, Tensor][];
  inputs?: ValueInfo[];
  outputs?: ValueInfo[];
}

const node = (opType: string, name: string, inputs: string[], outputs: string[], attributes: OnnxNode['attributes'] = []): OnnxNode => ({ opType, name, inputs, outputs, attributes });
const f32s = (v: number[], shape = v.length === 1 ? [] : [v.length]) => tensor('float32', shape, v);

function encode(p: Parts): Uint8Array {
  return encodeModel({
    name: 'qdq-errors',
    opset: 13,
    inputs: p.inputs ?? [{ name: 'x', dtype: 'float32', shape: [1, 2, 4, 4] }],
    outputs: p.outputs ?? [{ name: 'y', dtype: 'float32', shape: [1, 2, 4, 4] }],
    initializers: new Map(p.initializers),
    nodes: p.nodes,
  });
}

/** x → Q/DQ → Conv 1×1 (weights W behind DequantizeLinear "W_dq") → Q/DQ → y, with the parts to vary. */
function convModel(w: { q: Tensor; scale: Tensor; zeroPoint: Tensor; axis?: number }, options: { xScale?: Tensor; xZero?: Tensor; after?: OnnxNode[]; convOut?: string } = {}): Uint8Array {
  const convOut = options.convOut ?? 'c';
  return encode({
    initializers: [
      ['xs', options.xScale ?? f32s([0.02])], ['xz', options.xZero ?? tensor('int8', [], [3])], ['cs', f32s([0.05])], ['cz', tensor('uint8', [], [100])],
      ['W', w.q], ['Ws', w.scale], ['Wz', w.zeroPoint],
    ],
    nodes: [
      node('QuantizeLinear', 'x_q', ['x', 'xs', 'xz'], ['xq']),
      node('DequantizeLinear', 'x_dq', ['xq', 'xs', 'xz'], ['xd']),
      node('DequantizeLinear', 'W_dq', ['W', 'Ws', 'Wz'], ['Wd'], w.axis === undefined ? [] : [intAttr('axis', w.axis)]),
      node('Conv', 'conv', ['xd', 'Wd'], [convOut]),
      ...(options.after ?? []),
      node('QuantizeLinear', 'c_q', ['c', 'cs', 'cz'], ['cq']),
      node('DequantizeLinear', 'c_dq', ['cq', 'cs', 'cz'], ['y']),
    ],
  });
}

const int8w = (v: number[]) => tensor('int8', [2, 2, 1, 1], v);

describe('QDQ import refuses what it cannot honour, naming the tensor and node', () => {
  it('accepts symmetric weights: int8 with zero point 0 (per axis) and uint8 with zero point 128 (per tensor)', () => {
    const a = quantizeImported(convModel({ q: int8w([1, -2, 3, -128]), scale: f32s([0.1, 0.2]), zeroPoint: tensor('int8', [2]), axis: 0 }));
    expect((a.model.steps.find((s) => s.op === 'conv') as ConvStep).weights).toEqual(Int8Array.from([1, -2, 3, -128]));
    const b = quantizeImported(convModel({ q: tensor('uint8', [2, 2, 1, 1], [129, 126, 255, 0]), scale: f32s([0.1]), zeroPoint: tensor('uint8', [], [128]) }));
    expect((b.model.steps.find((s) => s.op === 'conv') as ConvStep).weights).toEqual(Int8Array.from([1, -2, 127, -128]));
    // x: int8 z 3; c (the Conv writes the graph output y, its DequantizeLinear's output): uint8 z 100 → int8 z −28.
    expect(b.model.tensors.get('x:q')).toEqual({ dtype: 'int8', qparams: { scale: Math.fround(0.02), zeroPoint: 3 }, source: 'x' });
    expect(b.model.tensors.get('y:nhwc:q')).toEqual({ dtype: 'int8', qparams: { scale: Math.fround(0.05), zeroPoint: -28 }, source: 'y:nhwc' });
  });

  it('an asymmetric weight zero point (int8 ≠ 0, uint8 ≠ 128)', () => {
    const int8 = () => importOnnxQdq(convModel({ q: int8w([1, 2, 3, 4]), scale: f32s([0.1, 0.2]), zeroPoint: tensor('int8', [2], [0, 3]), axis: 0 }));
    expect(int8).toThrow(UnsupportedModelError);
    expect(int8).toThrow('Conv node "conv": weights "W" (DequantizeLinear "W_dq") have zero point 3 (int8) — the int8 kernels need symmetric weights: int8 with zero point 0, or uint8 with zero point 128');
    const uint8 = () => importOnnxQdq(convModel({ q: tensor('uint8', [2, 2, 1, 1], [1, 2, 3, 4]), scale: f32s([0.1]), zeroPoint: tensor('uint8', [], [100]) }));
    expect(uint8).toThrow(/Conv node "conv": weights "W" .* have zero point 100 \(uint8\)/);
  });

  it('per-axis weights along an axis other than the output channels', () => {
    const f = () => importOnnxQdq(convModel({ q: int8w([1, 2, 3, 4]), scale: f32s([0.1, 0.2]), zeroPoint: tensor('int8', [2]), axis: 1 }));
    expect(f).toThrow(UnsupportedModelError);
    expect(f).toThrow(/Conv node "conv": weights "W" are quantized per axis along axis 1 \(DequantizeLinear "W_dq"\), not along the output-channel axis 0/);
  });

  it('per-axis activation quantization', () => {
    const f = () => importOnnxQdq(convModel({ q: int8w([1, 2, 3, 4]), scale: f32s([0.1]), zeroPoint: tensor('int8', [], [0]) }, { xScale: f32s([0.02, 0.03]), xZero: tensor('int8', [2], [3, 3]) }));
    expect(f).toThrow(UnsupportedModelError);
    expect(f).toThrow('QuantizeLinear node "x_q": per-axis quantization of activation "x" (2 scales on axis 1) is not supported — activations are quantized per tensor (Q2)');
  });

  it('a QuantizeLinear whose int8 output an op other than DequantizeLinear reads', () => {
    const f = () =>
      importOnnxQdq(encode({
        initializers: [['s', f32s([0.1])], ['z', tensor('int8', [], [0])]],
        nodes: [node('QuantizeLinear', 'x_q', ['x', 's', 'z'], ['xq']), node('Relu', 'r', ['xq'], ['y'])],
      }));
    expect(f).toThrow(UnsupportedModelError);
    expect(f).toThrow('QuantizeLinear node "x_q": its integer output "xq" is read by Relu node "r", which is not a DequantizeLinear — an int8 tensor crossing into an op that runs in float');
  });

  it('an integer graph output, a dequantized integer graph input, a requantizing Q/DQ pair', () => {
    const s = (v: number) => f32s([v]);
    const z = tensor('int8', [], [0]);
    const intOut = () => importOnnxQdq(encode({ initializers: [['s', s(0.1)], ['z', z]], nodes: [node('QuantizeLinear', 'q', ['x', 's', 'z'], ['y'])], outputs: [{ name: 'y', dtype: 'int8', shape: [1, 2, 4, 4] }] }));
    expect(intOut).toThrow('QuantizeLinear node "q" makes graph output "y" an integer tensor');
    const intIn = () => importOnnxQdq(encode({ initializers: [['s', s(0.1)], ['z', z]], nodes: [node('DequantizeLinear', 'dq', ['x', 's', 'z'], ['y'])], inputs: [{ name: 'x', dtype: 'int8', shape: [1, 2, 4, 4] }] }));
    expect(intIn).toThrow('DequantizeLinear node "dq" reads "x", an integer graph input: only constants and QuantizeLinear outputs can be dequantized');
    const requant = () =>
      importOnnxQdq(encode({
        initializers: [['s', s(0.1)], ['s2', s(0.2)], ['z', z]],
        nodes: [node('QuantizeLinear', 'q', ['x', 's', 'z'], ['xq']), node('DequantizeLinear', 'dq', ['xq', 's2', 'z'], ['y'])],
      }));
    expect(requant).toThrow('DequantizeLinear node "dq" dequantizes "xq" with other parameters than QuantizeLinear "q" quantized it');
  });

  it('given weights that a graph pass changed (BatchNormalization folded into the Conv)', () => {
    const bn = node('BatchNormalization', 'bn', ['c0', 'g', 'b', 'm', 'v'], ['c']);
    const bytes = convModel({ q: int8w([1, 2, 3, 4]), scale: f32s([0.1]), zeroPoint: tensor('int8', [], [0]) }, { convOut: 'c0', after: [bn] });
    const m = decodeModel(bytes);
    for (const [name, v] of [['g', [2, 0.5]], ['b', [0.1, 0.2]], ['m', [0, 0.3]], ['v', [1, 4]]] as const) {
      m.graph!.initializer.push({ name, dims: [2], dataType: 1, rawData: new Uint8Array(Float32Array.from(v).buffer) } as never);
    }
    const withBn = ModelProto.encode(m as unknown as protobuf.Message).finish();
    expect(() => quantizeImported(withBn)).toThrow(UnsupportedModelError);
    expect(() => quantizeImported(withBn)).toThrow(/Conv node "conv": its weights are no longer the int8 weights "W" \(DequantizeLinear "W_dq"\) — a graph pass changed them \(BatchNormalization folded/);
  });

  it('a model without Q/DQ imports as before, with nothing given', () => {
    const r = importOnnxQdq(readFileSync(BUNDLED.model));
    expect(r.given).toBeNull();
    expect(r.graph).toEqual(importOnnx(readFileSync(BUNDLED.model)));
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI needs no calibration data for a QDQ model.

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/webgpu-int8.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('webgpu-int8 quantize / eval of a QDQ model', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qdq-import-cli-'));

  it('quantize: no --calib, the model\'s own scales; the .q8 is the in-process program', () => {
    const out = join(dir, 'small.q8');
    const r = cli('quantize', FIXTURE, '-o', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("no calibration: using the model's own scales and zero points (QuantizeLinear/DequantizeLinear on 9 tensors, int8 weights of 4 Conv/Gemm/MatMul nodes)");
    expect(r.stdout).toContain('quantized in the model but not int8 in the program (fused away, or their op runs in float): "conv2"');
    expect(r.stdout).toContain('ops left in float: Softmax "softmax"');
    expect(Buffer.compare(readFileSync(out), writeQ8(quantizeImported(readFileSync(FIXTURE)).model))).toBe(0);
    const calib = cli('quantize', FIXTURE, '--calib', 'data/fashion-mnist/train-first500-images-idx3-ubyte.gz', '-o', out);
    expect(calib.code).toBe(1);
    expect(calib.stderr).toContain('--calib does not apply');
  });

  it('eval of the bundled model\'s QDQ export: no --calib', { timeout: 180_000 }, () => {
    const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));
    const { fused, model } = calibrated(importOnnx(readFileSync(BUNDLED.model)), 4, (i) => ({ input: images.input(9000 + i) }));
    const path = join(dir, 'fashion.qdq.onnx');
    writeFileSync(path, exportQdq(fused, model));
    const r = cli('eval', path, '--data', BUNDLED.testImages, '--labels', BUNDLED.testLabels, '--count', '50', '--device', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("no calibration: using the model's own scales");
    expect(r.stdout).toContain('fully integral: every op runs in int8');
    expect(r.stdout).toMatch(/int8 accuracy: +\d+\.\d\d%/);
  });

  it('a model without Q/DQ still needs --calib', () => {
    const r = cli('quantize', BUNDLED.model, '-o', join(dir, 'x.q8'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('webgpu-int8: quantize needs --calib DATA');
  });
});

it('quantizeQdq() (src/api.ts) refuses a model without Q/DQ', async () => {
  const { quantizeQdq } = await import('../../src/api.ts');
  expect(() => quantizeQdq(importOnnxQdq(readFileSync(BUNDLED.model)))).toThrow(CalibrationError);
  const m = quantizeQdq(importOnnxQdq(readFileSync(FIXTURE)));
  expect(Buffer.compare(writeQ8(m), writeQ8(quantizeImported(readFileSync(FIXTURE)).model))).toBe(0);
});
