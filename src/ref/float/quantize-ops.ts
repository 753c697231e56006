// Float reference kernels of the quantize op family (ir/ops/quantize.ts).

import type { QuantizeAttrs } from '../../ir/ops/quantize.ts';
import { need, type Inputs, type Kernels } from './kernel.ts';
import { convInteger, matmulInteger, qlinearConv, qlinearMatmul, type OutputQuant, type Quantized } from './quantize-integer.ts';
import { dequantizeLinear, dynamicQuantizeLinear, quantizeLinear } from './quantize-linear.ts';
import { dynamicConv, dynamicMatmul } from '../../quant/dynamic.ts';
import { f32, sizeOf, type Tensor } from '../../ir/tensor.ts';

/** The operand of a QLinear op whose integers are input `at`, followed by its scale and zero point. */
const operand = (i: Inputs, at: number): Quantized => ({ q: need(i, at), scale: need(i, at + 1), zero: i[at + 2] });
const output = (i: Inputs, at: number): OutputQuant => ({ scale: need(i, at), zero: need(i, at + 1) });

/** MatMulDynamicInt8's inputs as (D4)'s weights; the codes must be int8 [N, K] with [N] scales and zero points. */
function dynamicProduct(i: Inputs, perRow: boolean): Tensor {
  const x = need(i, 0);
  const codes = need(i, 1);
  const [n, k] = codes.shape as [number, number];
  if (codes.dtype !== 'int8' || codes.shape.length !== 2) throw new RangeError(`MatMulDynamicInt8: weight codes must be int8 [N, K], got ${codes.dtype} [${codes.shape}]`);
  if (x.shape[x.shape.length - 1] !== k) throw new RangeError(`MatMulDynamicInt8: input [${x.shape}] does not end in K = ${k}`);
  const column = (t: Tensor | undefined, what: string) => {
    if (t && sizeOf(t.shape) !== n) throw new RangeError(`MatMulDynamicInt8: ${what} has ${sizeOf(t.shape)} values, not N = ${n}`);
    return t;
  };
  const scale = Float32Array.from(column(need(i, 2), 'the weight scale')!.data);
  const zeroPoint = Int32Array.from(column(need(i, 3), 'the weight zero point')!.data);
  const bias = column(i[4], 'the bias');
  const rows = sizeOf(x.shape) / k;
  const y = dynamicMatmul(Float32Array.from(x.data), rows, { codes: Int8Array.from(codes.data), n, k, scale, zeroPoint }, bias && Float32Array.from(bias.data), perRow);
  return f32([...x.shape.slice(0, -1), n], y);
}

export const quantizeKernels: Kernels<keyof QuantizeAttrs> = {
  QuantizeLinear: (i, a) => [quantizeLinear(need(i, 0), need(i, 1), i[2], a)],
  DequantizeLinear: (i, a) => [dequantizeLinear(need(i, 0), need(i, 1), i[2], a)],
  DynamicQuantizeLinear: (i) => dynamicQuantizeLinear(need(i, 0)),
  MatMulInteger: (i) => [matmulInteger(need(i, 0), need(i, 1), i[2], i[3])],
  QLinearMatMul: (i) => [qlinearMatmul(operand(i, 0), operand(i, 3), output(i, 6))],
  ConvInteger: (i, a) => [convInteger(need(i, 0), need(i, 1), i[2], i[3], a)],
  QLinearConv: (i, a) => [qlinearConv(operand(i, 0), operand(i, 3), output(i, 6), i[8], a)],
  MatMulDynamicInt8: (i, a) => [dynamicProduct(i, a.perRow)],
  ConvDynamicInt8: (i, a) => {
    const x = need(i, 0);
    const codes = need(i, 1);
    if (codes.dtype !== 'int8' || codes.shape.length !== 4 || x.shape.length !== 4 || a.group !== 1) {
      throw new RangeError(`ConvDynamicInt8: a 2-D, group-1 convolution of int8 codes [N, C, kh, kw] (got ${codes.dtype} [${codes.shape}] over [${x.shape}], group ${a.group})`);
    }
    const w = { codes: Int8Array.from(codes.data), shape: codes.shape, scale: Float32Array.from(need(i, 2).data), zeroPoint: Int32Array.from(need(i, 3).data) };
    const y = dynamicConv(Float32Array.from(x.data), x.shape, w, i[4] && Float32Array.from(i[4].data), a);
    return [f32(y.shape, y.data)];
  },
};
