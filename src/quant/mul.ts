// (Q21) Mul of two int8 activations (squeeze-excite blocks: x · sigmoid(…)), and (Q20) the
// x · f(x) form (SiLU, x · sigmoid(x)), which is one function of x: a table.

import type { Node, NodeOf } from '../ir/graph.ts';
import { OP_TRAITS } from '../ir/op-traits.ts';
import { quantizeMultiplier } from './fixed-point.ts';
import { codeOutputs, codeValues, lutTable } from './lut.ts';
import type { LutStep } from './program.ts';
import type { QuantizerState } from './quantize-graph.ts';

/**
 * The largest exponent a mul step's multiplier may have: |(q_a − z_a)(q_b − z_b)| ≤ 255² < 2^16,
 * so a left shift of 15 stays below 2^31 (a larger one would wrap). A product requantized by
 * 2^15 or more saturates almost everywhere anyway; such a Mul stays float.
 */
export const MUL_MAX_EXPONENT = 15;

export function mulStep(s: QuantizerState, node: NodeOf<'Mul'>): boolean {
  const [a, b] = node.inputs as [string, string];
  if (s.isConstant(a) || s.isConstant(b)) return false;
  if (foldIntoTable(s, node, a, b) || foldIntoTable(s, node, b, a)) return true;
  const inputs: [string, string] = [s.asInt8(a), s.asInt8(b)];
  const qa = s.int8Info(a);
  const qb = s.int8Info(b);
  const out = s.qparamsFor(node.outputs[0]!);
  const multiplier = quantizeMultiplier((qa.scale * qb.scale) / out.scale);
  if (multiplier.exponent > MUL_MAX_EXPONENT) return false;
  s.steps.push({ op: 'mul', name: node.name, inputs, output: s.markInt8(node.outputs[0]!, out), zeroPoints: [qa.zeroPoint, qb.zeroPoint], multiplier, zeroPoint: out.zeroPoint, lo: -128, hi: 127 });
  return true;
}

/**
 * x · f(x), where f(x) is a table step on x that only this Mul reads: the table becomes the one
 * of x · f(x) at the Mul's output (s, z), and the Mul adds no step. False when the pattern is
 * not there (or f was already folded with a clamp, whose node is then no table op).
 */
function foldIntoTable(s: QuantizerState, mul: Node, x: string, fx: string): boolean {
  const step = s.steps.find((t): t is LutStep => t.op === 'lut' && t.output === `${fx}:q` && t.input === `${x}:q`);
  const f = s.graph.nodes.find((n) => n.outputs[0] === fx);
  if (!step || !f || OP_TRAITS[f.op].int8 !== 'lut' || !s.onlyReader(fx, mul)) return false;
  const qx = s.int8Info(x);
  const values = codeOutputs(f, qx, s.constant);
  const out = s.qparamsFor(mul.outputs[0]!);
  const xs = codeValues(qx);
  const table = values && lutTable(values.map((v, i) => xs[i]! * v), out);
  if (!table) return false;
  s.forgetInt8(fx);
  step.table = table;
  step.name = `${step.name}*${mul.name}`;
  step.output = s.markInt8(mul.outputs[0]!, out);
  return true;
}
