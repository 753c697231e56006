// The README's API example, run as written against the bundled model.
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { argmax, f32, importOnnx, optimize, printGraph, runFloat } from '../../src/index.ts';

it('imports, optimises and runs the bundled model through the public API', () => {
  const graph = importOnnx(readFileSync('models/fashion_mnist_cnn.onnx'));
  const fused = optimize(graph, { layout: 'NHWC' });
  const input = f32([1, 1, 28, 28], new Float32Array(784).fill(0.5));
  const { logits } = runFloat(fused, { input });
  expect(logits!.shape).toEqual([1, 10]);
  expect(argmax(logits!.data)).toBe(argmax(runFloat(graph, { input }).logits!.data));
  expect(printGraph(fused)).toContain('layout=NHWC');
});
