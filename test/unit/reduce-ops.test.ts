// The reduce family on the uses ONNX's conformance cases (opsets up to 17) leave out: GroupNormalization
// (both forms), LpNormalization, opset 18 reductions with noop_with_empty_axes, reductions over an empty
// tensor, opset < 13 Hardmax, opset < 10 TopK, opset 12 losses, and the uses the importer refuses by name.

import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { inferShapes } from '../../src/ir/shapes.ts';
import { f32, type Tensor } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxModelSpec, type OnnxNodeSpec } from '../helpers/onnx-encode.ts';

/** Deterministic values in [-scale, scale). */
function values(n: number, seed: number, scale = 2): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return ((s / 2 ** 31) * 2 - 1) * scale;
  });
}

const int64s = (data: number[]) => ({ dims: [data.length], dataType: OnnxDataType.INT64, int64Data: data });

/** One node over float input x (and float initializers), its outputs y (and i). */
function model(opset: number, x: number[], n: Omit<OnnxNodeSpec, 'outputs'> & { outputs?: string[] }, initializers: OnnxModelSpec['initializers'] = {}): Uint8Array {
  const outputs = n.outputs ?? ['y'];
  return encodeOnnx({ opset, inputs: [{ name: 'x', shape: x }], outputs: outputs.map((name) => ({ name })), initializers, nodes: [{ ...n, outputs }] });
}

function ours(bytes: Uint8Array, x: Tensor): Record<string, Tensor> {
  return runFloat(importOnnx(bytes), { x });
}

async function theirs(bytes: Uint8Array, x: Tensor): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
  const results = await session.run({ x: new ort.Tensor('float32', x.data as Float32Array, x.shape) });
  return Object.fromEntries(Object.entries(results).map(([k, t]) => [k, Array.from(t.data as Float32Array, Number)]));
}

async function expectLikeOrt(bytes: Uint8Array, x: Tensor): Promise<void> {
  const want = await theirs(bytes, x);
  const got = ours(bytes, x);
  for (const [name, w] of Object.entries(want)) {
    const g = Array.from(got[name]!.data);
    expect(g.length).toBe(w.length);
    g.forEach((v, i) => expect(v).toBeCloseTo(w[i]!, 4));
  }
}

describe('GroupNormalization', () => {
  const shape = [2, 6, 3, 2];
  const x = f32(shape, values(72, 7));

  it('takes scale and bias per group at opset 18', async () => {
    const init = { s: { shape: [3], data: [0.5, -1, 2] }, b: { shape: [3], data: [0.1, 0.2, -0.3] } };
    await expectLikeOrt(model(18, shape, { op: 'GroupNormalization', inputs: ['x', 's', 'b'], attrs: { num_groups: 3, epsilon: 0.01 } }, init), x);
  });

  it('takes scale and bias per channel at opset 21', async () => {
    const init = { s: { shape: [6], data: values(6, 3) }, b: { shape: [6], data: values(6, 4) } };
    await expectLikeOrt(model(21, shape, { op: 'GroupNormalization', inputs: ['x', 's', 'b'], attrs: { num_groups: 2 } }, init), x);
  });
});

describe('LpNormalization', () => {
  it.each([1, 2])('divides by the L%i norm along the axis', async (p) => {
    await expectLikeOrt(model(13, [3, 4, 2], { op: 'LpNormalization', inputs: ['x'], attrs: { p, axis: 1 } }), f32([3, 4, 2], values(24, p)));
  });

  it('gives 0, not NaN, where the norm is 0', () => {
    const y = ours(model(13, [2, 2], { op: 'LpNormalization', inputs: ['x'] }), f32([2, 2], [0, 0, 3, -4])).y!;
    expect(Array.from(y.data)).toEqual([0, 0, 0.6000000238418579, -0.800000011920929]);
  });

  it('refuses p other than 1 and 2 by name', () => {
    expect(() => importOnnx(model(13, [2, 2], { op: 'LpNormalization', inputs: ['x'], attrs: { p: 3 } }))).toThrow(/LpNormalization \(node "LpNormalization_0", opset 13\): p=3/);
  });
});

