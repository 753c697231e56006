// What the ONNX conformance data does not reach in the indexing family: opset 18 forms (Split's
// num_outputs, max/min scatter reductions), shapes that data decides, and refused or malformed uses.

import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedOpError } from '../../src/errors.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import { parseEinsum } from '../../src/import/onnx-indexing.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { inferShapes } from '../../src/ir/shapes.ts';
import { f32 } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxModelSpec } from '../helpers/onnx-encode.ts';

/** An int64 initializer; a string for a value past 2^53. */
const int64s = (values: (number | string)[]) => ({ dims: [values.length], dataType: OnnxDataType.INT64, int64Data: values });

describe('indexing ops', () => {
  it('splits into num_outputs parts of ceil(len / n) at opset 18, the last one smaller, and infers those shapes', () => {
    const spec: OnnxModelSpec = {
      opset: 18,
      inputs: [{ name: 'x', shape: [7] }],
      outputs: [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
      nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b', 'c'], attrs: { num_outputs: 3 } }],
    };
    const g = importOnnx(encodeOnnx(spec));
    const out = runFloat(g, { x: f32([7], [0, 1, 2, 3, 4, 5, 6]) });
    expect([out.a!, out.b!, out.c!].map((t) => Array.from(t.data))).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    const shapes = inferShapes(g);
    expect(['a', 'b', 'c'].map((n) => shapes.get(n))).toEqual([[3], [3], [1]]);
  });

  it('refuses a Split whose num_outputs is not its output count', () => {
    const spec: OnnxModelSpec = {
      opset: 18,
      inputs: [{ name: 'x', shape: [6] }],
      outputs: [{ name: 'a' }, { name: 'b' }],
      nodes: [{ op: 'Split', inputs: ['x'], outputs: ['a', 'b'], attrs: { num_outputs: 3 } }],
    };
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(ModelFormatError);
  });

  it.each([
    ['max', [1, 5, 3]],
    ['min', [1, -2, 3]],
  ])('ScatterElements and ScatterND reduce duplicate indices with %s (opset 18)', (reduction, expected) => {
    const scatter = (op: string, indices: object): OnnxModelSpec => ({
      opset: 18,
      inputs: [{ name: 'x', shape: [3] }, { name: 'u', shape: [2] }],
      outputs: [{ name: 'y' }],
      initializers: { i: indices },
      nodes: [{ op, inputs: ['x', 'i', 'u'], outputs: ['y'], attrs: { reduction } }],
    });
    const feeds = { x: f32([3], [1, 2, 3]), u: f32([2], [5, -2]) };
    const elements = runFloat(importOnnx(encodeOnnx(scatter('ScatterElements', int64s([1, 1])))), feeds).y!;
    const nd = runFloat(importOnnx(encodeOnnx(scatter('ScatterND', { ...int64s([1, 1]), dims: [2, 1] }))), feeds).y!;
    expect(Array.from(elements.data)).toEqual(expected);
    expect(Array.from(nd.data)).toEqual(expected);
  });

  it('leaves the dims that data decides unknown when the data is not a constant', () => {
    const spec: OnnxModelSpec = {
      inputs: [
        { name: 'x', shape: ['N', 4] },
        { name: 'starts', shape: [1], elemType: OnnxDataType.INT64 },
        { name: 'n', shape: [], elemType: OnnxDataType.INT64 },
      ],
      outputs: [{ name: 'nz' }, { name: 's' }, { name: 'r' }, { name: 'all' }, { name: 'rest' }],
      initializers: {
        ends: int64s([3]),
        axes: int64s([1]),
        zero: { dims: [], dataType: OnnxDataType.INT64, int64Data: [0] },
        one: { dims: [], dataType: OnnxDataType.INT64, int64Data: [1] },
        zeros: int64s([0]),
        ones: int64s([1]),
        max: int64s(['9223372036854775807']),
      },
      nodes: [
        { op: 'NonZero', inputs: ['x'], outputs: ['nz'] },
        { op: 'Slice', inputs: ['x', 'starts', 'ends', 'axes'], outputs: ['s'] },
        { op: 'Range', inputs: ['zero', 'n', 'one'], outputs: ['r'] },
        // From 0 to the int64 maximum keeps a symbolic dim as it is; from 1 it does not.
        { op: 'Slice', inputs: ['x', 'zeros', 'max'], outputs: ['all'] },
        { op: 'Slice', inputs: ['x', 'ones', 'max'], outputs: ['rest'] },
      ],
    };
    const shapes = inferShapes(importOnnx(encodeOnnx(spec)));
    expect(['nz', 's', 'r', 'all', 'rest'].map((n) => shapes.get(n))).toEqual([[2, '?'], ['N', '?'], ['?'], ['N', 4], ['?', 4]]);
  });

  it("refuses Tile's opset < 6 form by name", () => {
    const spec: OnnxModelSpec = {
      opset: 5,
      inputs: [{ name: 'x', shape: [2] }],
      outputs: [{ name: 'y' }],
      initializers: { tiles: int64s([2]), axis: int64s([0]) },
      nodes: [{ op: 'Tile', inputs: ['x', 'tiles', 'axis'], outputs: ['y'], name: 't' }],
    };
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(UnsupportedOpError);
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(/Tile \(node "t", opset 5\): the opset < 6 form/);
  });

  it("spells out Einsum's implicit output (ellipsis first, then the letters used once) and refuses a malformed equation", () => {
    expect(parseEinsum('...ij, ...jk')).toEqual({ operands: ['.ij', '.jk'], output: '.ik' });
    expect(parseEinsum('ba')).toEqual({ operands: ['ba'], output: 'ab' });
    expect(() => parseEinsum('ij->j->i')).toThrow(ModelFormatError);
    expect(() => parseEinsum('i1,i')).toThrow(ModelFormatError);
  });

  it('runs an implicit-output Einsum with broadcast ellipsis axes', () => {
    const spec: OnnxModelSpec = {
      opset: 12,
      inputs: [{ name: 'a', shape: [2, 1, 2] }, { name: 'b', shape: [2, 1] }],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'Einsum', inputs: ['a', 'b'], outputs: ['y'], attrs: { equation: '...ij,jk' } }],
    };
    const g = importOnnx(encodeOnnx(spec));
    const y = runFloat(g, { a: f32([2, 1, 2], [1, 2, 3, 4]), b: f32([2, 1], [10, 100]) }).y!;
    expect(y.shape).toEqual([2, 1, 1]);
    expect(Array.from(y.data)).toEqual([210, 430]);
    expect(inferShapes(g).get('y')).toEqual([2, 1, 1]);
  });
});
