// Messages between the page and the calibration worker (demos/calibrate-worker.ts).

import type { LayerError, ObserverMethod } from '../src/index.ts';
import type { DemoModelId } from './models.ts';

/**
 * What the calibration panel's controls choose: the options of quantize() the page offers. The
 * seam for later ones (quantize()'s `equalize`, `biasCorrection`, `keepFloat`, `targetCosine`,
 * when src/api.ts has them): a field here, its control in demos/calibration-panel.ts
 * (readSettings / showSettings) and its line in the worker's quantizeOptions().
 */
export interface CalibrationSettings {
  method: ObserverMethod;
  /** Calibration images. */
  count: number;
}

export interface QuantizeRequest extends CalibrationSettings {
  type: 'quantize';
  job: number;
  model: DemoModelId;
  /** The page's local/ folder as an absolute URL: where the worker fetches the model and images. */
  assetBase: string;
}

export type Phase = 'loading' | 'preparing' | 'calibrating' | 'quantizing' | 'evaluating';

export interface QuantizeProgress {
  type: 'progress';
  job: number;
  phase: Phase;
  done: number;
  total: number;
}

export interface QuantizeResult {
  type: 'done';
  job: number;
  /** The .q8 file (transferred). */
  q8: ArrayBuffer;
  method: ObserverMethod;
  count: number;
  calibrationSource: string;
  evaluationSource: string;
  evalImages: number;
  perLayer: LayerError[];
  floatOps: string[];
  top1Agreement: number | null;
  logitCosine: { mean: number; min: number } | null;
  /** A text detector's held-out crops: IoU of the int8 and float reference maps at 0.3. */
  textMap: { iou: number; pixels: number } | null;
  ms: { calibrate: number; evaluate: number };
}

export interface QuantizeFailure {
  type: 'error';
  job: number;
  message: string;
}

export type WorkerMessage = QuantizeProgress | QuantizeResult | QuantizeFailure;
