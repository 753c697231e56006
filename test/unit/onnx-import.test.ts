import { describe, expect, it } from 'vitest';
import { ModelFormatError, UnsupportedModelError, UnsupportedOpError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { f32 } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxModelSpec } from '../helpers/onnx-encode.ts';

const convModel = (extra: Partial<OnnxModelSpec> = {}): OnnxModelSpec => ({
  inputs: [{ name: 'x', shape: ['N', 1, 4, 4] }],
  outputs: [{ name: 'y' }],
  initializers: { w: { shape: [2, 1, 3, 3], data: Array.from({ length: 18 }, (_, i) => i / 10) } },
  nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } }, { op: 'Relu', inputs: ['c'], outputs: ['y'] }],
  ...extra,
});

describe('ONNX import', () => {
  it('imports a Conv + Relu model with a symbolic batch and runs it', () => {
    const g = importOnnx(encodeOnnx(convModel()));
    expect(g.inputs).toEqual([{ name: 'x', dtype: 'float32', shape: ['N', 1, 4, 4] }]);
    expect(g.nodes.map((n) => n.op)).toEqual(['Conv', 'Relu']);
    const y = runFloat(g, { x: f32([2, 1, 4, 4], new Array(32).fill(1)) }).y!;
    expect(y.shape).toEqual([2, 2, 4, 4]);
    // Centre pixel of channel 1 sees all nine weights 0.9..1.7 on an all-ones input.
    expect(y.data[16 + 5]).toBeCloseTo(11.7, 5);
  });

  it('lists every unsupported op at once, each with its node name and the opset', () => {
    const spec = convModel({
      nodes: [
        { op: 'Conv', inputs: ['x', 'w'], outputs: ['c'], name: 'conv1' },
        { op: 'StringNormalizer', inputs: ['c'], outputs: ['e'], name: 'strings_1' },
        { op: 'Relu', inputs: ['e'], outputs: ['r'] },
        { op: 'TfIdfVectorizer', inputs: ['r'], outputs: ['y'], name: 'tfidf_7' },
        { op: 'Inverse', inputs: ['y'], outputs: ['z'], name: 'inv', domain: 'com.microsoft' },
      ],
    });
    const error = (() => {
      try {
        importOnnx(encodeOnnx(spec));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UnsupportedOpError);
    const message = (error as Error).message;
    expect(message).toContain('StringNormalizer (node "strings_1", opset 13)');
    expect(message).toContain('TfIdfVectorizer (node "tfidf_7", opset 13)');
    expect(message).toContain('com.microsoft.Inverse (node "inv"');
    expect((error as UnsupportedOpError).sites).toHaveLength(3);
  });

  it('names the unsupported use of a known op (4-D Conv)', () => {
    const spec = convModel({ nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], name: 'c4d', attrs: { kernel_shape: [3, 3, 3, 3] } }] });
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(/Conv \(node "c4d", opset 13\): 4-D window/);
  });

  it('refuses opsets outside 1..21 with the supported range in the message', () => {
    expect(() => importOnnx(encodeOnnx(convModel({ opset: 22 })))).toThrow(UnsupportedModelError);
    expect(() => importOnnx(encodeOnnx(convModel({ opset: 22 })))).toThrow(/opset 22 is not supported \(supported: 1 to 21\)/);
  });

  it('refuses an external-data tensor whose file was not given, naming the tensor and the file (test/unit/onnx-external.test.ts imports them)', () => {
    const spec = convModel({
      initializers: { w: { dims: [2, 1, 3, 3], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'weights.bin' }] } },
    });
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(/tensor "w" keeps its data in "weights.bin", which was not given/);
  });

  it('refuses a tensor whose dims need more bytes than its raw_data holds', () => {
    const spec = convModel({ initializers: { w: { dims: [2, 1, 3, 3], dataType: 1, rawData: new Uint8Array(8) } } });
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(/dims \[2,1,3,3\] need 72 bytes of raw_data, found 8/);
  });

  it('reads initializers stored in the typed fields as well as raw_data', () => {
    const spec = convModel({ initializers: { w: { dims: [2, 1, 3, 3], dataType: 1, floatData: Array.from({ length: 18 }, (_, i) => i / 10) } } });
    const raw = runFloat(importOnnx(encodeOnnx(convModel())), { x: f32([1, 1, 4, 4], new Array(16).fill(1)) }).y!;
    const typed = runFloat(importOnnx(encodeOnnx(spec)), { x: f32([1, 1, 4, 4], new Array(16).fill(1)) }).y!;
    expect(Array.from(typed.data)).toEqual(Array.from(raw.data));
  });

  it('reports a truncated file as malformed, not as a crash', () => {
    const bytes = encodeOnnx(convModel());
    expect(() => importOnnx(bytes.subarray(0, bytes.length - 7))).toThrow(ModelFormatError);
  });

  it('reports a node that reads a tensor nobody produces', () => {
    const spec = convModel({ nodes: [{ op: 'Relu', inputs: ['ghost'], outputs: ['y'], name: 'r' }] });
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(/node "r" \(Relu\) reads "ghost", which no earlier node/);
  });

  it('turns Squeeze axes given as an opset-11 attribute into a constant input', () => {
    const g = importOnnx(
      encodeOnnx({
        opset: 11,
        inputs: [{ name: 'x', shape: [1, 3, 1] }],
        outputs: [{ name: 'y' }],
        nodes: [{ op: 'Squeeze', inputs: ['x'], outputs: ['y'], attrs: { axes: [0, 2] } }],
      }),
    );
    expect(runFloat(g, { x: f32([1, 3, 1], [1, 2, 3]) }).y!.shape).toEqual([3]);
  });
});

describe('float reference input checks', () => {
  it('names the expected shape when an input does not fit', () => {
    const g = importOnnx(encodeOnnx(convModel()));
    expect(() => runFloat(g, { x: f32([1, 1, 5, 4]) })).toThrow('input "x" is float32 [1,1,5,4], expected float32 [N,1,4,4]');
    expect(() => runFloat(g, {})).toThrow('missing input "x"');
  });
});
