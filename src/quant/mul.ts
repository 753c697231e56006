// (Q21) Mul of two int8 activations (squeeze-excite blocks: x · sigmoid(…)). x · c and x · f(x)
// of a table on x (SiLU) are functions of x: tables (Q20, tables.ts).

import type { NodeOf } from '../ir/graph.ts';
import { quantizeMultiplier } from './fixed-point.ts';
import type { QuantizerState } from './quantize-graph.ts';
import { startTable } from './tables.ts';

/**
 * The largest exponent a mul step's multiplier may have: |(q_a − z_a)(q_b − z_b)| ≤ 255² < 2^16,
 * so a left shift of 15 stays below 2^31 (a larger one would wrap). A product requantized by
 * 2^15 or more saturates almost everywhere anyway; such a Mul stays float.
 */
export const MUL_MAX_EXPONENT = 15;

export function mulStep(s: QuantizerState, node: NodeOf<'Mul'>): boolean {
  const [a, b] = node.inputs as [string, string];
  if (s.isConstant(a) || s.isConstant(b)) return startTable(s, node);
  // The (s, z) each input has, or will have once quantized: checked before any step is added.
  const qa = s.isInt8(a) ? s.int8Info(a) : s.qparamsFor(a);
  const qb = s.isInt8(b) ? s.int8Info(b) : s.qparamsFor(b);
  const out = s.qparamsFor(node.outputs[0]!);
  const real = (qa.scale * qb.scale) / out.scale;
  // M ≥ 2^15 has exponent 16 or more (quantizeMultiplier refuses 2^16 outright): float instead.
  if (real >= 2 ** MUL_MAX_EXPONENT) return false;
  const multiplier = quantizeMultiplier(real);
  const inputs: [string, string] = [s.asInt8(a), s.asInt8(b)];
  s.steps.push({ op: 'mul', name: node.name, inputs, output: s.markInt8(node.outputs[0]!, out), zeroPoints: [qa.zeroPoint, qb.zeroPoint], multiplier, zeroPoint: out.zeroPoint, lo: -128, hi: 127 });
  return true;
}
