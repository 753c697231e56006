// Loaded into the headless Chromium page by test/browser/model.test.ts (served by Vite, see
// test/helpers/vite-server.ts, so the library's npm imports resolve). Runs a .q8 model
// on the page's WebGPU adapter and hands the outputs back as float32 bit patterns.
import { type GpuAdapterSummary, requestGpuDevice } from '../../src/gpu/device.ts';
import { Session, type SessionInfo } from '../../src/gpu/session.ts';
import { f32 } from '../../src/ir/tensor.ts';
import type { Int8Path } from '../../src/kernels/shaders.ts';
import { readQ8 } from '../../src/quant/q8-file.ts';

export interface ModelRunRequest {
  /** The .q8 file, base64. */
  q8: string;
  /** `count` input images back to back as little-endian float32, base64. */
  inputs: string;
  count: number;
  /** Omit for the session's default (native when the adapter has dot4I8Packed). */
  int8Path?: Int8Path;
}

export interface ModelRunResult {
  adapterInfo: GpuAdapterSummary;
  dot4I8Packed: boolean;
  userAgent: string;
  info: SessionInfo;
  /** Per image, every output's float32 values (outputs in the model's order) as uint32 bit patterns. */
  outputBits: number[][];
  /** The first output's shape. */
  outputShape: number[];
  /** Uncaptured WebGPU errors (validation, out of memory) seen while the device was alive. */
  gpuErrors: string[];
  ms: { device: number; session: number; runs: number[]; median: number };
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

async function runModel(request: ModelRunRequest): Promise<ModelRunResult> {
  const model = readQ8(fromBase64(request.q8));
  const [input] = model.inputs;
  if (!input || model.outputs.length === 0 || model.inputs.length !== 1) throw new Error('expected a model with one input and outputs');
  const pixels = fromBase64(request.inputs);
  const all = new Float32Array(pixels.buffer, pixels.byteOffset, pixels.byteLength / 4);
  const shape = input.shape.map((d) => (typeof d === 'number' ? d : 1));
  const size = shape.reduce((a, b) => a * b, 1);
  if (all.length !== size * request.count) throw new Error(`got ${all.length} input floats, expected ${request.count} × ${size}`);

  const t0 = performance.now();
  const gpu = await requestGpuDevice(navigator.gpu, { hint: 'headless Chromium page' });
  const gpuErrors: string[] = [];
  gpu.device.addEventListener('uncapturederror', (e) => gpuErrors.push((e as GPUUncapturedErrorEvent).error.message));
  void gpu.device.lost.then((info) => {
    if (info.reason !== 'destroyed') gpuErrors.push(`device lost: ${info.reason}: ${info.message}`);
  });
  const t1 = performance.now();
  try {
    const session = await Session.create(model, { gpu, ...(request.int8Path ? { int8Path: request.int8Path } : {}) });
    const t2 = performance.now();
    try {
      const outputBits: number[][] = [];
      const runs: number[] = [];
      let outputShape: number[] = [];
      for (let i = 0; i < request.count; i++) {
        const feed = f32(shape, all.subarray(i * size, (i + 1) * size));
        const start = performance.now();
        const outs = await session.run({ [input.name]: feed });
        runs.push(performance.now() - start);
        const bits: number[] = [];
        for (const { name } of model.outputs) {
          const out = outs[name];
          if (!out || !(out.data instanceof Float32Array)) throw new Error(`image ${i}: no float32 output "${name}"`);
          bits.push(...new Uint32Array(out.data.buffer, out.data.byteOffset, out.data.length));
        }
        outputShape = outs[model.outputs[0]!.name]!.shape;
        outputBits.push(bits);
      }
      // Let errors from the last submit surface before the device goes.
      await gpu.device.queue.onSubmittedWorkDone();
      return {
        adapterInfo: gpu.adapterInfo,
        dot4I8Packed: gpu.dot4I8Packed,
        userAgent: navigator.userAgent,
        info: session.info,
        outputBits,
        outputShape,
        gpuErrors,
        ms: { device: t1 - t0, session: t2 - t1, runs, median: median(runs) },
      };
    } finally {
      session.destroy();
    }
  } finally {
    gpu.device.destroy();
  }
}

declare global {
  interface Window {
    int8RunModel?: typeof runModel;
  }
}
window.int8RunModel = runModel;
