// LSTM, GRU and RNN on the float reference against onnxruntime-node's CPU EP, on the uses ONNX's
// conformance cases leave out: both directions, sequence_lens, initial states, layout=1,
// activations with alpha/beta, clip, input_forget, linear_before_reset, omitted outputs.

import * as ort from 'onnxruntime-node';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.ts';
import { onnxSchema, OnnxDataType } from '../../src/import/onnx-schema.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { inferShapes } from '../../src/ir/shapes.ts';
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx } from '../helpers/onnx-encode.ts';

const ModelProto = protobuf.Root.fromJSON(onnxSchema).lookupType('onnx.ModelProto');

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale = 0.6): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return ((s / 2 ** 31) * 2 - 1) * scale;
  });
}

interface Case {
  op: 'LSTM' | 'GRU' | 'RNN';
  opset?: number;
  seq: number;
  batch: number;
  input: number;
  hidden: number;
  direction?: 'forward' | 'reverse' | 'bidirectional';
  layout?: 0 | 1;
  bias?: boolean;
  seqLens?: number[];
  initialH?: boolean;
  initialC?: boolean;
  peepholes?: boolean;
  /** Outputs to ask for; '' leaves one out. */
  outputs?: string[];
  attrs?: Record<string, number | number[] | string>;
  activations?: string[];
  alphas?: number[];
  betas?: number[];
}

const GATES = { LSTM: 4, GRU: 3, RNN: 1 };

