// The elementwise family on what ONNX's conformance cases (opsets up to 17) leave out: Gelu and
// Mish (opsets 20 and 18), the Bitwise ops (18), casts to the integer types and float16's edge
// values, Cast-1's string `to`, integer Mod by zero, and the uses the importer refuses by name.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { f32, tensor, type Tensor } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxNodeSpec } from '../helpers/onnx-encode.ts';

interface Input {
  name: string;
  value: Tensor;
  elemType?: number;
}

/** One node over the given inputs; its output is y. */
function model(opset: number, inputs: Input[], n: Omit<OnnxNodeSpec, 'outputs'>): Uint8Array {
  return encodeOnnx({
    opset,
    inputs: inputs.map((i) => ({ name: i.name, shape: i.value.shape, elemType: i.elemType })),
    outputs: [{ name: 'y' }],
    nodes: [{ ...n, outputs: ['y'] }],
  });
}

function run(opset: number, inputs: Input[], n: Omit<OnnxNodeSpec, 'outputs'>): Tensor {
  const feeds = Object.fromEntries(inputs.map((i) => [i.name, i.value]));
  return runFloat(importOnnx(model(opset, inputs, n)), feeds).y!;
}

const int64 = (name: string, data: number[]): Input => ({ name, value: tensor('int64', [data.length], data), elemType: OnnxDataType.INT64 });

describe('Gelu and Mish', () => {
  const x = f32([8], [-4, -1.5, -0.5, -0.01, 0, 0.3, 1.2, 3.5]);

  async function ortY(bytes: Uint8Array): Promise<number[]> {
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const out = await session.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
    return Array.from(out.y!.data as Float32Array);
  }

  for (const [op, opset, attrs] of [['Gelu', 20, {}], ['Gelu', 20, { approximate: 'tanh' }], ['Mish', 18, {}]] as const) {
    it(`${op} ${JSON.stringify(attrs)} gives onnxruntime's values`, async () => {
      const bytes = model(opset, [{ name: 'x', value: x }], { op, inputs: ['x'], attrs });
      const want = await ortY(bytes);
      const got = Array.from(runFloat(importOnnx(bytes), { x }).y!.data);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    });
  }

  it('refuses an approximation it does not know', () => {
    expect(() => importOnnx(model(20, [{ name: 'x', value: x }], { op: 'Gelu', inputs: ['x'], attrs: { approximate: 'fast' } }))).toThrow('unsupported op: Gelu (node "Gelu_0", opset 20): approximate "fast"');
  });
});

describe('Bitwise ops', () => {
  // Past 32 bits, and negative: int64 is two's complement at 64 bits.
  const a = int64('a', [5, -1, 2 ** 40 + 6, -(2 ** 35)]);
  const b = int64('b', [3, 2 ** 40, 2 ** 40 + 3, 7]);

  it.each([
    ['BitwiseAnd', [1, 2 ** 40, 2 ** 40 + 2, 0]],
    ['BitwiseOr', [7, -1, 2 ** 40 + 7, -(2 ** 35) + 7]],
    ['BitwiseXor', [6, -1 - 2 ** 40, 5, -(2 ** 35) + 7]],
  ])('%s on int64', (op, want) => {
    const y = run(18, [a, b], { op, inputs: ['a', 'b'] });
    expect(y.dtype).toBe('int64');
    expect(Array.from(y.data)).toEqual(want);
  });

  it('BitwiseNot on int64 and uint8', () => {
    expect(Array.from(run(18, [a], { op: 'BitwiseNot', inputs: ['a'] }).data)).toEqual([-6, 0, -(2 ** 40) - 7, 2 ** 35 - 1]);
    const u = { name: 'u', value: tensor('uint8', [3], [0, 5, 255]), elemType: OnnxDataType.UINT8 };
    expect(Array.from(run(18, [u], { op: 'BitwiseNot', inputs: ['u'] }).data)).toEqual([255, 250, 0]);
  });
});

