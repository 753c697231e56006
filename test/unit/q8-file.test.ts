import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { ModelFormatError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { readQ8, writeQ8 } from '../../src/quant/q8-file.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const graph = optimize(importOnnx(readFileSync('models/fashion_mnist_cnn.onnx')), { layout: 'NHWC' });
const ranges = calibrate(graph, 3, (i) => ({ input: randomTensor([1, 1, 28, 28], i, 0, 1) }), { method: 'entropy' });
const model = quantizeGraph(graph, ranges, { method: 'entropy', samples: 3 });
const bytes = writeQ8(model);

describe('.q8 files', () => {
  it('round-trip a quantized model: the loaded program computes the same bytes', () => {
    // As read from disk: a node Buffer, whose memory may be part of a larger shared pool.
    const loaded = readQ8(Buffer.concat([Buffer.from('padding'), Buffer.from(bytes)]).subarray(7));
    expect(loaded.steps.map((s) => s.op)).toEqual(model.steps.map((s) => s.op));
    expect(loaded.calibration).toEqual(model.calibration);
    for (let i = 0; i < 5; i++) {
      const input = randomTensor([1, 1, 28, 28], 50 + i, 0, 1);
      const a = runInt8(model, { input }).logits!;
      const b = runInt8(loaded, { input }).logits!;
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
    }
    // The whole model, weights included, is far smaller than the float ONNX file (72 KB).
    expect(bytes.length).toBeLessThan(40_000);
  });

  it('refuses what is not a .q8 file, a newer version, and truncated files, with ModelFormatError', () => {
    expect(() => readQ8(new TextEncoder().encode('hello world, not a model'))).toThrow(/missing "Q8NN" magic/);
    const newer = bytes.slice();
    new DataView(newer.buffer).setUint32(4, 99, true);
    expect(() => readQ8(newer)).toThrow(/version 99 is not supported/);
    for (const cut of [8, 20, 300, bytes.length - 1]) {
      expect(() => readQ8(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(ModelFormatError);
    }
  });
});
