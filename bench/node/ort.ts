// onnxruntime-node with its WebGPU execution provider (its own Dawn, built into
// libonnxruntime.so, on the same Vulkan driver as ours) or its CPU one, on the float ONNX file
// onnxruntime-web runs in the browser bench (or, request.onnx 'dynamic', the dynamic one). GPU time: onnxruntime's profiler records each
// WebGPU kernel's timestamp-query interval ("Api" events); profiling is a session option, so it
// is measured on a second session of its own after the timed runs, never during them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { importOptional } from '../../src/optional-import.ts';
import type { EngineRequest, GpuTime, KernelRow } from '../page/protocol.ts';
import { onnxFileOf, ortOutputs, type Engine, type Inputs, type Outputs, type Runner } from '../page/engines/runner.ts';

type OrtModule = typeof Ort;
let ort: OrtModule | undefined;

async function load(): Promise<void> {
  const m = await importOptional(() => import('onnxruntime-node'), 'onnxruntime-node', 'bench --node (the onnxruntime engines)');
  ort = ((m as { default?: OrtModule }).default ?? m) as OrtModule;
}

function sessionOptions(request: EngineRequest, profileDir?: string): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [request.engine === 'ort-webgpu' ? 'webgpu' : 'cpu'],
    graphOptimizationLevel: 'all',
    ...(profileDir ? { enableProfiling: true, profileFilePrefix: path.join(profileDir, 'ort') } : {}),
  };
}

interface ProfileEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; cache_key?: string; provider?: string };
}

/** The last of two profiled runs' WebGPU kernels: "Api" events (µs), in order. */
function lastRunKernels(events: ProfileEvent[]): KernelRow[] {
  const api = events.filter((e) => e.cat === 'Api').sort((a, b) => a.ts - b.ts);
  if (api.length === 0 || api.length % 2 !== 0) throw new Error(`onnxruntime's profile has ${api.length} WebGPU kernel events for 2 runs`);
  return api.slice(api.length / 2).map((e) => ({ label: e.name.split('&')[0]!, shader: e.args?.cache_key?.split('[')[0] ?? e.name, ms: e.dur / 1000 }));
}

async function profiledGpuTime(request: EngineRequest, feeds: () => Record<string, Ort.Tensor>): Promise<GpuTime> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-int8-ort-profile-'));
  try {
    const session = await ort!.InferenceSession.create(onnxFileOf(request), sessionOptions(request, dir));
    try {
      await session.run(feeds()); // compiles its shaders: profiled too, but the last run is the one kept
      await session.run(feeds());
    } finally {
      session.endProfiling();
      await session.release();
    }
    const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
    if (!file) return { ms: null, source: 'onnxruntime wrote no profile file' };
    const kernels = lastRunKernels(JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as ProfileEvent[]);
    return { ms: kernels.reduce((s, k) => s + k.ms, 0), source: 'onnxruntime profiler (enableProfiling): per-kernel WebGPU timestamp queries of one run on a second, profiled session, summed', kernels };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function create(request: EngineRequest): Promise<Runner> {
  if (!ort) throw new Error('onnxruntime-node is not loaded');
  const { model } = request;
  const webgpu = request.engine === 'ort-webgpu';
  const session = await ort.InferenceSession.create(onnxFileOf(request), sessionOptions(request));
  let input: Inputs = [];
  const feeds = () => Object.fromEntries(input.map((x) => [x.name, x.dtype === 'int64' ? new ort!.Tensor('int64', x.data, x.shape) : new ort!.Tensor('float32', x.data, x.shape)]));
  const run = async (x: Inputs): Promise<Outputs> => {
    input = x;
    return ortOutputs(await session.run(feeds()), model.outputs);
  };
  return {
    warnings: [],
    run,
    async gpuTime(x) {
      if (!webgpu) return { ms: null, source: 'CPU execution provider: no GPU time' };
      input = x;
      return profiledGpuTime(request, feeds);
    },
    memory: () => ({ weightBytes: null, activationBytes: null, totalBytes: null, source: 'onnxruntime-node exposes no device memory figure' }),
    info: () => ({
      version: ort!.env.versions,
      executionProvider: webgpu ? 'webgpu' : 'cpu',
      onnx: request.onnx ?? 'float',
      ...(webgpu ? { adapter: 'chosen by onnxruntime\'s own Dawn (libonnxruntime.so) on the same Vulkan loader and driver manifest; --adapter does not reach it' } : { threads: 'onnxruntime default (one per core)', cores: os.cpus().length }),
    }),
    async dispose() {
      await session.release();
    },
  };
}

export const ORT_NODE: Engine = { load, create };
