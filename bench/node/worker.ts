// A bench/node worker: one process per model × engine (and one for the peaks), so engines never
// share a Dawn instance, a device or onnxruntime's state, as the browser bench's fresh pages.
// Reads one WorkerRequest from the IPC channel, answers, and exits (Dawn's instance keeps the
// event loop alive otherwise).
import fs from 'node:fs/promises';
import os from 'node:os';
import { measure } from '../page/measure.ts';
import { measurePeaks } from '../page/peaks.ts';
import { createOurs, type OursHost } from '../page/engines/ours.ts';
import type { Engine } from '../page/engines/runner.ts';
import type { PeakResult } from '../page/protocol.ts';
import { nodeGpu } from '../../src/gpu/node.ts';
import { dawnDevice, dawnFlags, listAdapters } from './gpu.ts';
import { ORT_NODE } from './ort.ts';
import type { WorkerMessage, WorkerRequest } from './protocol.ts';

const read = async (file: string) => new Uint8Array(await fs.readFile(file));

function engineFor(engine: string, adapter: string | undefined): Engine {
  if (engine === 'int8' || engine === 'fp32') {
    const host: OursHost = { device: () => dawnDevice(adapter), read };
    return { load: async () => {}, create: (r) => createOurs(r, host) };
  }
  if (engine === 'ort-webgpu' || engine === 'ort-cpu') return ORT_NODE;
  throw new Error(`bench --node has no engine "${engine}"`);
}

async function peaks(adapter: string | undefined): Promise<PeakResult> {
  const gpu = await dawnDevice(adapter);
  // The same adapter again (Dawn's instance is the process's one): what it offers, not only what the device enabled.
  const offered = await (await nodeGpu(dawnFlags(adapter))).requestAdapter({ powerPreference: 'high-performance' });
  try {
    return {
      adapter: gpu.adapterInfo,
      dot4I8Packed: gpu.dot4I8Packed,
      features: [...gpu.features].sort(),
      adapterFeatures: offered ? [...offered.features].sort() : [],
      userAgent: `node ${process.version} (${process.platform} ${process.arch}), npm webgpu (Dawn)`,
      hardwareConcurrency: os.cpus().length,
      peaks: await measurePeaks(gpu),
    };
  } finally {
    gpu.device.destroy();
  }
}

async function answer(job: WorkerRequest, send: (m: WorkerMessage) => void): Promise<WorkerMessage> {
  switch (job.kind) {
    case 'peaks':
      return { kind: 'peaks', result: await peaks(job.adapter) };
    case 'adapters':
      return { kind: 'adapters', result: await listAdapters() };
    case 'engine': {
      const progress = (done: number, total: number) => send({ kind: 'progress', done, total });
      return { kind: 'engine', result: await measure(job.request, engineFor(job.request.engine, job.adapter), progress, read) };
    }
  }
}

function send(m: WorkerMessage): Promise<void> {
  return new Promise((resolve) => process.send!(m, undefined, {}, () => resolve()));
}

if (!process.send) throw new Error('bench/node/worker runs as a child process of the node bench (bench/node/run.ts)');
process.once('message', (job: WorkerRequest) => {
  answer(job, (m) => void send(m))
    .catch((e: unknown): WorkerMessage => ({ kind: 'error', message: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }))
    .then(send)
    .then(() => process.exit(0));
});
