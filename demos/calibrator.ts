// The page's side of the calibration worker: one job at a time, cancellable (the worker is
// terminated: a calibration sample cannot be interrupted halfway).

import { assetUrl } from './models.ts';
import type { Phase, QuantizeRequest, QuantizeResult, WorkerMessage } from './protocol.ts';

export class CancelledError extends Error {
  override name = 'CancelledError';
}

export type ProgressFn = (phase: Phase, done: number, total: number) => void;

export class CalibrationWorker {
  private worker: Worker | undefined;
  private job = 0;
  private pending: { job: number; resolve: (r: QuantizeResult) => void; reject: (e: Error) => void; progress: ProgressFn } | undefined;

  get busy(): boolean {
    return this.pending !== undefined;
  }

  private spawn(): Worker {
    const worker = new Worker(new URL('./calibrate-worker.ts', import.meta.url), { type: 'module', name: 'calibration' });
    worker.addEventListener('message', (event: MessageEvent<WorkerMessage>) => {
      const m = event.data;
      const p = this.pending;
      if (!p || m.job !== p.job) return;
      if (m.type === 'progress') p.progress(m.phase, m.done, m.total);
      else {
        this.pending = undefined;
        if (m.type === 'done') p.resolve(m);
        else p.reject(new Error(m.message));
      }
    });
    worker.addEventListener('error', (event) => {
      const p = this.pending;
      this.pending = undefined;
      this.worker = undefined;
      worker.terminate();
      p?.reject(new Error(`the calibration worker failed: ${event.message || 'it could not start (see the browser console)'}`));
    });
    return worker;
  }

  run(request: Omit<QuantizeRequest, 'type' | 'job' | 'assetBase'>, progress: ProgressFn): Promise<QuantizeResult> {
    this.cancel();
    this.worker ??= this.spawn();
    const job = ++this.job;
    // The worker's relative URLs would resolve against its script: it gets the page's local/.
    const assetBase = new URL(assetUrl(''), document.baseURI).href;
    return new Promise((resolve, reject) => {
      this.pending = { job, resolve, reject, progress };
      this.worker!.postMessage({ type: 'quantize', job, assetBase, ...request } satisfies QuantizeRequest);
    });
  }

  /** Stops the running job (if any); its promise rejects with CancelledError. */
  cancel(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.worker?.terminate();
    this.worker = undefined;
    p.reject(new CancelledError('calibration cancelled'));
  }
}
