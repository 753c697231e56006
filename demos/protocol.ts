// Messages between the page and the calibration worker (demos/calibrate-worker.ts).

import type { LayerError, ObserverMethod } from '../src/index.ts';
import type { DemoModelId } from './models.ts';

export interface QuantizeRequest {
  type: 'quantize';
  job: number;
  model: DemoModelId;
  method: ObserverMethod;
  count: number;
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
  ms: { calibrate: number; evaluate: number };
}

export interface QuantizeFailure {
  type: 'error';
  job: number;
  message: string;
}

export type WorkerMessage = QuantizeProgress | QuantizeResult | QuantizeFailure;
