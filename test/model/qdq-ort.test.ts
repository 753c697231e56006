// Cross-check with onnxruntime: the QDQ export of our calibration, run by ORT's CPU execution
// provider (which fuses Q/DQ into its own int8 kernels: QLinearConv, QGemm, …), must predict what
// our int8 reference predicts. Images: the first N Fashion-MNIST test images, N = 2000 unless
// QDQ_ORT_IMAGES says otherwise (e.g. QDQ_ORT_IMAGES=10000); calibration: minmax over 100 images
// from the test set's last 1000.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { argmax, imageSetFromIdx } from '../../src/data/dataset.ts';
import { writeOnnx } from '../../src/export/onnx-write.ts';
import { exportQdq, planQdq } from '../../src/export/qdq.ts';
import { decodeModel } from '../../src/import/onnx-proto.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph } from '../../src/ir/graph.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'), readIdx(BUNDLED.testLabels, 'labels'));
const N = Math.min(images.count, Number(process.env.QDQ_ORT_IMAGES ?? 2000));
const PIXELS = 28 * 28;
const graph = importOnnx(readFileSync(BUNDLED.model));
const fused = optimize(graph);

function quantize(g: Graph, samples: number, sample: (i: number) => Record<string, Tensor>): QuantizedModel {
  const nhwc = optimize(g, { layout: 'NHWC' });
  return quantizeGraph(nhwc, calibrate(nhwc, samples, sample, { method: 'minmax' }), { method: 'minmax', samples });
}

const session = (bytes: Uint8Array, options: ort.InferenceSession.SessionOptions = {}) =>
  ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], logSeverityLevel: 3, ...options });

/** Logits for images [0, count) from ORT, in batches. */
async function ortLogits(s: ort.InferenceSession, count: number, batch = 500): Promise<Float32Array> {
  const out = new Float32Array(count * 10);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = new Float32Array(n * PIXELS);
    for (let i = 0; i < n; i++) x.set(images.input(start + i).data, i * PIXELS);
    const r = await s.run({ input: new ort.Tensor('float32', x, [n, 1, 28, 28]) });
    out.set(r.logits!.data as Float32Array, start * 10);
  }
  return out;
}

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(2);

