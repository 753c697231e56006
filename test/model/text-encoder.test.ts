// The trained BERT-style text encoder (scripts/train_text_encoder.py: fortunes classified by
// file; models/text_encoder.onnx, int64 input_ids and attention_mask [batch, sequence]):
// - the tokenizer (src/data/text-tokenize.ts) gives the script's token ids on every test text;
// - the float CPU reference on the imported graph gives torch's prediction on every test text
//   (so torch's fp32 accuracy), its logits within LOGIT_TOLERANCE of torch's;
// - onnxruntime-node (CPU EP) agrees with the CPU reference within ORT_TOLERANCE (max |Δ| over
//   max |logit|) at lengths 1, 7, 32 and 128, batch 2 with the second row padded;
// - the passes fuse the exported LayerNorms (opset 14 writes them decomposed) and GELUs;
// - on the GPU (Dawn) one fp32 session, created without fixing the sequence, runs lengths 1, 7,
//   32 and 128 at batch 1 and 2 within GPU_TOLERANCE of the CPU reference, then every length
//   1..128, holding at most PLAN_CACHE_SIZE plans (the buffers alive on the device are theirs:
//   evicted plans' are destroyed); the buffer bytes of the plans at 16 and 128 are printed; and
//   every test text's prediction on the GPU is the CPU reference's.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFloatSession } from '../../src/api.ts';
import { encodeText, textTokens, textVocab } from '../../src/data/text-tokenize.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { PLAN_CACHE_SIZE, type Session } from '../../src/gpu/session.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import { fixInputShapes } from '../../src/passes/fix-inputs.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planFloatProgram } from '../../src/plan/float-plan.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { expectBindingsMatch } from '../helpers/bind-layout.ts';
import { relativeMaxDiff } from '../helpers/random.ts';

const skipGpu = process.env.WEBGPU_INT8_SKIP_GPU === '1';
/** Max |CPU reference − torch| per logit (torch's are stored rounded to 1e-5). */
const LOGIT_TOLERANCE = 1e-4;
/** Max |a − b| over max |b| of a batch's logits. */
const ORT_TOLERANCE = 1e-5;
const GPU_TOLERANCE = 1e-4;
const LENGTHS = [1, 7, 32, 128];

const modelBytes = readFileSync('models/text_encoder.onnx');
const meta = JSON.parse(readFileSync('models/text_encoder.json', 'utf8')) as {
  labels: string[];
  vocab: string[];
  max_length: number;
  torch_fp32_test_accuracy: number;
  test_examples: number;
};
const test = JSON.parse(readFileSync('data/text-encoder/test.json', 'utf8')) as {
  texts: string[];
  label: number[];
  input_ids: number[][];
  torch_prediction: number[];
  torch_logits: number[][];
};
const graph: Graph = importOnnx(modelBytes);
const vocab = textVocab(meta);
const N = test.texts.length;

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
};
const unpadded = (ids: readonly number[]) => ({ input_ids: tensor('int64', [1, ids.length], ids), attention_mask: tensor('int64', [1, ids.length], ids.map(() => 1)) });

/** `rows` texts' ids cut to `length` and padded to it with [PAD] (mask 0): the last row is the shortest. */
function batchAt(length: number, rows: number, seed: number): Record<string, Tensor> {
  const byLength = test.input_ids.map((ids, i) => ({ ids, i })).sort((a, b) => b.ids.length - a.ids.length || a.i - b.i);
  const picked = [byLength[seed % 40]!.ids, byLength[(seed * 7 + 300) % N]!.ids].slice(0, rows);
  const ids: number[] = [];
  const mask: number[] = [];
  picked.forEach((seq, r) => {
    const keep = r === rows - 1 && rows > 1 ? Math.max(1, Math.min(seq.length, Math.ceil(length / 2))) : Math.min(seq.length, length);
    for (let j = 0; j < length; j++) {
      ids.push(j < keep ? seq[j]! : vocab.pad);
      mask.push(j < keep ? 1 : 0);
    }
  });
  return { input_ids: tensor('int64', [rows, length], ids), attention_mask: tensor('int64', [rows, length], mask) };
}

