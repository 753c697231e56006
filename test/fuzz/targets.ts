// The three model formats the engine loads from strangers, each as: a real file to start from,
// seeded mutations of it, and what a user does with a file (load it, then run it on the CPU
// reference). A case ends in a typed error, or in a model that loads and runs.

import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import { quantize } from '../../src/api.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { parseIdx } from '../../src/data/idx.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { importOnnxQdq } from '../../src/import/onnx-qdq.ts';
import { onnxSchema } from '../../src/import/onnx-schema.ts';
import { importTfjs } from '../../src/import/tfjs.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { sizeOf, tensor, type DType, type Tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planProgram } from '../../src/plan/plan.ts';
import { readQ8, writeQ8 } from '../../src/quant/q8-file.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { mutateBytes, mutateTree, truncate, type Mutated, type Random } from './mutate.ts';

/** What loading and running a file came to, when it did not throw. */
export type Ran = 'ran' | 'loaded; input too large to run here';

export interface Target<F> {
  name: string;
  original: F;
  /** The bytes a case is measured against (the allocation bound is proportional to them). */
  size(files: F): number;
  /** Case `index` of `count`: truncations are spread over the file so every region is cut. */
  mutate(files: F, r: Random, index: number, count: number): Mutated<F>;
  load(files: F): Ran;
}

/** An input of the declared shape (symbolic dims as 1), or undefined when it is far larger than the original's. */
function feedsFor(inputs: readonly { name: string; dtype: DType; shape: readonly (number | string)[] }[], maxElements: number): Record<string, Tensor> | undefined {
  const feeds: Record<string, Tensor> = {};
  for (const input of inputs) {
    const shape = input.shape.map((d) => (typeof d === 'number' ? d : 1));
    if (sizeOf(shape) > maxElements) return undefined;
    feeds[input.name] = tensor(input.dtype, shape);
  }
  return feeds;
}

/**
 * The largest input a case is run on: 4× the original model's largest input (symbolic dims as 1).
 * A mutated model asking for more loads and plans but is not run: it would only be slow.
 */
export const maxRunElements = (io: { inputs: readonly { shape: readonly (number | string)[] }[] }): number =>
  4 * Math.max(1, ...io.inputs.map((i) => sizeOf(i.shape.map((d) => (typeof d === 'number' ? d : 1)))));

function runGraph(graph: Graph, maxElements: number): Ran {
  const fused = optimize(graph);
  const feeds = feedsFor(fused.inputs, maxElements);
  if (!feeds) return 'loaded; input too large to run here';
  runFloat(fused, feeds);
  return 'ran';
}

// --- ONNX: protobuf bytes, edited on the wire or as a decoded message -------------------------

const ModelProto = protobuf.Root.fromJSON(onnxSchema).lookupType('onnx.ModelProto');

/** The decoded model as a plain tree (int64 as numbers), and back to bytes. */
const onnxTree = (bytes: Uint8Array): Record<string, unknown> => ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false }) as Record<string, unknown>;
const onnxBytes = (tree: Record<string, unknown>): Uint8Array => ModelProto.encode(ModelProto.fromObject(tree)).finish();

interface OnnxGraphTree {
  node: { input?: string[]; output?: string[] }[];
}

/** A node reads a later node's output (a cycle) or a name nothing produces. */
function rewire(tree: Record<string, unknown>, r: Random): Mutated<Record<string, unknown>> {
  const copy = structuredClone(tree);
  const nodes = (copy.graph as OnnxGraphTree).node;
  const i = r.int(nodes.length);
  const j = i + r.int(nodes.length - i);
  const inputs = (nodes[i]!.input ??= []);
  const k = r.int(Math.max(1, inputs.length));
  if (r.next() < 0.5) {
    inputs[k] = nodes[j]!.output?.[0] ?? 'x';
    return { value: copy, what: `node ${i} input ${k} reads node ${j}'s output (a cycle)` };
  }
  inputs[k] = 'no_such_tensor';
  return { value: copy, what: `node ${i} input ${k} reads a dangling name` };
}

export function onnxTarget(name: string, original: Uint8Array): Target<Uint8Array> {
  const tree = onnxTree(original);
  const maxElements = maxRunElements(importOnnxQdq(original).graph);
  return {
    name,
    original,
    size: (b) => b.length,
    mutate(bytes, r, index, count) {
      const kind = index % 4;
      if (kind === 0) return truncate(bytes, index / count);
      if (kind === 1) return mutateBytes(bytes, r);
      // Structural edits: dims, data types, attributes, names, nodes, initializers, inputs.
      const edited = kind === 2 ? mutateTree(tree, r, (p) => p.startsWith('$.graph') || p.startsWith('$.opsetImport')) : rewire(tree, r);
      try {
        return { value: onnxBytes(edited.value), what: edited.what };
      } catch {
        // Not expressible in protobuf (e.g. a string where a number goes): mutate the bytes instead.
        return mutateBytes(bytes, r);
      }
    },
    load: (bytes) => runGraph(importOnnxQdq(bytes).graph, maxElements),
  };
}