describe('QDQ export in onnxruntime-node', () => {
  it('loads onnxruntime-node and runs our float export as our float reference does', async () => {
    console.log(`onnxruntime-node ${ort.env.versions.node ?? '?'} (onnxruntime-common ${ort.env.versions.common})`);
    const s = await session(writeOnnx(fused));
    const count = 200;
    const logits = await ortLogits(s, count);
    let maxDiff = 0;
    for (let i = 0; i < count; i++) {
      const ours = runFloat(fused, { input: images.input(i) }).logits!.data;
      for (let j = 0; j < 10; j++) maxDiff = Math.max(maxDiff, Math.abs(ours[j]! - logits[i * 10 + j]!));
    }
    console.log(`float export, ${count} images: max |logit diff| ORT vs runFloat ${maxDiff.toExponential(2)}`);
    expect(maxDiff).toBeLessThanOrEqual(1e-4);
  });

  it('runs a small QDQ net (residual Add, Gemm with transB=0, MatMul, float ops) as runInt8 does', async () => {
    const NONE = {} as Record<string, never>;
    const b = new GraphBuilder('qdq-net');
    const x = b.input('x', ['N', 2, 6, 6]);
    const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([4, 2, 3, 3], 1)), b.constant('b1', randomTensor([4], 2))], convAttrs({ pads: [1, 1, 1, 1], clamp: { min: 0, max: Infinity } }), 'c1');
    const s = b.node('Sigmoid', [x], NONE, 's');
    const c2 = b.node('Conv', [s, b.constant('w2', randomTensor([4, 2, 1, 1], 3))], convAttrs(), 'c2');
    const a = b.node('Add', [c1, c2], NONE, 'a');
    const fl = b.node('Flatten', [b.node('GlobalAveragePool', [a], { layout: 'NCHW' }, 'gap')], { axis: 1 }, 'fl');
    const g = b.node('Gemm', [fl, b.constant('B', randomTensor([4, 3], 4)), b.constant('C', randomTensor([3], 5))], { transA: false, transB: false, alpha: 1, beta: 1, clamp: null }, 'g');
    b.node('MatMul', [g, b.constant('M', randomTensor([3, 5], 6))], NONE, 'out');
    b.node('Mul', [s, s], NONE, 'sq');
    const net = b.output('out', ['N', 5]).output('sq', ['N', 2, 6, 6]).build();
    const feed = (i: number) => ({ x: randomTensor([1, 2, 6, 6], 100 + i, -2, 2) });
    const model = quantize(net, 16, feed);
    const outQ = model.tensors.get('out:q');
    if (outQ?.dtype !== 'int8') throw new Error('out is not int8 in the program');
    const sess = await session(exportQdq(optimize(net), model));
    let maxLsb = 0;
    let maxSq = 0;
    for (let i = 0; i < 32; i++) {
      const feeds = feed(1000 + i);
      const ours = runInt8(model, feeds);
      const theirs = await sess.run({ x: new ort.Tensor('float32', feeds.x.data as Float32Array, [1, 2, 6, 6]) });
      const o = theirs.out!.data as Float32Array;
      for (let j = 0; j < o.length; j++) maxLsb = Math.max(maxLsb, Math.round(Math.abs(o[j]! - ours.out!.data[j]!) / outQ.qparams.scale));
      const sq = theirs.sq!.data as Float32Array;
      for (let j = 0; j < sq.length; j++) maxSq = Math.max(maxSq, Math.abs(sq[j]! - ours.sq!.data[j]!));
    }
    console.log(`small QDQ net, 32 inputs: max |out diff| ${maxLsb} LSB, max |sq diff| ${maxSq.toExponential(2)}`);
    expect(maxLsb).toBeLessThanOrEqual(3);
    expect(maxSq).toBeLessThanOrEqual(1e-5);
  });

  it(`predicts as runInt8 does on ${N} test images (argmax agreement ≥ 99%)`, { timeout: 1_800_000 }, async () => {
    let t0 = performance.now();
    const model = quantize(graph, 100, (i) => ({ input: images.input(images.count - 1000 + i) }));
    const tCalibrate = seconds(t0);
    t0 = performance.now();
    const bytes = exportQdq(fused, model);
    const tExport = seconds(t0);

    // The export: one Q/DQ pair per int8 activation, one DQ per weight and per bias.
    const plan = planQdq(fused, model);
    expect(plan.unmapped).toEqual([]);
    expect(plan.conflicts).toEqual([]);
    const nodes = decodeModel(bytes).graph!.node;
    const count = (op: string) => nodes.filter((n) => n.opType === op).length;
    const biases = [...plan.linear.keys()].filter((name) => fused.nodes.find((n) => n.name === name)?.inputs[2]).length;
    expect(plan.activations.size).toBe(10);
    expect(plan.linear.size).toBe(7);
    expect(count('QuantizeLinear')).toBe(plan.activations.size);
    expect(count('DequantizeLinear')).toBe(plan.activations.size + plan.linear.size + biases);

    // ORT rewrites the QDQ graph into its int8 kernels.
    const dir = mkdtempSync(join(tmpdir(), 'qdq-ort-'));
    try {
      const optimized = join(dir, 'optimized.onnx');
      await session(bytes, { graphOptimizationLevel: 'extended', optimizedModelFilePath: optimized });
      const ops = decodeModel(readFileSync(optimized)).graph!.node.map((n) => n.opType);
      console.log(`ORT's optimized graph: ${ops.join(' ')}`);
      expect(ops.filter((op) => op === 'QLinearConv')).toHaveLength(6);
      expect(ops).not.toContain('Conv');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }

    t0 = performance.now();
    const ortAll = await ortLogits(await session(bytes), N);
    const tOrt = seconds(t0);
    // With graph optimizations off ORT runs the Q/DQ nodes as written (float arithmetic between them).
    const ortPlain = await ortLogits(await session(bytes, { graphOptimizationLevel: 'disabled' }), N);

    t0 = performance.now();
    const ours = new Float32Array(N * 10);
    for (let i = 0; i < N; i++) ours.set(runInt8(model, { input: images.input(i) }).logits!.data, i * 10);
    const tOurs = seconds(t0);

    const logitsQ = model.tensors.get('logits:q');
    const scale = logitsQ?.dtype === 'int8' ? logitsQ.qparams.scale : NaN;
    const labels = images.labels!;
    const stats = (theirs: Float32Array) => {
      let agree = 0;
      let correct = 0;
      let sameLogits = 0;
      let maxLsb = 0;
      for (let i = 0; i < N; i++) {
        if (argmax(theirs, i * 10, 10) === argmax(ours, i * 10, 10)) agree++;
        if (argmax(theirs, i * 10, 10) === labels[i]) correct++;
        let lsb = 0;
        for (let j = i * 10; j < i * 10 + 10; j++) lsb = Math.max(lsb, Math.round(Math.abs(theirs[j]! - ours[j]!) / scale));
        if (lsb === 0) sameLogits++;
        maxLsb = Math.max(maxLsb, lsb);
      }
      return { agreement: agree / N, accuracy: correct / N, sameLogits: sameLogits / N, maxLsb };
    };
    let ourCorrect = 0;
    for (let i = 0; i < N; i++) if (argmax(ours, i * 10, 10) === labels[i]) ourCorrect++;
    const all = stats(ortAll);
    const plain = stats(ortPlain);
    const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
    console.log(
      `QDQ in onnxruntime-node ${ort.env.versions.node ?? '?'} vs runInt8 on ${N} test images ` +
        `(calibration minmax, 100 images, ${tCalibrate} s; export ${tExport} s, ${bytes.length} bytes):\n` +
        `  ORT int8 kernels: argmax agreement ${pct(all.agreement)}, accuracy ${pct(all.accuracy)} vs ours ${pct(ourCorrect / N)}; ` +
        `identical logits ${pct(all.sameLogits)}, max diff ${all.maxLsb} LSB\n` +
        `  ORT without graph optimizations: argmax agreement ${pct(plain.agreement)}, accuracy ${pct(plain.accuracy)}; ` +
        `identical logits ${pct(plain.sameLogits)}, max diff ${plain.maxLsb} LSB\n` +
        `  time: ORT ${tOrt} s, runInt8 ${tOurs} s`,
    );
    expect(all.agreement).toBeGreaterThanOrEqual(0.99);
    expect(plain.agreement).toBeGreaterThanOrEqual(0.99);
  });
});