const cpuLogits = (feeds: Record<string, Tensor>) => runFloat(graph, feeds).logits!;

/** The GPU buffers of `device` not destroyed yet, with their labels (createBuffer wrapped). */
function liveBuffers(device: GPUDevice): Map<GPUBuffer, string> {
  const live = new Map<GPUBuffer, string>();
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const b = create(descriptor);
    live.set(b, descriptor.label ?? '');
    const destroy = b.destroy.bind(b);
    b.destroy = () => (live.delete(b), destroy());
    return b;
  };
  return live;
}
const bytesOf = (buffers: Map<GPUBuffer, string>, keep: (label: string) => boolean) => [...buffers].reduce((sum, [b, label]) => sum + (keep(label) ? b.size : 0), 0);
const isReadback = (label: string) => label.endsWith('/readback');

describe('the trained text encoder (fortunes by file)', () => {
  it('the tokenizer gives the training script’s token ids on every test text', () => {
    expect(N).toBe(meta.test_examples);
    expect(textTokens("I'd say: NO-thing 42x!")).toEqual(['i', "'", 'd', 'say', ':', 'no', '-', 'thing', '42x', '!']);
    const mismatched = test.texts.filter((t, i) => encodeText(t, vocab).join() !== test.input_ids[i]!.join());
    expect(mismatched).toEqual([]);
    expect(Math.max(...test.input_ids.map((ids) => ids.length))).toBe(meta.max_length);
  });

  it('the float CPU reference gives torch’s prediction on every test text, its accuracy and its logits', { timeout: 300_000 }, () => {
    let worst = 0;
    let correct = 0;
    const disagree: number[] = [];
    test.input_ids.forEach((ids, i) => {
      const logits = cpuLogits(unpadded(ids)).data;
      const pred = argmax(logits);
      if (pred !== test.torch_prediction[i]) disagree.push(i);
      if (pred === test.label[i]) correct++;
      test.torch_logits[i]!.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - logits[k]!))));
    });
    const accuracy = correct / N;
    console.log(`text encoder fp32 on the CPU reference: accuracy ${(100 * accuracy).toFixed(2)}% on ${N} test texts (torch ${(100 * meta.torch_fp32_test_accuracy).toFixed(2)}%), max |logit − torch's| ${worst.toExponential(2)}`);
    expect(disagree).toEqual([]);
    expect(accuracy).toBe(meta.torch_fp32_test_accuracy);
    expect(worst).toBeLessThan(LOGIT_TOLERANCE);
  });

  it(`onnxruntime-node agrees with the CPU reference within ${ORT_TOLERANCE} at lengths ${LENGTHS.join(', ')}, padded batches of 2`, async () => {
    const session = await ort.InferenceSession.create(modelBytes, { executionProviders: ['cpu'], logSeverityLevel: 3 });
    const report: string[] = [];
    for (const length of LENGTHS) {
      const feeds = batchAt(length, 2, length);
      const ortFeeds = Object.fromEntries(
        Object.entries(feeds).map(([k, t]) => [k, new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(v)), t.shape)]),
      );
      const theirs = (await session.run(ortFeeds)).logits!;
      expect(theirs.dims).toEqual([2, meta.labels.length]);
      const diff = relativeMaxDiff(cpuLogits(feeds), { data: theirs.data as Float32Array });
      report.push(`${length}: ${diff.toExponential(2)}`);
      expect(diff, `length ${length}`).toBeLessThan(ORT_TOLERANCE);
    }
    console.log(`text encoder, onnxruntime-node ${ort.env.versions.node ?? '?'} CPU EP vs the CPU reference (max |Δ| / max |logit|, batch 2) by length: ${report.join(', ')}`);
    await session.release();
  });

  it('the passes fuse the 5 decomposed LayerNorms and 2 erf GELUs; the plan at [2, 32] binds as the WGSL declares', () => {
    const shapes = { input_ids: [2, 32], attention_mask: [2, 32] };
    const ops = (g: Graph) => g.nodes.map((n) => n.op);
    const count = (g: Graph, op: string) => ops(g).filter((o) => o === op).length;
    expect(count(graph, 'ReduceMean')).toBe(10);
    expect(count(graph, 'Erf')).toBe(2);
    const fused = optimize(fixInputShapes(graph, shapes), { layout: 'NHWC' });
    expect(count(fused, 'LayerNormalization')).toBe(5);
    expect(count(fused, 'Gelu')).toBe(2);
    for (const op of ['ReduceMean', 'Pow', 'Sqrt', 'Erf', 'Shape', 'ConstantOfShape']) expect(count(fused, op), op).toBe(0);
    // The fused graph computes what the exported one does.
    const feeds = batchAt(32, 2, 3);
    expect(relativeMaxDiff(runFloat(fused, feeds).logits!, cpuLogits(feeds))).toBeLessThan(1e-5);
    const plan = planFloatProgram(fused);
    const shaders = plan.specs.map((s) => s.shader);
    console.log(`text encoder fp32 plan at [2, 32]: ${plan.specs.length} dispatches (${[...new Set(shaders)].map((s) => `${s} ×${shaders.filter((x) => x === s).length}`).join(', ')}), arena ${plan.memory.arenaBytes} B, constants ${plan.constantBytes} B`);
    expect(shaders.filter((s) => s === 'norm_f32')).toHaveLength(5);
    // The embedding lookups read the ids at run time (gather_f32 TABLE 3), and every spec binds as its WGSL declares.
    expect(plan.specs.filter((s) => s.shader === 'gather_f32').map((s) => s.constants.TABLE)).toContain(3);
    for (const spec of plan.specs) expectBindingsMatch(spec);
    expect(plan.shapes.get('logits')).toEqual([2, meta.labels.length]);
  });
});

