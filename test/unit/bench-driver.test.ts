// The bench driver's pure parts: the NHWC → ONNX writer onnxruntime-web is fed (checked here by
// onnxruntime-node against our float reference, grouped conv and pools included), the MAC count
// (the text encoder's products, attention's batched MatMuls and the dynamic nodes included), the
// latency percentiles, which peak a kernel is measured against, and the rows of a dynamic model.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { mathOf } from '../../bench/driver/analyze.ts';
import { layersOf } from '../../bench/driver/macs.ts';
import { onnxOf } from '../../bench/driver/onnx-nchw.ts';
import { engineRuns } from '../../bench/driver/report.ts';
import { engineLabel } from '../../bench/driver/schema.ts';
import { latencyStats } from '../../bench/driver/stats.ts';
import { exportDynamicOnnx } from '../../src/export/onnx-dynamic.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { fixInputShapes } from '../../src/passes/fix-inputs.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { convAttrs, GraphBuilder, poolAttrs } from '../../src/ir/builder.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { randomTensor } from '../helpers/random.ts';

/** NHWC as TF.js imports: conv 3×3 stride 2 SAME (clamped), grouped 3×3 (6 channels per group), depthwise 3×3, max pool, avg pool, 1×1. */
function nhwcGraph(): Graph {
  let seed = 7;
  const weights = (shape: number[]) => randomTensor(shape, seed++, -0.5, 0.5);
  const b = new GraphBuilder('nhwc');
  const x = b.input('x', [1, 9, 11, 3]);
  const c1 = b.node('Conv', [x, b.constant('w1', weights([12, 3, 3, 3])), b.constant('b1', weights([12]))], convAttrs({ strides: [2, 2], autoPad: 'SAME_UPPER', layout: 'NHWC', clamp: { min: 0, max: 6 } }));
  const c2 = b.node('Conv', [c1, b.constant('w2', weights([12, 3, 3, 6]))], convAttrs({ pads: [1, 1, 1, 1], group: 2, layout: 'NHWC' }));
  const dw = b.node('Conv', [c2, b.constant('w_dw', weights([12, 3, 3, 1]))], convAttrs({ pads: [1, 1, 1, 1], group: 12, layout: 'NHWC' }));
  const p1 = b.node('MaxPool', [dw], poolAttrs([2, 2], { strides: [2, 2], layout: 'NHWC' }));
  const p2 = b.node('AveragePool', [p1], { ...poolAttrs([2, 2], { autoPad: 'SAME_UPPER', layout: 'NHWC' }), countIncludePad: false });
  const y = b.node('Conv', [p2, b.constant('w3', weights([5, 1, 1, 12]))], convAttrs({ layout: 'NHWC' }), 'y');
  return b.output(y, [1, 2, 3, 5]).build();
}

