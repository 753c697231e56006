// The bundled model: imports, fuses to one node per conv+bn+relu6 block, and the float
// reference reproduces PyTorch's logits on all 10,000 Fashion-MNIST test images.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { argmax, imageSetFromIdx } from '../../src/data/dataset.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';

const info = JSON.parse(readFileSync(BUNDLED.modelInfo, 'utf8')) as { test_accuracy: number };
const graph = importOnnx(readFileSync(BUNDLED.model));
const fused = optimize(graph);

describe('bundled Fashion-MNIST CNN', () => {
  it('keeps BatchNormalization in the file, and fuses each conv+bn+relu6 block into one Conv', () => {
    const count = (g: typeof graph, op: string) => g.nodes.filter((n) => n.op === op).length;
    expect(count(graph, 'BatchNormalization')).toBe(6);
    expect(count(graph, 'Clip')).toBe(6);
    expect(fused.nodes.map((n) => n.op)).toEqual(['Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'Conv', 'GlobalAveragePool', 'Flatten', 'Gemm']);
    for (const n of fused.nodes) if (n.op === 'Conv') expect(n.attrs.clamp).toEqual({ min: 0, max: 6 });
  });

  it("reproduces PyTorch's logits and accuracy on all 10,000 test images", { timeout: 600_000 }, () => {
    const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'), readIdx(BUNDLED.testLabels, 'labels'));
    const torch = new Float32Array(gunzipSync(readFileSync(BUNDLED.pytorchLogits)).buffer);
    expect(images.count).toBe(10_000);
    expect(torch.length).toBe(10_000 * 10);
    let maxDiff = 0;
    let argmaxMismatches = 0;
    let correct = 0;
    for (let i = 0; i < images.count; i++) {
      const logits = runFloat(fused, { input: images.input(i) }).logits!.data;
      for (let j = 0; j < 10; j++) maxDiff = Math.max(maxDiff, Math.abs(logits[j]! - torch[i * 10 + j]!));
      const predicted = argmax(logits);
      if (predicted !== argmax(torch, i * 10, 10)) argmaxMismatches++;
      if (predicted === images.labels![i]) correct++;
    }
    console.log(`float reference vs PyTorch on 10,000 images: max |logit diff| ${maxDiff.toExponential(2)}, ` +
      `${argmaxMismatches} argmax mismatches, accuracy ${(correct / images.count).toFixed(4)} (PyTorch ${info.test_accuracy})`);
    expect(argmaxMismatches).toBe(0);
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
    expect(correct / images.count).toBe(info.test_accuracy);
  });
});
