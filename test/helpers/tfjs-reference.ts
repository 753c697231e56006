// The independent float reference for TF.js graph models: TensorFlow.js itself (tfjs-core +
// tfjs-converter 4.22, pure-JS CPU backend), loading a model from a cache directory written by
// `webgpu-int8 fetch-models` (src/models/fetch.ts) or from an in-memory model.json + weights,
// and running it.
// Test-only (node): nothing under src/ depends on TF.js.

import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

export type { GraphModel };

export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** A TF.js model.json (only the fields the loader reads are typed). */
export interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  signature?: object;
  userDefinedMetadata?: Record<string, unknown>;
  modelInitializer?: object;
}

let ready: Promise<void> | undefined;

/**
 * Selects the CPU backend once. PROD silences TF.js's "install tfjs-node" advice and other
 * console warnings; it changes no arithmetic.
 */
export function tfjsReady(): Promise<void> {
  ready ??= (async () => {
    tf.env().set('PROD', true);
    if (!(await tf.setBackend('cpu'))) throw new Error('TF.js: the cpu backend did not initialise');
    await tf.ready();
  })();
  return ready;
}

/**
 * A graph model from its model.json object and the concatenation of its weight shards (in
 * weightsManifest order, as TF.js reads them). For hand-built graphs in tests: `modelJson`
 * may have an empty weightsManifest when the graph has no weights.
 */
export async function loadTfjsArtifacts(modelJson: TfjsModelJson | object, weightData: ArrayBuffer): Promise<GraphModel> {
  await tfjsReady();
  const json = modelJson as TfjsModelJson;
  if (!json.modelTopology) throw new Error('loadTfjsArtifacts: model.json has no modelTopology');
  const weightSpecs = (json.weightsManifest ?? []).flatMap((g) => g.weights);
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format ?? 'graph-model',
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    weightSpecs,
    weightData,
    ...(json.signature ? { signature: json.signature } : {}),
    ...(json.userDefinedMetadata ? { userDefinedMetadata: json.userDefinedMetadata as Record<string, {}> } : {}),
    ...(json.modelInitializer ? { modelInitializer: json.modelInitializer } : {}),
  };
  return loadGraphModel(tf.io.fromMemory(artifacts));
}

/** Reads model.json and its shards from `dir` (paths relative to it, as the manifest says). */
export function readTfjsDir(dir: string): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  const modelJson = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as TfjsModelJson;
  const shards = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths).map((p) => fs.readFileSync(path.join(dir, p)));
  const total = shards.reduce((n, b) => n + b.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    bytes.set(s, offset);
    offset += s.length;
  }
  return { modelJson, weightData: bytes.buffer };
}

/** A graph model from a directory holding model.json and its shards (e.g. modelDir(id): <cache>/models/<id>). */
export async function loadTfjsModel(dir: string): Promise<GraphModel> {
  const { modelJson, weightData } = readTfjsDir(dir);
  return loadTfjsArtifacts(modelJson, weightData);
}

/**
 * Runs the model on `inputs` and returns the requested outputs as float32, keyed by the names
 * asked for. Names are node names ("input", "Identity_1", "X:0" for output 0 of node X) or the
 * signature's keys ("input:0", "objects"), which TF.js maps to nodes. Without `outputNames`: the
 * graph's output nodes as `model.outputs` names them ("Identity", "Identity_1", ...). All inputs
 * are fed as float32. Runs `execute`, or `executeAsync` when TF.js asks for it (control flow,
 * dynamic shapes). Every tensor is disposed before returning.
 */
export async function runTfjs(
  model: GraphModel,
  inputs: Record<string, TensorData>,
  outputNames?: string[],
): Promise<Map<string, TensorData>> {
  await tfjsReady();
  const names = outputNames ?? model.outputs.map((o) => o.name);
  const feed: tf.NamedTensorMap = {};
  for (const [name, t] of Object.entries(inputs)) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`runTfjs: input ${name} has ${t.data.length} values, shape [${t.shape}] needs ${size}`);
    feed[name] = tf.tensor(t.data, t.shape, 'float32');
  }
  const out = new Map<string, TensorData>();
  try {
    let result: tf.Tensor | tf.Tensor[];
    try {
      result = tf.tidy(() => model.execute(feed, names));
    } catch (e) {
      // Control flow or dynamic-shape ops (TF.js says "... use model.executeAsync() instead").
      if (!/executeAsync/.test(String(e))) throw e;
      result = await model.executeAsync(feed, names);
    }
    const list = Array.isArray(result) ? result : [result];
    try {
      for (let i = 0; i < names.length; i++) {
        const r = list[i]!;
        const values = await r.data();
        out.set(names[i]!, { shape: r.shape.slice(), data: values instanceof Float32Array ? values.slice() : Float32Array.from(values as ArrayLike<number>) });
      }
    } finally {
      tf.dispose(list);
    }
  } finally {
    tf.dispose(Object.values(feed));
  }
  return out;
}

/**
 * The model's weights as TF.js decodes them (dequantized: uint8-affine and float16 shards come
 * out as float32), by weight name. For checking an importer's own dequantization.
 */
export async function decodeTfjsWeights(modelJson: TfjsModelJson, weightData: ArrayBuffer): Promise<Map<string, TensorData>> {
  await tfjsReady();
  const specs = (modelJson.weightsManifest ?? []).flatMap((g) => g.weights);
  const tensors = tf.io.decodeWeights(weightData, specs);
  const out = new Map<string, TensorData>();
  for (const [name, t] of Object.entries(tensors)) {
    out.set(name, { shape: t.shape.slice(), data: Float32Array.from(t.dataSync() as ArrayLike<number>) });
    t.dispose();
  }
  return out;
}
