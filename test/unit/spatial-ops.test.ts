// What the ONNX conformance data does not reach in the spatial family: Resize's opset 18 axes
// and keep_aspect_ratio_policy, LpPool, a 1-D Conv whose weights are computed, and refused uses.

import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { inferShapes } from '../../src/ir/shapes.ts';
import { f32 } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxModelSpec } from '../helpers/onnx-encode.ts';

const single = (opset: number, op: string, inputs: { name: string; shape: number[] }[], attrs: OnnxModelSpec['nodes'][number]['attrs'], initializers: OnnxModelSpec['initializers'] = {}): OnnxModelSpec => ({
  opset,
  inputs,
  outputs: [{ name: 'y' }],
  initializers,
  nodes: [{ op, inputs: [...inputs.map((i) => i.name), ...Object.keys(initializers)], outputs: ['y'], attrs }],
});

describe('spatial ops', () => {
  it.each([
    ['not_larger', [1, 1, 3, 6], [1, 1, 2, 3, 3, 4, 1, 1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8]],
    ['stretch', [1, 1, 6, 6], undefined],
  ])('Resize at opset 18 takes sizes for the listed axes with keep_aspect_ratio_policy %s', (policy, shape, values) => {
    const spec: OnnxModelSpec = {
      opset: 18,
      inputs: [{ name: 'x', shape: [1, 1, 2, 4] }],
      outputs: [{ name: 'y' }],
      initializers: { sizes: { dims: [2], dataType: 7, int64Data: [6, 6] } },
      nodes: [{
        op: 'Resize',
        inputs: ['x', '', '', 'sizes'],
        outputs: ['y'],
        attrs: { axes: [2, 3], keep_aspect_ratio_policy: policy, mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' },
      }],
    };
    const g = importOnnx(encodeOnnx(spec));
    const y = runFloat(g, { x: f32([1, 1, 2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }).y!;
    expect(y.shape).toEqual(shape);
    expect(inferShapes(g).get('y')).toEqual(shape);
    if (values) expect(Array.from(y.data)).toEqual(values);
  });

  it('LpPool (1-D, p = 2) is the root of the sum of squares over each window', () => {
    const g = importOnnx(encodeOnnx(single(11, 'LpPool', [{ name: 'x', shape: [1, 1, 4] }], { kernel_shape: [2], strides: [2], p: 2 })));
    const y = runFloat(g, { x: f32([1, 1, 4], [3, -4, 0, 2]) }).y!;
    expect(y.shape).toEqual([1, 1, 2]);
    expect(Array.from(y.data)).toEqual([5, 2]);
    expect(inferShapes(g).get('y')).toEqual([1, 1, 2]);
  });

  it('a 1-D Conv whose weights are a graph input lifts them to 2-D with an Unsqueeze', () => {
    const g = importOnnx(encodeOnnx(single(11, 'Conv', [{ name: 'x', shape: [1, 1, 4] }, { name: 'w', shape: [1, 1, 2] }], { kernel_shape: [2] })));
    expect(g.nodes.map((n) => n.op)).toEqual(['Unsqueeze', 'Unsqueeze', 'Conv', 'Squeeze']);
    const y = runFloat(g, { x: f32([1, 1, 4], [1, 2, 3, 4]), w: f32([1, 1, 2], [1, 10]) }).y!;
    expect(Array.from(y.data)).toEqual([21, 32, 43]);
  });

  it.each([
    ['a 4-D Conv window', single(11, 'Conv', [{ name: 'x', shape: [1, 1, 3, 3, 3, 3] }, { name: 'w', shape: [1, 1, 2, 2, 2, 2] }], { kernel_shape: [2, 2, 2, 2] }), '4-D window'],
    ['the Indices output of a 3-D MaxPool', { ...single(12, 'MaxPool', [{ name: 'x', shape: [1, 1, 3, 3, 3] }], {}), outputs: [{ name: 'y' }, { name: 'i' }], nodes: [{ op: 'MaxPool', inputs: ['x'], outputs: ['y', 'i'], attrs: { kernel_shape: [2, 2, 2] } }] }, 'Indices output of a 3-D MaxPool'],
    ['an antialiased Resize', single(18, 'Resize', [{ name: 'x', shape: [1, 1, 4, 4] }], { antialias: 1, mode: 'linear' }, { roi: { dims: [0], dataType: 1, floatData: [] }, scales: { dims: [4], dataType: 1, floatData: [1, 1, 0.5, 0.5] } }), 'antialias=1'],
  ])('refuses %s by name', (_, spec, reason) => {
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(UnsupportedOpError);
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(reason);
  });
});
