// Float reference kernels of the quantize op family (ir/ops/quantize.ts).

import type { QuantizeAttrs } from '../../ir/ops/quantize.ts';
import { need, type Inputs, type Kernels } from './kernel.ts';
import { convInteger, matmulInteger, qlinearConv, qlinearMatmul, type OutputQuant, type Quantized } from './quantize-integer.ts';
import { dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from './quantize-linear.ts';

/** The operand of a QLinear op whose integers are input `at`, followed by its scale and zero point. */
const operand = (i: Inputs, at: number): Quantized => ({ q: need(i, at), scale: need(i, at + 1), zero: i[at + 2] });
const output = (i: Inputs, at: number): OutputQuant => ({ scale: need(i, at), zero: need(i, at + 1) });

export const quantizeKernels: Kernels<keyof QuantizeAttrs> = {
  QuantizeLinear: (i, a) => [quantizeLinear(need(i, 0), need(i, 1), i[2], a)],
  DequantizeLinear: (i, a) => [dequantizeLinear(need(i, 0), need(i, 1), i[2], a)],
  DynamicQuantizeLinear: (i) => dynamicQuantizeLinear(need(i, 0)),
  MatMulInteger: (i) => [matmulInteger(need(i, 0), need(i, 1), i[2], i[3])],
  QLinearMatMul: (i) => [qlinearMatmul(operand(i, 0), operand(i, 3), output(i, 6))],
  ConvInteger: (i, a) => [convInteger(need(i, 0), need(i, 1), i[2], i[3], a)],
  QLinearConv: (i, a) => [qlinearConv(operand(i, 0), operand(i, 3), output(i, 6), i[8], a)],
};
