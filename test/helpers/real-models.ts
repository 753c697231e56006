// The pretrained TF.js models and real photos fetched by `npm run fetch-models`, for the model,
// GPU and browser tests: loading, the model's own preprocessing, and a calibrated int8 program.
// Missing files fail the test with the command that fetches them (src/models/paths.ts).
import { calibrate } from '../../src/calibrate/calibrator.ts';
import type { ObserverMethod } from '../../src/calibrate/observers/index.ts';
import { loadTfjsModel, type FloatModel } from '../../src/cli/model.ts';
import type { ImageSet } from '../../src/data/dataset.ts';
import { loadImageSet } from '../../src/data/files.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { MODELS, type ModelId } from '../../src/models/catalog.ts';
import { modelDir } from '../../src/models/paths.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';

export { imageFiles } from '../../src/models/paths.ts';

export const loadRealModel = (id: ModelId): FloatModel => loadTfjsModel(modelDir(id));

/** Photos as the model's input, through the CLI's loader with the catalog's preprocessing. */
export function photoSet(id: ModelId, source: string, count?: number): ImageSet {
  const { input, preprocess } = MODELS[id];
  return loadImageSet(source, { preprocess, inputShape: input.shape, ...(count !== undefined ? { count } : {}) });
}

export const feedsOf = (id: ModelId, files: readonly string[]): Record<string, Tensor>[] =>
  files.map((f) => ({ [MODELS[id].input.name]: photoSet(id, f).input(0) }));

/** Spread over a sorted file list rather than its first (one-source) files. */
export const spread = (files: readonly string[], n: number): string[] =>
  Array.from({ length: Math.min(n, files.length) }, (_, i) => files[Math.floor((i * files.length) / n)]!);

/** Calibrated on `calibration` feeds with `method`, quantized (per-channel weights). */
export function quantizeReal(model: FloatModel, calibration: readonly Record<string, Tensor>[], method: ObserverMethod = 'percentile'): QuantizedModel {
  const ranges = calibrate(model.nhwc, calibration.length, (i) => calibration[i]!, { method });
  return quantizeGraph(model.nhwc, ranges, { method, samples: calibration.length });
}