// --- .q8: a JSON header pointing into a binary section ------------------------------------------

const ALIGN = 16;

function splitQ8(bytes: Uint8Array): { header: unknown; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(8, true);
  const dataStart = Math.ceil((12 + length) / ALIGN) * ALIGN;
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + length))), data: bytes.subarray(dataStart) };
}

function joinQ8(original: Uint8Array, header: unknown, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((12 + json.length) / ALIGN) * ALIGN;
  const out = new Uint8Array(dataStart + data.length);
  out.set(original.subarray(0, 8));
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(data, dataStart);
  return out;
}

/** The bundled CNN quantized (MinMax on 16 training images) and written as a .q8: the file the .q8 targets mutate. */
export async function bundledQ8(): Promise<Uint8Array> {
  const graph = importOnnx(readFileSync('models/fashion_mnist_cnn.onnx'));
  const images = imageSetFromIdx(parseIdx(readFileSync('data/fashion-mnist/train-first500-images-idx3-ubyte.gz')));
  const model = await quantize(graph, { calibration: Array.from({ length: 16 }, (_, i) => ({ input: images.input(i) })), method: 'minmax' });
  return writeQ8(model);
}

export function q8Target(name: string, original: Uint8Array): Target<Uint8Array> {
  const { header, data } = splitQ8(original);
  const model = readQ8(original);
  const maxElements = maxRunElements(model);
  return {
    name,
    original,
    size: (b) => b.length,
    mutate(bytes, r, index, count) {
      const kind = index % 3;
      if (kind === 0) return truncate(bytes, index / count);
      if (kind === 1) return mutateBytes(bytes, r);
      // Steps reordered, dropped or duplicated; array references, shapes, zero points, multipliers.
      const edited = mutateTree(header, r, (p) => p.startsWith('$.model'));
      return { value: joinQ8(bytes, edited.value, data), what: edited.what };
    },
    load(bytes) {
      const m = readQ8(bytes);
      const feeds = feedsFor(m.inputs.map((i) => ({ ...i, dtype: 'float32' as const })), maxElements);
      if (!feeds) return 'loaded; input too large to run here';
      planProgram(m);
      runInt8(m, feeds);
      return 'ran';
    },
  };
}

// --- TF.js: model.json (a GraphDef as JSON + weights manifest) and its weight shard -------------

export interface TfjsFiles {
  json: unknown;
  shard: Uint8Array;
}

function tfRewire(json: unknown, r: Random): Mutated<unknown> {
  const copy = structuredClone(json) as { modelTopology: { node: { name: string; input?: string[] }[] } };
  const nodes = copy.modelTopology.node;
  const i = r.int(nodes.length);
  const inputs = (nodes[i]!.input ??= []);
  const k = r.int(Math.max(1, inputs.length));
  if (r.next() < 0.5) {
    // TF.js graphs are not in topological order: a cycle must go through the node's own consumers.
    const consumer = nodes.find((n) => n.input?.includes(nodes[i]!.name));
    inputs[k] = consumer?.name ?? nodes[i]!.name;
    return { value: copy, what: `node "${nodes[i]!.name}" input ${k} reads "${inputs[k]}" (a cycle)` };
  }
  inputs[k] = 'no_such_node';
  return { value: copy, what: `node "${nodes[i]!.name}" input ${k} reads a dangling name` };
}

export function tfjsTarget(name: string, original: TfjsFiles): Target<TfjsFiles> {
  const maxElements = maxRunElements(importTfjs(original.json, [original.shard]));
  return {
    name,
    original,
    size: (f) => JSON.stringify(f.json).length + f.shard.length,
    mutate(files, r, index, count) {
      const kind = index % 5;
      if (kind === 0) {
        const t = truncate(files.shard, index / count);
        return { value: { ...files, shard: t.value }, what: `shard: ${t.what}` };
      }
      if (kind === 1) {
        const m = mutateBytes(files.shard, r);
        return { value: { ...files, shard: m.value }, what: `shard: ${m.what}` };
      }
      if (kind === 2) {
        const m = tfRewire(files.json, r);
        return { value: { ...files, json: m.value }, what: m.what };
      }
      // Node attributes (shapes, dtypes, strides), node lists, the weights manifest.
      const where = kind === 3 ? '$.weightsManifest' : '$.modelTopology';
      const m = mutateTree(files.json, r, (p) => p.startsWith(where));
      return { value: { ...files, json: m.value }, what: m.what };
    },
    load: (f) => runGraph(importTfjs(f.json, [f.shard]), maxElements),
  };
}
