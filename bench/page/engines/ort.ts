// onnxruntime-web with its WebGPU or WASM execution provider, on a float ONNX file of the model
// (or, request.onnx 'dynamic', the model's dynamic-quantization file), loaded from the package's
// own prebuilt ES module bundles and wasm files, served locally. int64 inputs (token ids, masks)
// go in as BigInt64Array tensors.
import type * as Ort from 'onnxruntime-web';
import type { EngineRequest, KernelRow } from '../protocol.ts';
import { onnxFileOf, ortOutputs, type Inputs, type Outputs, type Runner } from './runner.ts';

const DIST = '/bench-assets/npm/onnxruntime-web/dist/';

let loaded: typeof Ort | undefined;

export async function loadOrt(request: EngineRequest): Promise<void> {
  const url = `${DIST}${request.engine === 'ort-webgpu' ? 'ort.webgpu.min.mjs' : 'ort.wasm.min.mjs'}`;
  loaded = (await import(/* @vite-ignore */ url)) as typeof Ort;
  loaded.env.wasm.wasmPaths = DIST;
}

export async function createOrt(request: EngineRequest): Promise<Runner> {
  const { model } = request;
  const webgpu = request.engine === 'ort-webgpu';
  const ort = loaded;
  if (!ort) throw new Error('onnxruntime-web is not loaded');
  const warnings: string[] = [];
  const session = await ort.InferenceSession.create(onnxFileOf(request), {
    executionProviders: [webgpu ? 'webgpu' : 'wasm'],
    graphOptimizationLevel: 'all',
  });
  const feeds = (inputs: Inputs) => Object.fromEntries(inputs.map((x) => [x.name, x.dtype === 'int64' ? new ort.Tensor('int64', x.data, x.shape) : new ort.Tensor('float32', x.data, x.shape)]));

  const run = async (inputs: Inputs): Promise<Outputs> => ortOutputs(await session.run(feeds(inputs)), model.outputs);

  return {
    warnings,
    run,
    async gpuTime(input) {
      if (!webgpu) return { ms: null, source: 'CPU engine (WASM): no GPU time' };
      const kernels: KernelRow[] = [];
      ort.env.webgpu.profiling = {
        mode: 'default',
        ondata: (d) => kernels.push({ label: d.kernelName, shader: d.kernelType, ms: (d.endTime - d.startTime) / 1e6 }),
      };
      try {
        await run(input);
      } finally {
        ort.env.webgpu.profiling = { mode: 'off' };
      }
      // onnxruntime-web 1.30 runs WebGPU through its native EP (the asyncify wasm build); only the
      // older JS EP (JSEP) reported kernel times to env.webgpu.profiling.
      if (kernels.length === 0) return { ms: null, source: `env.webgpu.profiling reported no kernel timestamps (onnxruntime-web ${ort.env.versions.web}: its WebGPU EP does not feed it)` };
      return { ms: kernels.reduce((s, k) => s + k.ms, 0), source: 'env.webgpu.profiling (timestamp queries per kernel), summed', kernels };
    },
    memory: () => ({ weightBytes: null, activationBytes: null, totalBytes: null, source: 'onnxruntime-web exposes no device memory figure' }),
    info: () => ({
      version: ort.env.versions,
      executionProvider: webgpu ? 'webgpu' : 'wasm',
      onnx: request.onnx ?? 'float',
      wasmThreads: ort.env.wasm.numThreads ?? null,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      hardwareConcurrency: navigator.hardwareConcurrency,
    }),
    async dispose() {
      await session.release();
    },
  };
}
