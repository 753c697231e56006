// What the node bench driver (bench/node/run.ts) asks a worker process for (bench/node/worker.ts),
// and what the worker answers, over the IPC channel of child_process.fork (JSON). A worker does
// one thing and exits: the node counterpart of the browser bench's fresh page per engine.
import type { EngineRequest, EngineResult, PeakResult } from '../page/protocol.ts';

export type WorkerRequest =
  | { kind: 'peaks'; adapter?: string }
  | { kind: 'adapters' }
  | { kind: 'engine'; request: EngineRequest; adapter?: string };

export type WorkerMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'peaks'; result: PeakResult }
  | { kind: 'adapters'; result: string[] }
  | { kind: 'engine'; result: EngineResult }
  | { kind: 'error'; message: string };
