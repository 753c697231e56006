// The public entry's dynamic quantization: quantizeDynamic (the passes, then the products) and
// exportDynamicOnnx, as a user reaches them from 'webgpu-int8'.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportDynamicOnnx, importOnnx, quantizeDynamic, runFloat, tensor } from '../../src/index.ts';

describe('quantizeDynamic from the package entry', () => {
  it('makes every constant-weight product of the text encoder dynamic and predicts as fp32 on test texts', () => {
    const bytes = readFileSync('models/text_encoder.onnx');
    const graph = importOnnx(bytes);
    const { graph: dynamic, report } = quantizeDynamic(graph, { keepFloat: ['/cls/Gemm'] });
    expect(report.quantized).toHaveLength(12);
    expect(report.skipped.map((s) => s.why)).toContain('kept float (keepFloat)');
    expect(dynamic.nodes.filter((n) => n.op === 'MatMulDynamicInt8')).toHaveLength(12);
    const test = JSON.parse(readFileSync('data/text-encoder/test.json', 'utf8')) as { input_ids: number[][]; torch_prediction: number[] };
    const argmax = (xs: ArrayLike<number>) => Array.from(xs).indexOf(Math.max(...Array.from(xs)));
    const agree = test.input_ids.slice(0, 40).filter((ids, i) => {
      const feeds = { input_ids: tensor('int64', [1, ids.length], ids), attention_mask: tensor('int64', [1, ids.length], ids.map(() => 1)) };
      return argmax(runFloat(dynamic, feeds).logits!.data) === test.torch_prediction[i];
    }).length;
    expect(agree).toBeGreaterThanOrEqual(38);
    expect(exportDynamicOnnx(bytes).quantized).toHaveLength(13);
  });

  it('refuses a keepFloat name the graph does not have', () => {
    expect(() => quantizeDynamic(importOnnx(readFileSync('models/text_encoder.onnx')), { keepFloat: ['nope'] })).toThrow('keepFloat names no node of the graph: nope');
  });
});
