// If: imported with its branches, run by the float reference, folded when its condition is a
// constant, and specialised when the caller fixes the graph input it branches on.
import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import { f32, tensor } from '../../src/ir/tensor.ts';
import { fixInputs } from '../../src/passes/fix-inputs.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx } from '../helpers/onnx-encode.ts';

// y = sr == 16000 ? relu(x) * 2 : x + 1, the shape of silero VAD's branch on its sample rate.
const model = () =>
  importOnnx(
    encodeOnnx({
      inputs: [{ name: 'x', shape: [1, 4] }, { name: 'sr', shape: [], elemType: OnnxDataType.INT64 }],
      outputs: [{ name: 'y', shape: [1, 4] }],
      initializers: { rate: { dims: [], dataType: OnnxDataType.INT64, int64Data: [16000] }, two: { shape: [], data: [2] }, one: { shape: [], data: [1] } },
      nodes: [
        { op: 'Equal', inputs: ['sr', 'rate'], outputs: ['is16k'] },
        {
          op: 'If',
          name: 'If_sr',
          inputs: ['is16k'],
          outputs: ['y'],
          attrs: {
            then_branch: { nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['r'] }, { op: 'Mul', inputs: ['r', 'two'], outputs: ['t'] }], outputs: [{ name: 't' }] },
            else_branch: { nodes: [{ op: 'Add', inputs: ['x', 'one'], outputs: ['e'] }], outputs: [{ name: 'e' }] },
          },
        },
      ],
    }),
  );

const x = f32([1, 4], [-1, 0.5, 2, -3]);
const sr = (v: number) => tensor('int64', [], [v]);

describe('If', () => {
  it('runs the branch its condition picks on the float reference', () => {
    const g = model();
    expect(Array.from(runFloat(g, { x, sr: sr(16000) }).y!.data)).toEqual([0, 1, 4, 0]);
    expect(Array.from(runFloat(g, { x, sr: sr(8000) }).y!.data)).toEqual([0, 1.5, 3, -2]);
  });

  it('folds away once the input it branches on is fixed, leaving the branch it picks', () => {
    const folded = optimize(fixInputs(model(), { sr: 8000 }));
    expect(folded.nodes.map((n) => n.op)).toEqual(['Add']);
    expect(folded.inputs.map((i) => i.name)).toEqual(['x']);
    expect(Array.from(runFloat(folded, { x }).y!.data)).toEqual([0, 1.5, 3, -2]);
  });

  it('stays an If while the input is not fixed', () => {
    expect(optimize(model()).nodes.map((n) => n.op)).toEqual(['Equal', 'If']);
  });

  it('refuses to fix an input the graph does not have, or with the wrong shape, saying what it expected', () => {
    expect(() => fixInputs(model(), { rate: 1 })).toThrow('cannot fix input "rate": the graph\'s inputs are "x", "sr"');
    expect(() => fixInputs(model(), { sr: [1, 2] })).toThrow('cannot fix input "sr" to int64 [2]: expected int64 []');
  });

  it('lists the unsupported ops inside a branch with the subgraph they sit in', () => {
    const bytes = encodeOnnx({
      inputs: [{ name: 'c', shape: [], elemType: OnnxDataType.BOOL }, { name: 'x', shape: [2] }],
      outputs: [{ name: 'y' }],
      nodes: [
        {
          op: 'If',
          name: 'If_0',
          inputs: ['c'],
          outputs: ['y'],
          attrs: {
            then_branch: { nodes: [{ op: 'NoSuchOp', name: 'inner', inputs: ['x'], outputs: ['t'] }], outputs: [{ name: 't' }] },
            else_branch: { nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['e'] }], outputs: [{ name: 'e' }] },
          },
        },
      ],
    });
    expect(() => importOnnx(bytes)).toThrow(UnsupportedOpError);
    expect(() => importOnnx(bytes)).toThrow('NoSuchOp (node "inner" in If_0/then_branch, opset 13)');
  });
});
