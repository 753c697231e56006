// The malformations issue 7 names, one deterministic case each, with the error a user sees:
// huge and negative dims, dims that disagree with the data, cycles, dangling names, wrong dtypes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LimitError, ModelFormatError, UnsupportedModelError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { importTfjs } from '../../src/import/tfjs.ts';
import { tensor } from '../../src/ir/tensor.ts';
import { modelDir } from '../../src/models/paths.ts';
import { readQ8, writeQ8 } from '../../src/quant/q8-file.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { encodeOnnx, type OnnxModelSpec } from '../helpers/onnx-encode.ts';
import { withAllocationLimit } from './alloc-guard.ts';

const relu = (over: Partial<OnnxModelSpec> = {}): OnnxModelSpec => ({
  inputs: [{ name: 'x', shape: [1, 4] }],
  outputs: [{ name: 'y' }],
  initializers: { b: { shape: [4], data: [1, 2, 3, 4] } },
  nodes: [
    { op: 'Add', inputs: ['x', 'b'], outputs: ['s'] },
    { op: 'Relu', inputs: ['s'], outputs: ['y'] },
  ],
  ...over,
});

/** Loads under a 1 MiB allocation cap: the refusal must come before any large allocation. */
function refusal(load: () => unknown): unknown {
  const r = withAllocationLimit(2 ** 20, load);
  expect(r.exceeded).toBeUndefined();
  return r.error;
}

describe('ONNX', () => {
  it('an initializer with huge dims is refused before allocating', () => {
    const bytes = encodeOnnx(relu({ initializers: { b: { dims: [2 ** 40], dataType: 1, rawData: new Uint8Array(16) } } }));
    const e = refusal(() => importOnnx(bytes));
    expect(e).toBeInstanceOf(ModelFormatError);
    expect(String(e)).toMatch(/initializer "b": dims \[1099511627776\] need .* bytes of raw_data, found 16/);
  });

  it('negative dims', () => {
    const e = refusal(() => importOnnx(encodeOnnx(relu({ initializers: { b: { dims: [-4], dataType: 1, rawData: new Uint8Array(16) } } }))));
    expect(String(e)).toMatch(/ModelFormatError: initializer "b" has invalid dims \[-4\]/);
  });

  it('a wrong data type', () => {
    const e = refusal(() => importOnnx(encodeOnnx(relu({ initializers: { b: { dims: [4], dataType: 8, rawData: new Uint8Array(16) } } }))));
    expect(e).toBeInstanceOf(UnsupportedModelError);
    expect(String(e)).toMatch(/initializer "b": ONNX data type 8 is not supported/);
  });

  it('a cycle and a dangling name', () => {
    const cycle = relu({ nodes: [{ op: 'Add', inputs: ['x', 'y'], outputs: ['s'] }, { op: 'Relu', inputs: ['s'], outputs: ['y'] }] });
    expect(() => importOnnx(encodeOnnx(cycle))).toThrow(/node "Add_0" \(Add\) reads "y", which no earlier node.*a cycle/);
    const dangling = relu({ nodes: [{ op: 'Relu', inputs: ['nowhere'], outputs: ['y'] }] });
    expect(() => importOnnx(encodeOnnx(dangling))).toThrow(ModelFormatError);
  });

  it('a file cut short says where it broke', () => {
    const bytes = readFileSync('models/fashion_mnist_cnn.onnx');
    expect(() => importOnnx(bytes.subarray(0, 5000))).toThrow(/malformed ONNX model: .*(offset|index|range)/i);
  });
});