describe('bench driver', () => {
  it('writes NHWC graphs as ONNX that onnxruntime runs like our float reference', async () => {
    const graph = nhwcGraph();
    const input = randomTensor([1, 9, 11, 3], 3);
    const want = runFloat(graph, { x: input }).y!;
    const session = await ort.InferenceSession.create(onnxOf(graph));
    const got = (await session.run({ x: new ort.Tensor('float32', input.data as Float32Array, input.shape) })).y!;
    expect([...got.dims]).toEqual(want.shape);
    const worst = Math.max(...Array.from(got.data as Float32Array, (v, i) => Math.abs(v - want.data[i]!)));
    expect(worst).toBeLessThan(1e-5);
  });

  it('counts MACs from static shapes, whatever the layout, and tells layer kinds apart', () => {
    const layers = [...layersOf(nhwcGraph()).values()];
    // conv 1: 5×6 outputs × 12 channels × 3·3·3; conv 2: 5×6 × 12 × 3·3·6; depthwise: 5×6 × 12 × 3·3; the 1×1: 2×3 × 5 × 12.
    expect(layers.map((l) => l.macs)).toEqual([5 * 6 * 12 * 27, 5 * 6 * 12 * 54, 5 * 6 * 12 * 9, 2 * 3 * 5 * 12]);
    expect(layers.map((l) => l.kind)).toEqual(['conv', 'conv', 'depthwise', 'pointwise']);
  });

  it("counts the text encoder's products at 1×128, float and dynamic alike: projections and FFN as gemm, attention's batched MatMuls as matmul", () => {
    const shapes = { input_ids: [1, 128], attention_mask: [1, 128] };
    const bytes = new Uint8Array(readFileSync('models/text_encoder.onnx'));
    const count = (g: Parameters<typeof layersOf>[0]) => {
      const by: Record<string, { layers: number; macs: number }> = {};
      for (const l of layersOf(g).values()) {
        const k = (by[l.kind] ??= { layers: 0, macs: 0 });
        k.layers++;
        k.macs += l.macs;
      }
      return by;
    };
    const float = optimize(fixInputShapes(importOnnx(bytes), shapes));
    const dynamic = optimize(fixInputShapes(importOnnx(exportDynamicOnnx(bytes).bytes), shapes));
    expect(dynamic.nodes.filter((n) => n.op === 'MatMulDynamicInt8')).toHaveLength(13);
    // Per layer (hidden 64, FFN 256, 4 heads of 16): q, k, v, o 4 · 128·64·64; FFN 2 · 128·64·256; Q·Kᵀ and scores·V 2 · 4·128·128·16. The classifier: 8·64.
    const gemm = 2 * (4 * 128 * 64 * 64 + 2 * 128 * 64 * 256) + 8 * 64;
    const matmul = 2 * 2 * 4 * 128 * 128 * 16;
    const want = { gemm: { layers: 13, macs: gemm }, matmul: { layers: 4, macs: matmul } };
    expect(count(float)).toEqual(want);
    expect(count(dynamic)).toEqual(want);
  });

  it("runs onnxruntime twice on a dynamic model (its dynamic file, then its float one), every other engine once", () => {
    const runs = engineRuns({ files: { onnx: 'f.onnx', dynamicOnnx: 'd.onnx' } }, ['int8', 'fp32', 'ort-webgpu', 'ort-wasm']);
    expect(runs.map(engineLabel)).toEqual(['int8', 'fp32', 'ort-webgpu (dynamic)', 'ort-webgpu', 'ort-wasm (dynamic)', 'ort-wasm']);
    expect(engineRuns({ files: { onnx: 'f.onnx' } }, ['int8', 'ort-cpu']).map(engineLabel)).toEqual(['int8', 'ort-cpu']);
  });

  it('interpolates percentiles between order statistics', () => {
    const s = latencyStats([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ runs: 5, median: 3, min: 1, max: 5, mean: 3 });
    expect(s.p10).toBeCloseTo(1.4);
    expect(s.p90).toBeCloseTo(4.6);
  });

  it('measures each kernel against the peak of the arithmetic its shader does', () => {
    expect(mathOf('conv2d_int8_blocked', 'native')).toBe('dp4a');
    expect(mathOf('conv2d_int8', 'native')).toBe('dp4a');
    expect(mathOf('conv2d_int8_blocked_f32', 'native')).toBe('f32');
    expect(mathOf('conv2d_int8_dw_f32', 'native')).toBe('f32');
    expect(mathOf('conv2d_int8_dw', 'native')).toBe('i32');
    expect(mathOf('conv2d_int8_blocked', 'emulated')).toBe('emulated');
    expect(mathOf('conv2d_f32', undefined)).toBe('f32');
    expect(mathOf('pool_int8', 'native')).toBeNull();
    expect(mathOf('matmul_f32', undefined)).toBe('f32');
    expect(mathOf('dynq_gemm', undefined)).toBe('dp4a');
    expect(mathOf('dynq_conv', undefined)).toBe('dp4a');
    expect(mathOf('dynq_gemm_f32', undefined)).toBe('f32');
    expect(mathOf('dynq_quantize', undefined)).toBeNull();
  });
});
