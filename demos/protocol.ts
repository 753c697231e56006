// Messages between the page and the calibration worker (demos/calibrate-worker.ts).

import type { LayerError, ObserverMethod, ToolReport } from '../src/index.ts';
import type { DemoModelId } from './models.ts';

/**
 * What the calibration panel's controls choose: the options of quantize() the page offers. The
 * seam for later ones (e.g. quantize()'s `keepFloat`): a field here, its control in
 * demos/calibration-panel.ts (readSettings / showSettings), its URL parameter in demos/main.ts
 * and its line in the worker's quantizeOptions().
 */
export interface CalibrationSettings {
  method: ObserverMethod;
  /** Calibration images. */
  count: number;
  /** Cross-layer equalization before calibration (quantize()'s `equalize`). */
  equalize: boolean;
  /** Empirical bias correction on the calibration images (quantize()'s `biasCorrection`). */
  biasCorrection: boolean;
  /**
   * The lowest output cosine to reach on the held-aside quarter of the calibration images
   * (quantize()'s `targetCosine`), keeping the fewest layers in float; null: no target.
   */
  targetCosine: number | null;
}

/** The settings' defaults besides the model's own method and count: no tool on. */
export const NO_TOOLS = { equalize: false, biasCorrection: false, targetCosine: null } as const satisfies Partial<CalibrationSettings>;

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
  /** Calibration images used (with a target, every 4th of them is held aside to measure it). */
  count: number;
  /** The settings the program was made with. */
  settings: CalibrationSettings;
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
  /**
   * What the accuracy tools did (quantize()'s onToolReport, plain data): the pairs equalized,
   * the layers bias-corrected, and with a target its report (before → after cosines, the layers
   * kept in float, the per-layer sensitivity).
   */
  tools: ToolReport;
}

export interface QuantizeFailure {
  type: 'error';
  job: number;
  message: string;
}

export type WorkerMessage = QuantizeProgress | QuantizeResult | QuantizeFailure;
