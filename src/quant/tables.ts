// (Q20) Tables: an elementwise function of one int8 tensor x is one 256-entry lookup. A chain of
// such functions is still one function of x: HardSwish as exporters decompose it (Add(x, 3) →
// Clip(0, 6) → Mul(x, ·) → Div(6)), an affine (Mul, Add by constants) after an activation, SiLU
// (x · sigmoid(x)). Each node that reads a chain's output (and nothing but it, x, and one-element
// constants) extends the chain; the table is recomputed in float through the whole chain, by the
// ops' own float reference kernels, and quantized once, at the chain's end.

import type { Node } from '../ir/graph.ts';
import { OP_TRAITS } from '../ir/op-traits.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import { evaluateNode } from '../ref/float/run.ts';
import { codeValues, LUT_SIZE, lutTable } from './lut.ts';
import type { LutStep } from './program.ts';
import type { QuantizerState } from './quantize-graph.ts';

/** How a chain node reads each input: the chain's value so far, x itself, a constant, or nothing. */
type Role = 'value' | 'x' | 'constant' | 'absent';

interface Link {
  node: Node;
  roles: Role[];
}

/** A table step and the float nodes it stands for, from its int8 input x. */
export interface Chain {
  step: LutStep;
  x: string;
  links: Link[];
}

/**
 * Ops that compute each output element from the same element of their inputs (and keep the
 * value's shape when the others are one-element constants): the table ops (their trait), the
 * clamps, and Add and Mul, which have int8 steps of their own for two activations.
 */
const isElementwise = (node: Node): boolean => {
  const form = OP_TRAITS[node.op].int8;
  return form === 'lut' || form === 'clamp' || form === 'add' || form === 'mul';
};

/**
 * The roles of `node`'s inputs when it is an elementwise function of `value` (and maybe of x):
 * every other input a one-element constant of a rank no higher than the value's, so the output
 * keeps its shape. Undefined otherwise.
 */
function rolesOf(s: QuantizerState, node: Node, value: string, x: string): Role[] | undefined {
  if (!isElementwise(node) || node.outputs.filter((o) => o !== '').length !== 1) return undefined;
  const rank = s.rankOf(value);
  const roles = node.inputs.map((name): Role | undefined => {
    if (name === '') return 'absent';
    if (name === value) return 'value';
    if (name === x) return 'x';
    const c = s.constant(name);
    return c && c.data.length === 1 && rank !== undefined && c.shape.length <= rank ? 'constant' : undefined;
  });
  if (!roles.includes('value') || roles.some((r) => r === undefined)) return undefined;
  return roles as Role[];
}

/** The chain's float value at each code of x: its nodes run in order on the 256 code values. */
function chainValues(s: QuantizerState, x: string, links: readonly Link[]): ArrayLike<number> | undefined {
  const codes = tensor('float32', [LUT_SIZE], codeValues(s.int8Info(x)));
  let value: Tensor = codes;
  for (const { node, roles } of links) {
    const inputs = node.inputs.map((name, i) => (roles[i] === 'value' ? value : roles[i] === 'x' ? codes : roles[i] === 'constant' ? s.constant(name) : undefined));
    const [y] = evaluateNode(node, inputs);
    if (!y || y.data.length !== LUT_SIZE || (y.dtype !== 'float32' && y.dtype !== 'float64')) return undefined;
    value = y;
  }
  return value.data;
}

/**
 * A table step for `node`, an elementwise function of one int8 tensor (its other inputs one-element
 * constants). False when it is not one, when its input is float (a QDQ model that quantizes it is
 * obeyed), or when some code maps to NaN (Sqrt of a range with negatives): then it stays float.
 */
export function startTable(s: QuantizerState, node: Node): boolean {
  const x = node.inputs.find((name) => name !== '' && !s.isConstant(name));
  if (x === undefined || (!s.isInt8(x) && !s.options.given)) return false;
  const roles = rolesOf(s, node, x, x);
  if (!roles) return false;
  s.asInt8(x);
  const links = [{ node, roles }];
  const values = chainValues(s, x, links);
  const out = s.qparamsFor(node.outputs[0]!);
  const table = values && lutTable(values, out);
  if (!table) return false;
  const step: LutStep = { op: 'lut', name: node.name, input: `${x}:q`, output: s.markInt8(node.outputs[0]!, out), table };
  s.steps.push(step);
  s.tables.set(node.outputs[0]!, { step, x, links });
  return true;
}

/**
 * Extends the chain whose output `node` reads, when nothing else reads that output and `node` is
 * an elementwise function of it (and of the chain's x, and constants): the table becomes that of
 * the longer chain, at `node`'s output (s, z). No step is added. Not for QDQ models, whose
 * quantization of the chain's inner tensors is obeyed.
 */
export function extendTable(s: QuantizerState, node: Node): boolean {
  if (s.options.given) return false;
  for (const name of new Set(node.inputs)) {
    const chain = s.tables.get(name);
    if (!chain || !s.onlyReader(name, node)) continue;
    const roles = rolesOf(s, node, name, chain.x);
    if (!roles) continue;
    const links = [...chain.links, { node, roles }];
    const values = chainValues(s, chain.x, links);
    const out = s.qparamsFor(node.outputs[0]!);
    const table = values && lutTable(values, out);
    if (!table) continue;
    s.forgetInt8(name);
    s.tables.delete(name);
    chain.step.table = table;
    chain.step.output = s.markInt8(node.outputs[0]!, out);
    s.tables.set(node.outputs[0]!, { ...chain, links });
    return true;
  }
  return false;
}
