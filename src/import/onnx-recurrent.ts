// ONNX converters of the recurrent op family (ir/ops/recurrent.ts).
// Every opset's form is the same computation (opset 1's output_sequence only said whether Y was
// wanted, which the node's outputs already say; GRU-1 lacked linear_before_reset, whose default
// is GRU-1's behaviour). Opset 14's layout=1 (batch-major) becomes transposes around the
// seq-major op, so kernels see one form.

import { ModelFormatError } from '../errors.ts';
import type { AttrsByOp, Node } from '../ir/graph.ts';
import {
  RECURRENT_ACTIVATIONS,
  type RecurrentActivation,
  type RecurrentActivationName,
  type RecurrentAttrs,
  type RecurrentCommon,
  type RecurrentDirection,
} from '../ir/ops/recurrent.ts';
import { node, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';

const text = new TextDecoder();

/**
 * Defaults of alpha / beta for the activations that take them, where ONNX (the op of the same
 * name) and onnxruntime agree. null: onnxruntime takes 0 where ONNX's op says 1 (Affine alpha,
 * ThresholdedRelu alpha) or gives none (ScaledTanh), so a model that leaves it out is refused.
 */
const ALPHA: Partial<Record<RecurrentActivationName, number | null>> = { Affine: null, LeakyRelu: 0.01, ThresholdedRelu: null, ScaledTanh: null, HardSigmoid: 0.2, Elu: 1 };
const BETA: Partial<Record<RecurrentActivationName, number | null>> = { Affine: 0, ScaledTanh: null, HardSigmoid: 0.5 };

/** The next of `given` for an activation that takes this parameter, its default if none is left, 0 if it takes none. */
function parameter(fn: RecurrentActivationName, given: number[], defaults: typeof ALPHA, what: string): number {
  const fallback = defaults[fn];
  if (fallback === undefined) return 0;
  const v = given.shift() ?? fallback;
  if (v === null) throw new UnsupportedUse(`activation ${fn} without its ${what} (ONNX's and onnxruntime's defaults differ)`);
  return v;
}

function activationName(name: string): RecurrentActivationName {
  // onnxruntime matches names case-insensitively; models written for it may rely on that.
  const found = RECURRENT_ACTIVATIONS.find((a) => a.toLowerCase() === name.toLowerCase());
  if (!found) throw new UnsupportedUse(`activation "${name}"`);
  return found;
}

function direction(c: ConvertContext): RecurrentDirection {
  const d = c.attrs.string('direction', 'forward');
  if (d === 'forward' || d === 'reverse' || d === 'bidirectional') return d;
  throw new ModelFormatError(`node "${c.name}": direction "${d}" is not forward, reverse or bidirectional`);
}

/**
 * Each direction's activations, alpha and beta taken in list order by the functions that use
 * them (the lists run across both directions), ONNX's defaults where a list runs out.
 */
function activations(c: ConvertContext, defaults: RecurrentActivationName[], dirs: number): RecurrentActivation[][] {
  const given = c.proto.attribute.find((a) => a.name === 'activations')?.strings.map((s) => activationName(text.decode(s)));
  const names = given ?? Array.from({ length: dirs }, () => defaults).flat();
  if (names.length !== defaults.length * dirs) {
    throw new ModelFormatError(`node "${c.name}": ${names.length} activations, expected ${defaults.length * dirs} (${defaults.length} per direction)`);
  }
  const alphas = [...(c.attrs.floats('activation_alpha') ?? [])];
  const betas = [...(c.attrs.floats('activation_beta') ?? [])];
  const resolved = names.map((fn) => ({ fn, alpha: parameter(fn, alphas, ALPHA, 'alpha'), beta: parameter(fn, betas, BETA, 'beta') }));
  return Array.from({ length: dirs }, (_, d) => resolved.slice(d * defaults.length, (d + 1) * defaults.length));
}

function common(c: ConvertContext, defaults: RecurrentActivationName[]): RecurrentCommon {
  const dir = direction(c);
  return {
    hiddenSize: c.attrs.has('hidden_size') ? c.attrs.int('hidden_size', 0) : null,
    direction: dir,
    activations: activations(c, defaults, dir === 'bidirectional' ? 2 : 1),
    clip: c.attrs.has('clip') ? c.attrs.float('clip', 0) : null,
  };
}

/** Inputs that carry a batch axis: X (0) and the initial states initial_h (5), initial_c (6). */
const BATCH_INPUTS: Record<number, number[]> = { 0: [1, 0, 2], 5: [1, 0, 2], 6: [1, 0, 2] };
/** Y [seq, dirs, batch, H] → [batch, seq, dirs, H]; Y_h, Y_c [dirs, batch, H] → [batch, dirs, H]. */
const BATCH_OUTPUTS = [
  [2, 0, 1, 3],
  [1, 0, 2],
  [1, 0, 2],
];

const transpose = (name: string, input: string, output: string, perm: number[]): Node => ({
  op: 'Transpose',
  name,
  inputs: [input],
  outputs: [output],
  attrs: { perm },
});

function recurrent<Op extends keyof RecurrentAttrs>(c: ConvertContext, op: Op, attrs: AttrsByOp[Op]): Node[] {
  const layout = c.opset >= 14 ? c.attrs.int('layout', 0) : 0;
  if (layout === 0) return node(c, op, attrs);
  if (layout !== 1) throw new ModelFormatError(`node "${c.name}": layout ${layout} is not 0 or 1`);
  const before: Node[] = [];
  const inputs = c.proto.input.map((name, i) => {
    const perm = BATCH_INPUTS[i];
    if (!perm || name === '') return name;
    const seqMajor = `${c.name}/seq_major_input_${i}`;
    before.push(transpose(`${seqMajor}/transpose`, name, seqMajor, perm));
    return seqMajor;
  });
  const after: Node[] = [];
  const outputs = c.proto.output.map((name, i) => {
    if (name === '') return name;
    const seqMajor = `${c.name}/seq_major_output_${i}`;
    after.push(transpose(`${seqMajor}/transpose`, seqMajor, name, BATCH_OUTPUTS[i]!));
    return seqMajor;
  });
  return [...before, ...node(c, op, attrs, inputs, outputs), ...after];
}

export const recurrentConverters: Record<string, Converter> = {
  LSTM: (c) => recurrent(c, 'LSTM', { ...common(c, ['Sigmoid', 'Tanh', 'Tanh']), inputForget: c.attrs.int('input_forget', 0) !== 0 }),
  GRU: (c) => recurrent(c, 'GRU', { ...common(c, ['Sigmoid', 'Tanh']), linearBeforeReset: c.attrs.int('linear_before_reset', 0) !== 0 }),
  RNN: (c) => recurrent(c, 'RNN', common(c, ['Tanh'])),
};