describe.skipIf(skipGpu)('the trained text encoder fp32 on Dawn, one session at any sequence length', () => {
  let gpu: GpuContext;
  let session: Session;
  let live: Map<GPUBuffer, string>;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
    live = liveBuffers(gpu.device);
    session = await createFloatSession(graph, { gpu });
  });
  afterAll(() => {
    session?.destroy();
    gpu?.device.destroy();
  });

  it(`matches the CPU reference within ${GPU_TOLERANCE} at lengths ${LENGTHS.join(', ')}, batch 1 and 2, in one session`, { timeout: 300_000 }, async () => {
    expect(() => session.info, 'a dynamic session before its first run').toThrow('planned no input shapes yet');
    const report: string[] = [];
    for (const length of LENGTHS) {
      for (const rows of [1, 2]) {
        const feeds = batchAt(length, rows, length + rows);
        const want = cpuLogits(feeds);
        const got = (await session.run(feeds)).logits!;
        expect(got.shape).toEqual([rows, meta.labels.length]);
        const diff = relativeMaxDiff(got, want);
        report.push(`[${rows}, ${length}] ${diff.toExponential(2)}`);
        expect(diff, `[${rows}, ${length}]`).toBeLessThan(GPU_TOLERANCE);
        expect(session.cachedPlans.length).toBeLessThanOrEqual(PLAN_CACHE_SIZE);
      }
    }
    console.log(`text encoder fp32 GPU vs CPU reference (max |Δ| / max |logit|): ${report.join(', ')}`);
    // The last PLAN_CACHE_SIZE shapes are the ones kept, most recent last.
    expect(session.cachedPlans.map((p) => p.shapes.input_ids)).toEqual([[1, 32], [2, 32], [1, 128], [2, 128]].slice(-PLAN_CACHE_SIZE));
    // A shape the graph cannot take is refused by name, and the session still runs.
    await expect(session.run({ input_ids: tensor('int64', [1, 4]), attention_mask: tensor('int64', [1, 5]) })).rejects.toThrow('dim "sequence" is 5 here but 4');
    await expect(session.run({ input_ids: tensor('float32', [1, 4]), attention_mask: tensor('int64', [1, 4]) })).rejects.toThrow('expected int64 [1,4]');
    expect(relativeMaxDiff((await session.run(batchAt(7, 2, 9))).logits!, cpuLogits(batchAt(7, 2, 9)))).toBeLessThan(GPU_TOLERANCE);
  });

  it(`runs every length 1..128 in the same session, holding at most ${PLAN_CACHE_SIZE} plans; the buffers of a plan at 16 and 128`, { timeout: 600_000 }, async () => {
    const bytes = new Map<number, { buffer: number; arena: number; constants: number; dispatches: number }>();
    let worst = 0;
    const t0 = performance.now();
    for (let length = 1; length <= meta.max_length; length++) {
      const feeds = batchAt(length, 1, length);
      const got = (await session.run(feeds)).logits!;
      if (length % 9 === 0 || length === 16 || length === 128) worst = Math.max(worst, relativeMaxDiff(got, cpuLogits(feeds)));
      expect(session.cachedPlans.length).toBeLessThanOrEqual(PLAN_CACHE_SIZE);
      const { bufferBytes, arenaBytes, constantBytes, dispatches } = session.info;
      bytes.set(length, { buffer: bufferBytes, arena: arenaBytes, constants: constantBytes, dispatches });
    }
    const seconds = (performance.now() - t0) / 1000;
    expect(worst).toBeLessThan(GPU_TOLERANCE);
    const at = (n: number) => bytes.get(n)!;
    console.log(
      `text encoder fp32, one dynamic session over lengths 1..128 (batch 1, a new plan each): ${seconds.toFixed(1)} s, at most ${PLAN_CACHE_SIZE} plans held; ` +
        `GPU buffers per plan: length 16 ${at(16).buffer} B (arena ${at(16).arena}, constants ${at(16).constants}), length 128 ${at(128).buffer} B (arena ${at(128).arena}, constants ${at(128).constants}); ${at(128).dispatches} dispatches; worst max |Δ| / max |logit| ${worst.toExponential(2)}`,
    );
    expect(at(128).arena).toBeGreaterThan(at(16).arena);
    // The constants differ by the position embeddings folded for the length ([1, length, 64] f32).
    expect(at(128).constants - at(16).constants).toBe((128 - 16) * 64 * 4);
    expect(session.cachedPlans.map((p) => p.shapes.input_ids![1])).toEqual([125, 126, 127, 128].slice(-PLAN_CACHE_SIZE));
    // What the device holds is the cached plans' buffers and one readback buffer each (made by
    // the first run, as large as the arena slot the logits lie in): the evicted plans' buffers
    // were destroyed.
    const held = session.cachedPlans.reduce((sum, p) => sum + p.info.bufferBytes, 0);
    expect(bytesOf(live, (label) => !isReadback(label))).toBe(held);
    expect([...live.values()].filter(isReadback)).toHaveLength(session.cachedPlans.length);
    console.log(`text encoder fp32: the ${session.cachedPlans.length} plans held at the end (lengths 125..128) hold ${held} B of buffers and ${bytesOf(live, isReadback)} B of readback buffers`);
  });

  it('gives the CPU reference’s prediction on every test text (so torch’s accuracy)', { timeout: 600_000 }, async () => {
    // Sorted by length, so texts of one length share a plan.
    const order = test.input_ids.map((_, i) => i).sort((a, b) => test.input_ids[a]!.length - test.input_ids[b]!.length || a - b);
    let correct = 0;
    const disagree: number[] = [];
    for (const i of order) {
      const pred = argmax((await session.run(unpadded(test.input_ids[i]!))).logits!.data);
      if (pred !== test.torch_prediction[i]) disagree.push(i);
      if (pred === test.label[i]) correct++;
    }
    console.log(`text encoder fp32 on the GPU: accuracy ${((100 * correct) / N).toFixed(2)}% on ${N} test texts (torch ${(100 * meta.torch_fp32_test_accuracy).toFixed(2)}%), ${disagree.length} predictions differ from torch's`);
    expect(disagree).toEqual([]);
  });

  it('destroy() frees every buffer of every plan it holds', () => {
    expect(live.size).toBeGreaterThan(0);
    session.destroy();
    expect(live.size).toBe(0);
  });
});