describe('BitShift', () => {
  it('wraps a uint8 left shift at 8 bits', () => {
    const x = { name: 'x', value: tensor('uint8', [3], [200, 3, 255]), elemType: OnnxDataType.UINT8 };
    const s = { name: 's', value: tensor('uint8', [3], [1, 2, 7]), elemType: OnnxDataType.UINT8 };
    expect(Array.from(run(11, [x, s], { op: 'BitShift', inputs: ['x', 's'], attrs: { direction: 'LEFT' } }).data)).toEqual([144, 12, 128]);
  });

  it('refuses a missing direction', () => {
    const x = int64('x', [1]);
    expect(() => importOnnx(model(11, [x, x], { op: 'BitShift', inputs: ['x', 'x'] }))).toThrow('unsupported op: BitShift (node "BitShift_0", opset 11): direction ""');
  });
});

describe('Cast', () => {
  const cast = (x: Input, to: number | string, opset = 13): Tensor => run(opset, [x], { op: 'Cast', inputs: [x.name], attrs: { to } });
  const floats = { name: 'x', value: f32([6], [2.7, -1.5, -0.4, 0, -0, NaN]) };

  it('truncates floats toward zero; any non-zero, NaN included, is true', () => {
    expect(Array.from(cast({ ...floats, value: f32([4], [2.7, -1.5, -0.4, 300.9]) }, OnnxDataType.INT32).data)).toEqual([2, -1, 0, 300]);
    const y = cast(floats, OnnxDataType.BOOL);
    expect(y.dtype).toBe('bool');
    expect(Array.from(y.data)).toEqual([1, 1, 1, 0, 0, 1]);
  });

  it('wraps integers at the width of int16 and uint16 (held in int32)', () => {
    const x = { name: 'x', value: tensor('int32', [4], [40000, -1, 65536 + 7, -32769]), elemType: OnnxDataType.INT32 };
    expect(Array.from(cast(x, OnnxDataType.INT16).data)).toEqual([40000 - 65536, -1, 7, 32767]);
    expect(Array.from(cast(x, OnnxDataType.UINT16).data)).toEqual([40000, 65535, 7, 32767]);
    expect(Array.from(cast(x, OnnxDataType.UINT32).data)).toEqual([40000, 2 ** 32 - 1, 65536 + 7, 2 ** 32 - 32769]);
  });

  it('rounds to float16: ties to even, subnormals in steps of 2^-24, ∞ from 65520', () => {
    const x = { name: 'x', value: tensor('float64', [8], [1 + 2 ** -11, 1 + 3 * 2 ** -11, 2 ** -25, 3 * 2 ** -25, 65519, 65520, -70000, 2 ** -14 + 2 ** -25]), elemType: OnnxDataType.DOUBLE };
    expect(Array.from(cast(x, OnnxDataType.FLOAT16).data)).toEqual([1, 1 + 2 ** -9, 0, 2 ** -23, 65504, Infinity, -Infinity, 2 ** -14]);
  });

  it('takes the type by name before opset 6', () => {
    const y = cast(floats, 'INT8', 5);
    expect(y.dtype).toBe('int8');
    expect(Array.from(y.data)).toEqual([2, -1, 0, 0, 0, 0]);
  });

  it('refuses a type it cannot hold', () => {
    expect(() => importOnnx(model(13, [floats], { op: 'Cast', inputs: ['x'], attrs: { to: OnnxDataType.STRING } }))).toThrow('unsupported op: Cast (node "Cast_0", opset 13): a cast to ONNX data type 8');
  });
});

it('integer Mod by zero gives 0, as numpy does', () => {
  const y = run(13, [int64('a', [7, -7, 5]), int64('b', [0, 0, -3])], { op: 'Mod', inputs: ['a', 'b'] });
  expect(Array.from(y.data)).toEqual([0, 0, -1]);
});