describe('reductions with axes as input (opset 18)', () => {
  const x = f32([2, 3], [1, -2, 3, 4, 5, -6]);

  it('reduces every axis when axes are empty, and passes x through with noop_with_empty_axes', () => {
    const axes = { axes: int64s([]) };
    const all = ours(model(18, [2, 3], { op: 'ReduceMax', inputs: ['x', 'axes'], attrs: { keepdims: 0 } }, axes), x).y!;
    expect([all.shape, Array.from(all.data)]).toEqual([[], [5]]);
    const noop = ours(model(18, [2, 3], { op: 'ReduceMax', inputs: ['x', 'axes'], attrs: { noop_with_empty_axes: 1 } }, axes), x).y!;
    expect([noop.shape, Array.from(noop.data)]).toEqual([[2, 3], [1, -2, 3, 4, 5, -6]]);
  });

  it.each([
    ['ReduceLogSumExp', 1],
    ['ReduceL2', 0],
    ['ReduceProd', 1],
  ])('%s over axes [-1] (keepdims %i) matches onnxruntime', async (op, keepdims) => {
    await expectLikeOrt(model(18, [2, 3], { op, inputs: ['x', 'axes'], attrs: { keepdims } }, { axes: int64s([-1]) }), x);
  });

  it('gives each reduction its identity over an empty axis', () => {
    const empty = f32([2, 0]);
    const reduced = (op: string) => Array.from(ours(model(18, [2, 0], { op, inputs: ['x', 'axes'] }, { axes: int64s([1]) }), empty).y!.data);
    expect(reduced('ReduceSum')).toEqual([0, 0]);
    expect(reduced('ReduceProd')).toEqual([1, 1]);
    expect(reduced('ReduceMax')).toEqual([-Infinity, -Infinity]);
    expect(reduced('ReduceMin')).toEqual([Infinity, Infinity]);
    expect(reduced('ReduceLogSumExp')).toEqual([-Infinity, -Infinity]);
  });

  it('infers only the rank when axes are not constant and keepdims holds it', () => {
    const bytes = encodeOnnx({
      opset: 18,
      inputs: [
        { name: 'x', shape: [2, 3, 4] },
        { name: 'axes', shape: [1], elemType: OnnxDataType.INT64 },
      ],
      outputs: [{ name: 'y' }, { name: 'z' }],
      nodes: [
        { op: 'ReduceMean', inputs: ['x', 'axes'], outputs: ['y'] },
        { op: 'ReduceMean', inputs: ['x', 'axes'], outputs: ['z'], attrs: { keepdims: 0 } },
      ],
    });
    const shapes = inferShapes(importOnnx(bytes));
    expect(shapes.get('y')).toEqual(['?', '?', '?']);
    expect(shapes.get('z')).toBeUndefined();
  });
});

describe('legacy forms', () => {
  it('Hardmax before opset 13 picks one maximum over all dims from the axis, the first of ties', async () => {
    const x = f32([2, 2, 2], [1, 3, 3, 0, 5, 5, -1, 2]);
    const bytes = model(11, [2, 2, 2], { op: 'Hardmax', inputs: ['x'], attrs: { axis: 1 } });
    expect(Array.from(ours(bytes, x).y!.data)).toEqual([0, 1, 0, 0, 1, 0, 0, 0]);
    await expectLikeOrt(bytes, x);
  });

  it('TopK before opset 10 takes k as an attribute', async () => {
    const x = f32([2, 4], [3, 1, 3, 2, 0, 4, 4, -1]);
    const bytes = model(9, [2, 4], { op: 'TopK', inputs: ['x'], outputs: ['y', 'i'], attrs: { k: 2, axis: 1 } });
    const got = ours(bytes, x);
    expect([Array.from(got.y!.data), Array.from(got.i!.data), got.i!.dtype]).toEqual([[3, 3, 4, 4], [0, 2, 1, 2], 'int64']);
  });

  it('refuses a LayerNormalization stash_type other than float32 by name', () => {
    const init = { s: { shape: [2], data: [1, 1] } };
    const bytes = model(17, [2, 2], { op: 'LayerNormalization', inputs: ['x', 's'], attrs: { stash_type: 11 } }, init);
    expect(() => importOnnx(bytes)).toThrow(UnsupportedOpError);
    expect(() => importOnnx(bytes)).toThrow(/LayerNormalization \(node "LayerNormalization_0", opset 17\): stash_type=11/);
  });
});

describe('losses', () => {
  const x = f32([2, 3, 2], values(12, 5));
  const init = { t: { dims: [2, 2], dataType: OnnxDataType.INT64, int64Data: [2, 1, 0, 2] }, w: { shape: [3], data: [0.5, 2, 1.5] } };

  it('SoftmaxCrossEntropyLoss at opset 12 (the cases are all 13) with weights, ignore_index and log_prob matches onnxruntime', async () => {
    const n = { op: 'SoftmaxCrossEntropyLoss', inputs: ['x', 't', 'w'], outputs: ['y', 'p'], attrs: { ignore_index: 1 } };
    await expectLikeOrt(model(12, [2, 3, 2], n, init), x);
  });

  it('NegativeLogLikelihoodLoss at opset 12 sums the weighted picks', async () => {
    await expectLikeOrt(model(12, [2, 3, 2], { op: 'NegativeLogLikelihoodLoss', inputs: ['x', 't', 'w'], attrs: { reduction: 'sum' } }, init), x);
  });

  it('names a target outside the classes that is not ignored', () => {
    const bad = { t: { dims: [2, 2], dataType: OnnxDataType.INT64, int64Data: [2, 3, 0, 2] } };
    const bytes = model(13, [2, 3, 2], { op: 'NegativeLogLikelihoodLoss', inputs: ['x', 't'] }, bad);
    expect(() => ours(bytes, x)).toThrow(/target 3 out of range for 3 classes/);
  });

  it('refuses a reduction ONNX does not define by name', () => {
    const bytes = model(13, [2, 3, 2], { op: 'SoftmaxCrossEntropyLoss', inputs: ['x', 't'], attrs: { reduction: 'max' } }, init);
    expect(() => importOnnx(bytes)).toThrow(/SoftmaxCrossEntropyLoss \(node "SoftmaxCrossEntropyLoss_0", opset 13\): reduction=max/);
  });
});
