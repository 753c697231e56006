// ONNX models with external data (tensor bytes in a sidecar file): imported with the sidecar's
// bytes given (API) or found beside the model (CLI), against the same model with inline data and
// against onnxruntime-node loading the model and its sidecar from disk; the errors for a sidecar
// that is missing, too short, or outside the model's folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFloatModel } from '../../src/cli/model.ts';
import { InputError, ModelFormatError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx } from '../helpers/onnx-encode.ts';
import { randomTensor } from '../helpers/random.ts';

const w = randomTensor([3, 4], 1);
const b = randomTensor([3], 2);
// The sidecar: w at offset 0, b at offset 64 (exporters align tensors), 76 bytes in all.
const sidecar = new Uint8Array(76);
sidecar.set(new Uint8Array(Float32Array.from(w.data).buffer), 0);
sidecar.set(new Uint8Array(Float32Array.from(b.data).buffer), 64);

const external = (location: string, offset: number, length: number) => ({
  dataType: OnnxDataType.FLOAT,
  dataLocation: 1,
  externalData: [
    { key: 'location', value: location },
    { key: 'offset', value: String(offset) },
    { key: 'length', value: String(length) },
  ],
});

const model = (location = 'weights.bin') =>
  encodeOnnx({
    inputs: [{ name: 'x', shape: [2, 4] }],
    outputs: [{ name: 'y', shape: [2, 3] }],
    initializers: { w: { dims: [3, 4], ...external(location, 0, 48) }, b: { dims: [3], ...external(location, 64, 12) } },
    nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { transB: 1 } }],
  });

const inline = encodeOnnx({
  inputs: [{ name: 'x', shape: [2, 4] }],
  outputs: [{ name: 'y' }],
  initializers: { w: { shape: [3, 4], data: Array.from(w.data) }, b: { shape: [3], data: Array.from(b.data) } },
  nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { transB: 1 } }],
});

const x = randomTensor([2, 4], 3);
const dir = mkdtempSync(join(tmpdir(), 'onnx-external-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('ONNX external data', () => {
  it('imports with the sidecar given, as the same model with its data inline', () => {
    const graph = importOnnx(model(), { externalData: { 'weights.bin': sidecar } });
    expect(Array.from(graph.initializers.get('b')!.data)).toEqual(Array.from(b.data));
    expect(Array.from(runFloat(graph, { x }).y!.data)).toEqual(Array.from(runFloat(importOnnx(inline), { x }).y!.data));
  });

  it('computes what onnxruntime-node computes from the model and its sidecar on disk; the CLI finds the sidecar beside the model', async () => {
    const file = join(dir, 'model.onnx');
    writeFileSync(file, model());
    writeFileSync(join(dir, 'weights.bin'), sidecar);
    const session = await ort.InferenceSession.create(file);
    const theirs = (await session.run({ x: new ort.Tensor('float32', Float32Array.from(x.data), x.shape) })).y!.data as Float32Array;
    const ours = runFloat(loadFloatModel(file).graph, { x }).y!.data;
    Array.from(theirs).forEach((v, i) => expect(Math.abs(v - ours[i]!), `element ${i}`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(v))));
  });

  it('says which tensor needs which file when the sidecar is missing, short, or outside the folder', () => {
    expect(() => importOnnx(model())).toThrow(InputError);
    expect(() => importOnnx(model())).toThrow('tensor "w" keeps its data in "weights.bin", which was not given: pass its bytes as externalData["weights.bin"]');
    expect(() => importOnnx(model(), { externalData: { 'weights.bin': sidecar.subarray(0, 70) } })).toThrow(ModelFormatError);
    expect(() => importOnnx(model(), { externalData: { 'weights.bin': sidecar.subarray(0, 70) } })).toThrow('tensor "b" reads bytes 64–76 of "weights.bin", which has 70');
    const escaping = join(dir, 'escaping.onnx');
    writeFileSync(escaping, model('../weights.bin'));
    expect(() => loadFloatModel(escaping)).toThrow('external data location "../weights.bin" must be a path inside the model\'s folder');
    const lonely = mkdtempSync(join(tmpdir(), 'onnx-external-missing-'));
    writeFileSync(join(lonely, 'model.onnx'), model());
    expect(() => loadFloatModel(join(lonely, 'model.onnx'))).toThrow(`external data of ${join(lonely, 'model.onnx')} not found: ${join(lonely, 'weights.bin')}`);
    rmSync(lonely, { recursive: true, force: true });
  });
});
