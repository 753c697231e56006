// The page's state: the GPU, the model on show with its two sessions, the input, the webcam.

import type { GpuContext, Graph, QuantizedModel, Session, Tensor } from '../src/index.ts';
import type { KernelTime } from './charts.ts';
import type { InputImage } from './inputs.ts';
import type { DemoModel } from './models.ts';
import type { QuantizeResult } from './protocol.ts';

export interface Int8State {
  model: QuantizedModel;
  q8: Uint8Array;
  session?: Session;
  /** Where it came from: calibrated here (with the worker's report) or a loaded file. */
  result?: QuantizeResult;
  fileName?: string;
}

export interface Side {
  outputs: Record<string, Tensor>;
  ms: number;
}

export interface Active {
  def: DemoModel;
  labels?: string[];
  graph?: Graph;
  float?: Session;
  int8?: Int8State;
  /** Latency of the last runs (ms), per program; reset when the program changes. */
  times: { int8: number[]; fp32: number[] };
  /** Input id → int8 and fp32 agreed on it. */
  agree: Map<string, boolean>;
  profile?: { int8?: KernelTime[]; fp32?: KernelTime[]; input: string };
  gallery: { id: string; load: () => Promise<InputImage> }[];
}

export const LATENCY_WINDOW = 20;

export const state: {
  gpu?: GpuContext;
  active?: Active;
  input?: InputImage;
  webcam?: { stream: MediaStream; video: HTMLVideoElement; frame: number; last?: number; fps?: number };
  int8Path: 'auto' | 'emulated';
  lost: boolean;
} = { int8Path: 'auto', lost: false };
