// Loading MODEL arguments: a float .onnx or TF.js graph model (imported and optimised for the
// int8 path) or a .q8.

import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError, ModelFormatError } from '../errors.ts';
import { importTfjs } from '../import/tfjs.ts';
import { parseModelJson, shardPaths } from '../import/tfjs-model.ts';
import { importOnnxQdq } from '../import/onnx-qdq.ts';
import type { Graph } from '../ir/graph.ts';
import { optimize } from '../passes/pipeline.ts';
import { assignNhwcLayout } from '../passes/to-nhwc.ts';
import type { QuantizedModel } from '../quant/program.ts';
import type { GivenQuantization } from '../quant/qdq-import.ts';
import { readQ8 } from '../quant/q8-file.ts';
import { besideModel, readBytes } from './files.ts';
import { isModelId, MODEL_IDS, MODELS, type CatalogModel } from '../models/catalog.ts';
import { modelDir } from '../models/paths.ts';

export interface FloatModel {
  kind: 'onnx' | 'tfjs';
  graph: Graph;
  /** Fused, NCHW: what the QDQ export annotates. */
  fused: Graph;
  /** Fused, NHWC: what calibration observes and the quantizer consumes. */
  nhwc: Graph;
  /** For an ONNX QDQ model: its own quantization, used instead of calibration. */
  given: GivenQuantization | null;
  /** For a pretrained model of the catalog: its preprocessing, labels and task. */
  catalog?: CatalogModel;
}

export type LoadedModel = FloatModel | { kind: 'q8'; model: QuantizedModel };

export function loadFloatModel(path: string): FloatModel {
  // A QDQ model imports as its float graph (Q/DQ removed, weights dequantized) and its quantization.
  const { graph, given } = importOnnxQdq(readBytes(path, 'model'), { externalData: besideModel(path) });
  return floatModelOf(graph, given);
}

/** An imported ONNX graph with its fused NCHW and NHWC forms. */
export function floatModelOf(graph: Graph, given: GivenQuantization | null = null): FloatModel {
  const fused = optimize(graph);
  // The NHWC graph is the fused one with its layout assigned: no need to run the fusion passes twice.
  return { kind: 'onnx', graph, fused, nhwc: assignNhwcLayout(fused), given };
}

/** A TF.js graph model: its model.json, or the folder holding it (shards beside it, as the manifest names them). */
export function loadTfjsModel(path: string): FloatModel {
  const file = path.endsWith('.json') ? path : join(path, 'model.json');
  const dir = dirname(file);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(readBytes(file, 'model')));
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new ModelFormatError(`${file}: not JSON (${(e as Error).message})`);
  }
  const shards = shardPaths(parseModelJson(json, file)).map((p) => readBytes(join(dir, p), `weight shard of ${file}`));
  const graph = importTfjs(json, shards, { name: basename(dir) });
  const fused = optimize(graph);
  const catalog = catalogOf(graph.name);
  return { kind: 'tfjs', graph, fused, nhwc: assignNhwcLayout(fused), given: null, ...(catalog ? { catalog } : {}) };
}

/** The catalog entry of a model (or an int8 program quantized from one) by its name: its folder's. */
export const catalogOf = (name: string): CatalogModel | undefined => (isModelId(name) ? MODELS[name] : undefined);

const isDirectory = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/** MODEL: a file, a TF.js model folder, or the id of a pretrained model (`webgpu-int8 fetch-models`). */
export function loadModel(path: string): LoadedModel {
  if (isModelId(path) && !existsSync(path)) return loadTfjsModel(modelDir(path));
  if (path.endsWith('.q8')) return { kind: 'q8', model: readQ8(readBytes(path, 'model')) };
  if (path.endsWith('.onnx')) return loadFloatModel(path);
  if (path.endsWith('.json') || isDirectory(path)) return loadTfjsModel(path);
  throw new InputError(`${path}: MODEL must be a float .onnx, a quantized .q8, a TF.js graph model (model.json or its folder), or one of ${MODEL_IDS.join(', ')}`);
}

/** The model input's shape with a concrete batch of 1, for the data loaders. */
export function inputShapeOf(inputs: readonly { shape: readonly (number | string)[] }[]): (number | string)[] {
  const input = inputs[0];
  if (!input) throw new InputError('the model has no inputs');
  return input.shape.map((d, i) => (i === 0 ? 1 : d));
}
