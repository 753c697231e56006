// (Q20) Elementwise float functions of one int8 tensor as 256-entry tables. An int8 input takes
// 256 values, so y = f(x) is, in int8, nothing but a lookup: table[q + 128] is f at the value q
// stands for, quantized to the output's (s, z). The table is computed once, at quantization time,
// by the op's own float reference kernel (tables.ts), so every op with one is exact on the GPU by
// construction (the kernel only looks values up), and adding an op needs no int8 code.

import { dequantizeValue, quantizeValue, type QParams } from './qparams.ts';

export const LUT_SIZE = 256;

/** The float value each int8 code stands for under (s, z), in code order −128 … 127. */
export function codeValues(input: QParams): Float32Array {
  return Float32Array.from({ length: LUT_SIZE }, (_, i) => dequantizeValue(i - 128, input));
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
