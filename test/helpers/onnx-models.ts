// The real ONNX models of issue 16 as the model tests use them: their bytes from the model cache
// (a missing one fails naming the command that fetches it), onnxruntime-node CPU sessions, and
// openWakeWord's melspectrogram windows.

import { existsSync, readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import { onnxModelPath, type OnnxModelId } from '../../src/models/fetch-onnx.ts';

export function modelBytes(id: OnnxModelId): Uint8Array {
  const file = onnxModelPath(id);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run fetch-models`);
  return readFileSync(file);
}

const sessions = new Map<OnnxModelId, Promise<ort.InferenceSession>>();
const ortSession = (id: OnnxModelId) => {
  if (!sessions.has(id)) sessions.set(id, ort.InferenceSession.create(modelBytes(id), { executionProviders: ['cpu'], logSeverityLevel: 3 }));
  return sessions.get(id)!;
};

export async function runOrt(id: OnnxModelId, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
  const s = await ortSession(id);
  const ortFeeds = Object.fromEntries(
    Object.entries(feeds).map(([k, t]) => [k, t.dtype === 'int64' ? new ort.Tensor('int64', BigInt64Array.from(t.data, (v) => BigInt(v)), t.shape) : new ort.Tensor('float32', Float32Array.from(t.data), t.shape)]),
  );
  const out = await s.run(ortFeeds);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, tensor('float32', [...v.dims], v.data as Float32Array)]));
}

export const f32 = (shape: number[], data: ArrayLike<number>) => tensor('float32', shape, data);

// openWakeWord's chain: melspectrogram frames (x/10 + 2), 76-frame windows every 8 frames →
// embedding_model → the last N embeddings → a head's score.
export async function melFrames(audio: Float32Array): Promise<Tensor> {
  const out = await runOrt('melspectrogram', { input: f32([1, audio.length], audio) });
  const mel = out.output!;
  const frames = mel.shape[2]!;
  return f32([frames, 32], Array.from(mel.data, (v) => v / 10 + 2));
}

export const window = (mel: Tensor, start: number) => f32([1, 76, 32, 1], mel.data.subarray(start * 32, (start + 76) * 32));

export async function embeddings(mel: Tensor): Promise<Tensor> {
  const count = Math.floor((mel.shape[0]! - 76) / 8) + 1;
  const rows: number[] = [];
  for (let i = 0; i < count; i++) rows.push(...(await runOrt('embedding_model', { input_1: window(mel, i * 8) })).conv2d_19!.data);
  return f32([count, 96], rows);
}