/** The encoder writes INTS and single values only: STRINGS and FLOATS attributes are added to the decoded model. */
function withListAttrs(bytes: Uint8Array, c: Case): Uint8Array {
  const model = ModelProto.toObject(ModelProto.decode(bytes)) as { graph: { node: { attribute?: object[] }[] } };
  const attribute = model.graph.node[0]!.attribute ?? [];
  if (c.activations) attribute.push({ name: 'activations', type: 8, strings: c.activations.map((a) => new TextEncoder().encode(a)) });
  if (c.alphas) attribute.push({ name: 'activation_alpha', type: 6, floats: c.alphas });
  if (c.betas) attribute.push({ name: 'activation_beta', type: 6, floats: c.betas });
  model.graph.node[0]!.attribute = attribute;
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** Row-major `data` of `shape` with its axes permuted: output axis k is input axis perm[k]. */
function permute(data: ArrayLike<number>, shape: number[], perm: number[]): { data: number[]; shape: number[] } {
  const outShape = perm.map((p) => shape[p]!);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const walk = (axis: number, offset: number): void => {
    if (axis === perm.length) return void out.push(data[offset]!);
    for (let i = 0; i < outShape[axis]!; i++) walk(axis + 1, offset + i * strides[perm[axis]!]!);
  };
  walk(0, 0);
  return { data: out, shape: outShape };
}

/** The case's model at `layout` (its data drawn seq-major, then laid out), and X as fed to it. */
function build(c: Case, layout = c.layout ?? 0): { bytes: Uint8Array; x: Tensor; outputs: string[] } {
  const dirs = c.direction === 'bidirectional' ? 2 : 1;
  const rows = GATES[c.op] * c.hidden;
  const draw = (shape: number[], seed: number, scale?: number) => ({ shape, data: values(shape.reduce((a, b) => a * b, 1), seed, scale) });
  const batchMajor = (t: { shape: number[]; data: number[] }) => (layout === 1 ? permute(t.data, t.shape, [1, 0, 2]) : t);
  const initializers: Record<string, object> = {
    W: draw([dirs, rows, c.input], 1),
    R: draw([dirs, rows, c.hidden], 2),
  };
  const inputs = ['X', 'W', 'R', '', '', '', '', ''];
  if (c.bias) (initializers.B = draw([dirs, 2 * rows], 3)), (inputs[3] = 'B');
  if (c.seqLens) (initializers.L = { dims: [c.batch], dataType: OnnxDataType.INT32, int32Data: c.seqLens }), (inputs[4] = 'L');
  if (c.initialH) (initializers.H0 = batchMajor(draw([dirs, c.batch, c.hidden], 4))), (inputs[5] = 'H0');
  if (c.initialC) (initializers.C0 = batchMajor(draw([dirs, c.batch, c.hidden], 5))), (inputs[6] = 'C0');
  if (c.peepholes) (initializers.P = draw([dirs, 3 * c.hidden], 6)), (inputs[7] = 'P');
  while (inputs.at(-1) === '') inputs.pop();
  const outputs = c.outputs ?? (c.op === 'LSTM' ? ['Y', 'Y_h', 'Y_c'] : ['Y', 'Y_h']);
  const attrs: Record<string, number | number[] | string> = { hidden_size: c.hidden, direction: c.direction ?? 'forward', ...c.attrs };
  if (layout === 1) attrs.layout = 1;
  const x = batchMajor(draw([c.seq, c.batch, c.input], 7, 1.5));
  const bytes = encodeOnnx({
    opset: c.opset ?? 14,
    inputs: [{ name: 'X', shape: x.shape }],
    outputs: outputs.filter((o) => o !== '').map((name) => ({ name })),
    initializers,
    nodes: [{ op: c.op, inputs, outputs, attrs }],
  });
  return { bytes: withListAttrs(bytes, c), x: tensor('float32', x.shape, x.data), outputs: outputs.filter((o) => o !== '') };
}

/** onnxruntime's outputs of the case. Its CPU EP refuses layout=1, so it runs the seq-major model and its outputs are laid out batch-major as ONNX defines them. */
async function peer(c: Case): Promise<Map<string, { shape: number[]; data: ArrayLike<number> }>> {
  const { bytes, x, outputs } = build(c, 0);
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const results = await session.run({ X: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  return new Map(
    outputs.map((name) => {
      const t = { shape: [...results[name]!.dims], data: results[name]!.data as Float32Array };
      return [name, c.layout === 1 ? permute(t.data, t.shape, name === 'Y' ? [2, 0, 1, 3] : [1, 0, 2]) : t];
    }),
  );
}

async function compare(c: Case): Promise<void> {
  const { bytes, x, outputs } = build(c);
  const graph = importOnnx(bytes);
  const ours = runFloat(graph, { X: x });
  const shapes = inferShapes(graph);
  const theirs = await peer(c);
  for (const name of outputs) {
    const want = theirs.get(name)!;
    const got = ours[name]!;
    expect({ name, shape: got.shape, inferred: shapes.get(name) }).toEqual({ name, shape: want.shape, inferred: want.shape });
    const w = want.data;
    // Within 1e-5 absolute plus 1e-5 relative of onnxruntime's value, element by element.
    const off = Array.from(got.data).flatMap((v, i) => (Math.abs(v - w[i]!) > 1e-5 + 1e-5 * Math.abs(w[i]!) ? [{ i, ours: v, ort: w[i] }] : []));
    expect({ name, off: off.slice(0, 5) }).toEqual({ name, off: [] });
  }
}

describe('recurrent ops match onnxruntime', () => {
  const lstm = { op: 'LSTM', seq: 5, batch: 3, input: 4, hidden: 3, bias: true } as const;
  it('LSTM bidirectional with sequence_lens, initial states and peepholes', () =>
    compare({ ...lstm, direction: 'bidirectional', seqLens: [5, 0, 3], initialH: true, initialC: true, peepholes: true }));
  it('LSTM reverse, batch-major (layout=1) with sequence_lens and initial states', () =>
    compare({ ...lstm, direction: 'reverse', layout: 1, seqLens: [3, 5, 0], initialH: true, initialC: true }));
  it('LSTM bidirectional, layout=1, only Y_h asked for', () =>
    compare({ ...lstm, direction: 'bidirectional', layout: 1, seqLens: [4, 5, 2], initialH: true, outputs: ['', 'Y_h'] }));
  it('LSTM opset 7 with clip and input_forget', () => compare({ ...lstm, opset: 7, peepholes: true, attrs: { clip: 0.7, input_forget: 1 } }));
  it('LSTM activations with alpha/beta given and defaulted, both directions', () =>
    compare({
      ...lstm,
      direction: 'bidirectional',
      seqLens: [2, 5, 4],
      activations: ['HardSigmoid', 'LeakyRelu', 'Softsign', 'sigmoid', 'Elu', 'Softplus'],
      alphas: [0.3, 0.05],
      betas: [0.4],
    }));
  it('GRU bidirectional, layout=1, sequence_lens and initial_h', () =>
    compare({ op: 'GRU', seq: 4, batch: 3, input: 5, hidden: 4, bias: true, direction: 'bidirectional', layout: 1, seqLens: [4, 0, 3], initialH: true }));
  it('GRU linear_before_reset with clip, reverse', () =>
    compare({ op: 'GRU', seq: 4, batch: 2, input: 3, hidden: 5, bias: true, direction: 'reverse', seqLens: [2, 4], initialH: true, attrs: { linear_before_reset: 1, clip: 0.9 } }));
  it('GRU with Affine at its default beta and LeakyRelu at its default alpha', () =>
    compare({ op: 'GRU', seq: 3, batch: 2, input: 3, hidden: 3, bias: true, activations: ['Affine', 'LeakyRelu'], alphas: [0.7] }));
  it('GRU with ScaledTanh and ThresholdedRelu at given alpha/beta', () =>
    compare({ op: 'GRU', seq: 3, batch: 2, input: 3, hidden: 3, bias: true, activations: ['ScaledTanh', 'ThresholdedRelu'], alphas: [0.8, 0.1], betas: [1.3] }));
  it('RNN bidirectional with Relu/Tanh, sequence_lens and initial_h', () =>
    compare({ op: 'RNN', seq: 6, batch: 2, input: 3, hidden: 4, bias: true, direction: 'bidirectional', seqLens: [6, 3], initialH: true, activations: ['Relu', 'Tanh'] }));
  it('RNN layout=1, no bias', () => compare({ op: 'RNN', seq: 3, batch: 4, input: 2, hidden: 3, layout: 1, initialH: true }));
});

describe('recurrent ops refuse what they do not take', () => {
  it('names an activation ONNX does not list', () => {
    const { bytes } = build({ op: 'RNN', seq: 2, batch: 1, input: 2, hidden: 2, activations: ['Gelu'] });
    expect(() => importOnnx(bytes)).toThrow(UnsupportedOpError);
    expect(() => importOnnx(bytes)).toThrow(/activation "Gelu"/);
  });
  it.each([
    ['ThresholdedRelu', [], []],
    ['Affine', [], [0.5]],
    ['ScaledTanh', [0.5], []],
  ])('refuses %s without the alpha/beta whose default onnxruntime and ONNX disagree on', (fn, alphas, betas) => {
    const { bytes } = build({ op: 'RNN', seq: 2, batch: 1, input: 2, hidden: 2, activations: [fn], alphas, betas });
    expect(() => importOnnx(bytes)).toThrow(new RegExp(`activation ${fn} without its (alpha|beta)`));
  });
});