describe('.q8', () => {
  const model: QuantizedModel = {
    name: 'm',
    inputs: [{ name: 'x', shape: [1, 4] }],
    outputs: [{ name: 'y', shape: [1, 4] }],
    tensors: new Map([['q', { dtype: 'int8', qparams: { scale: 0.1, zeroPoint: 0 }, source: 'x' }], ['y', { dtype: 'float32' }]]),
    steps: [
      { op: 'quantize', name: 'q', input: 'x', output: 'q' },
      { op: 'dequantize', name: 'dq', input: 'q', output: 'y' },
    ],
    constants: new Map([['c', tensor('float32', [2])]]),
    calibration: { method: 'minmax', samples: 1, perTensorWeights: false, symmetricActivations: false },
  };

  it('an array that claims more bytes than the file holds', () => {
    const bytes = writeQ8(model);
    const text = new TextDecoder().decode(bytes);
    const patched = new TextEncoder().encode(text.replace('"length":2', '"length":1099511627776'));
    const fixed = new Uint8Array(bytes.length);
    fixed.set(patched.subarray(0, 8));
    new DataView(fixed.buffer).setUint32(8, new DataView(bytes.buffer).getUint32(8, true) + (patched.length - bytes.length), true);
    const e = refusal(() => readQ8(Uint8Array.from([...fixed.subarray(0, 12), ...patched.subarray(12)])));
    expect(String(e)).toMatch(/ModelFormatError: \.q8: model\.constants\.c\.data needs 4398046511104 bytes .* past the end of the file/);
  });

  it('steps out of order (a cycle)', () => {
    const bytes = writeQ8({ ...model, steps: [...model.steps].reverse() });
    expect(() => readQ8(bytes)).toThrow(/step "dq" \(dequantize\) reads "q", which nothing before it produces/);
  });

  it('a bad field names its path', () => {
    expect(() => readQ8(writeQ8({ ...model, tensors: new Map([['q', { dtype: 'int8', qparams: { scale: -1, zeroPoint: 0 }, source: 'x' }]]) }))).toThrow(
      /\.q8: model\.tensors\["q"\]\.qparams\.scale should be a finite positive scale, found -1/,
    );
  });
});

describe('TF.js', () => {
  const dir = modelDir('blazeface-front');
  const json = () => JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const shard = readFileSync(join(dir, 'blazeface-front.bin'));

  it('a weight with huge dims is refused before allocating', () => {
    const j = json();
    j.weightsManifest[0].weights[0].shape = [2 ** 20, 2 ** 20];
    const e = refusal(() => importTfjs(j, [shard]));
    expect(String(e)).toMatch(/ModelFormatError: weights: weight ".*" needs bytes 0\.\.\d+ but the shards hold 402048/);
  });

  it('negative dims and dims that disagree with the data', () => {
    const j = json();
    j.weightsManifest[0].weights[0].shape = [-1, 3];
    expect(() => importTfjs(j, [shard])).toThrow(/has shape \[-1,3\], not a list of non-negative integers/);
    const k = json();
    k.weightsManifest[0].weights[0].shape[0] += 1;
    expect(() => importTfjs(k, [shard])).toThrow(ModelFormatError);
  });

  it('a wrong dtype', () => {
    const j = json();
    j.weightsManifest[0].weights[0].dtype = 'complex64';
    expect(() => importTfjs(j, [shard])).toThrow(/dtype "complex64" \(supported: /);
  });

  it('a cycle and a dangling name', () => {
    const j = json();
    const nodes = j.modelTopology.node as { name: string; input?: string[] }[];
    const reader = nodes.find((n) => n.input && n.input.length > 0)!;
    const producer = nodes.find((n) => n.name === reader.input![0])!;
    producer.input = [...(producer.input ?? []), reader.name];
    expect(() => importTfjs(j, [shard])).toThrow(/the graph has a cycle through node/);
    const k = json();
    k.modelTopology.node.find((n: { input?: string[] }) => n.input?.length).input[0] = 'nowhere';
    expect(() => importTfjs(k, [shard])).toThrow(ModelFormatError);
  });

  it('a truncated shard', () => {
    expect(() => importTfjs(json(), [shard.subarray(0, 1000)])).toThrow(/but the shards hold 1000 \(missing or truncated shard\?\)/);
  });
});

it('a tensor larger than the engine allocates is a LimitError, not an out-of-memory crash', () => {
  expect(() => tensor('float32', [2 ** 16, 2 ** 16])).toThrow(LimitError);
  expect(() => tensor('float32', [2 ** 16, 2 ** 16])).toThrow(/4294967296 elements is more than this engine allocates/);
});
