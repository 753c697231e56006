// What the ONNX conformance data does not reach in the quantize family: opset 21's blocked
// quantization, int8 ties and saturation, zero points per row / column / output channel, an
// integer conv of one spatial axis with groups and strides, and the types refused by name.

import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import { inferShapes } from '../../src/ir/shapes.ts';
import { f32, tensor } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxModelSpec } from '../helpers/onnx-encode.ts';

const ints = (dataType: number, dims: number[], int32Data: number[]) => ({ dims, dataType, int32Data });
const floats = (dims: number[], floatData: number[]) => ({ dims, dataType: OnnxDataType.FLOAT, floatData });

function model(opset: number, op: string, inputs: OnnxModelSpec['inputs'], initializers: Record<string, object>, attrs: Record<string, number | number[]> = {}): OnnxModelSpec {
  return {
    opset,
    inputs,
    outputs: [{ name: 'y' }],
    initializers,
    nodes: [{ op, inputs: [...inputs.map((i) => i.name), ...Object.keys(initializers)], outputs: ['y'], attrs }],
  };
}

describe('quantize ops', () => {
  it('QuantizeLinear at opset 21 scales per block along the axis, ties to even, saturating int8', () => {
    const spec = model(21, 'QuantizeLinear', [{ name: 'x', shape: [2, 4] }], {
      scale: floats([2, 2], [1, 1, 1, 0.5]),
      zero: ints(OnnxDataType.INT8, [2, 2], [0, 0, 0, 1]),
    }, { axis: 1, block_size: 2 });
    const y = runFloat(importOnnx(encodeOnnx(spec)), { x: f32([2, 4], [0.5, -0.5, 3.5, 1000, -2.5, 1.5, 0.25, -1000]) }).y!;
    expect(y.dtype).toBe('int8');
    expect(Array.from(y.data)).toEqual([0, 0, 4, 127, -2, 2, 1, -128]);
  });

  it('MatMulInteger subtracts a zero point per row of A and per column of B', () => {
    const spec = model(10, 'MatMulInteger', [{ name: 'a', shape: [2, 2], elemType: OnnxDataType.UINT8 }], {
      b: ints(OnnxDataType.UINT8, [2, 2], [1, 2, 3, 4]),
      aZero: ints(OnnxDataType.UINT8, [2], [1, 2]),
      bZero: ints(OnnxDataType.UINT8, [2], [1, 0]),
    });
    const y = runFloat(importOnnx(encodeOnnx(spec)), { a: tensor('uint8', [2, 2], [3, 4, 5, 6]) }).y!;
    expect(y.dtype).toBe('int32');
    expect(Array.from(y.data)).toEqual([6, 16, 8, 22]);
  });

  it('ConvInteger takes one spatial axis, groups, strides and a zero point per output channel', () => {
    const spec = model(10, 'ConvInteger', [{ name: 'x', shape: [1, 2, 5], elemType: OnnxDataType.UINT8 }], {
      w: ints(OnnxDataType.UINT8, [2, 1, 2], [1, 2, 3, 3]),
      xZero: ints(OnnxDataType.UINT8, [], [1]),
      wZero: ints(OnnxDataType.UINT8, [2], [1, 2]),
    }, { group: 2, strides: [2] });
    const g = importOnnx(encodeOnnx(spec));
    const y = runFloat(g, { x: tensor('uint8', [1, 2, 5], [1, 2, 3, 4, 5, 5, 4, 3, 2, 1]) }).y!;
    expect(y.dtype).toBe('int32');
    expect(y.shape).toEqual([1, 2, 2]);
    expect(Array.from(y.data)).toEqual([1, 3, 7, 3]);
    expect(inferShapes(g).get('y')).toEqual([1, 2, 2]);
  });

  it.each([
    ['int16 quantized values', model(21, 'QuantizeLinear', [{ name: 'x', shape: [2] }], { scale: floats([], [1]) }, { output_dtype: OnnxDataType.INT16 })],
    ['int16 quantized values', model(13, 'QuantizeLinear', [{ name: 'x', shape: [2] }], { scale: floats([], [1]), zero: ints(OnnxDataType.INT16, [], [0]) })],
  ])('refuses %s by name', (reason, spec) => {
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(UnsupportedOpError);
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(reason);
  });
});
