// The bundled model quantized the way the README says (entropy, 500 training images), then
// run by the int8 reference on 1,000 test images.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { evaluate } from '../../src/eval/evaluate.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';

const nhwc = optimize(importOnnx(readFileSync(BUNDLED.model)), { layout: 'NHWC' });
const calib = imageSetFromIdx(readIdx(BUNDLED.calibImages, 'calibration images'));
const test = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'), readIdx(BUNDLED.testLabels, 'labels'));

describe('bundled Fashion-MNIST CNN in int8 (CPU reference)', () => {
  it('is int8 from the input quantize to the output dequantize, and keeps fp32 accuracy', { timeout: 300_000 }, () => {
    const ranges = calibrate(nhwc, calib.count, (i) => ({ input: calib.input(i) }), { method: 'entropy' });
    const model = quantizeGraph(nhwc, ranges, { method: 'entropy', samples: calib.count });
    const ops = model.steps.map((s) => s.op);
    expect(ops[0]).toBe('quantize');
    expect(ops[ops.length - 1]).toBe('dequantize');
    expect(ops.filter((op) => op === 'float' || op === 'quantize' || op === 'dequantize')).toEqual(['quantize', 'dequantize']);
    const report = evaluate(model, test, { floatGraph: nhwc, count: 1000 });
    console.log(`int8 (entropy) on 1000 test images: fp32 ${report.fp32_accuracy}, int8 ${report.int8_accuracy}, agreement ${report.top1_agreement}`);
    expect(Math.abs(report.int8_accuracy! - report.fp32_accuracy!)).toBeLessThanOrEqual(0.01);
    expect(report.top1_agreement!).toBeGreaterThanOrEqual(0.985);
    expect(report.float_ops).toEqual([]);
    for (const layer of report.per_layer) expect(layer.cosine, layer.name).toBeGreaterThan(0.95);
  });
});
