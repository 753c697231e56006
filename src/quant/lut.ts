// (Q20) Elementwise float functions of one int8 tensor as 256-entry tables. An int8 input takes
// 256 values, so y = f(x) is, in int8, nothing but a lookup: table[q + 128] is f at the value q
// stands for, quantized to the output's (s, z). The table is computed once, here, by the op's own
// float reference kernel, so every op with one is exact on the GPU by construction (the kernel
// only looks values up), and adding an op needs no int8 code.

import type { Node } from '../ir/graph.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import { evaluateNode } from '../ref/float/run.ts';
import { dequantizeValue, quantizeValue, type QParams } from './qparams.ts';

export const LUT_SIZE = 256;

/** The float value each int8 code stands for under (s, z), in code order −128 … 127. */
export function codeValues(input: QParams): Float32Array {
  return Float32Array.from({ length: LUT_SIZE }, (_, i) => dequantizeValue(i - 128, input));
}

/**
 * f at each input code, by the float reference: `node` with its data input replaced by the 256
 * code values. Other inputs must be scalar constants (they broadcast over the codes unchanged).
 * Undefined when an input is not such a constant or the op's output is not one float per code.
 */
export function codeOutputs(node: Node, input: QParams, constant: (name: string) => Tensor | undefined): Float64Array | undefined {
  const rest = node.inputs.slice(1).map((name) => (name === '' ? undefined : constant(name)));
  if (node.inputs.slice(1).some((name, i) => name !== '' && rest[i]?.data.length !== 1)) return undefined;
  const [y] = evaluateNode(node, [tensor('float32', [LUT_SIZE], codeValues(input)), ...rest]);
  if (!y || y.data.length !== LUT_SIZE || (y.dtype !== 'float32' && y.dtype !== 'float64')) return undefined;
  return Float64Array.from(y.data);
}

/**
 * (Q20) The table of y = g(x) quantized to `output`. Undefined when g is NaN at some code (e.g.
 * Sqrt of a negative value the input's range includes): no int8 value stands for NaN, so such an
 * op stays in float, where it produces what the float model does.
 */
export function lutTable(values: ArrayLike<number>, output: QParams): Int8Array | undefined {
  const table = new Int8Array(LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) return undefined;
    table[i] = quantizeValue(v, output);
  }
  return table;
}
