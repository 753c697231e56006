// TF.js with its WebGPU backend, on the very TF.js model files our importer reads. Loaded from
// the packages' own prebuilt UMD bundles (what a page gets from a CDN), served locally.
import type * as TfCore from '@tensorflow/tfjs-core';
import type * as TfConverter from '@tensorflow/tfjs-converter';
import type { EngineRequest } from '../protocol.ts';
import type { Inputs, Outputs, Runner } from './runner.ts';

type Tf = typeof TfCore & typeof TfConverter;

const SCRIPTS = [
  '/bench-assets/npm/@tensorflow/tfjs-core/dist/tf-core.min.js',
  '/bench-assets/npm/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.min.js',
  '/bench-assets/npm/@tensorflow/tfjs-converter/dist/tf-converter.min.js',
];

function loadScript(src: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = src;
    s.onload = () => resolve();
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

function loadedTf(): Tf {
  const tf = (window as unknown as { tf?: Tf }).tf;
  if (!tf) throw new Error('the TF.js bundles are not loaded (window.tf is missing)');
  return tf;
}

export async function loadTfjs(): Promise<void> {
  for (const src of SCRIPTS) await loadScript(src);
  loadedTf();
}

export async function createTfjs(request: EngineRequest): Promise<Runner> {
  const { model } = request;
  if (!model.tfjs) throw new Error(`${model.id} has no TF.js model`);
  const tf = loadedTf();
  const warnings: string[] = [];
  if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") failed');
  await tf.ready();
  const graphModel = await tf.loadGraphModel(model.tfjs);
  const weightBytes = tf.memory().numBytes;
  const first = model.inputs[0]!;
  const inputName = graphModel.inputs[0]?.name ?? first.name;
  /** The TF.js models here take one float32 image. */
  const imageOf = (inputs: Inputs): Float32Array => {
    const x = inputs[0]!;
    if (inputs.length !== 1 || x.dtype !== 'float32') throw new Error('the TF.js engine feeds one float32 input');
    return x.data;
  };

  const execute = (x: TfCore.Tensor): TfCore.Tensor[] => {
    const y = graphModel.execute({ [inputName]: x }, model.outputs);
    return Array.isArray(y) ? y : [y];
  };

  return {
    warnings,
    async run(inputs) {
      const x = tf.tensor(imageOf(inputs), first.shape, 'float32');
      const ys = execute(x);
      try {
        const data = await Promise.all(ys.map((y) => y.data()));
        const out: Outputs = {};
        model.outputs.forEach((name, i) => (out[name] = { shape: ys[i]!.shape, data: data[i] as Float32Array }));
        return out;
      } finally {
        tf.dispose([x, ...ys]);
      }
    },
    async gpuTime(inputs) {
      const x = tf.tensor(imageOf(inputs), first.shape, 'float32');
      let ys: TfCore.Tensor[] = [];
      try {
        const timing = await tf.time(() => {
          ys = execute(x);
        });
        const kernelMs = (timing as { kernelMs: number | { error: string } }).kernelMs;
        if (typeof kernelMs !== 'number') return { ms: null, source: `tf.time(): ${JSON.stringify(kernelMs)}` };
        return { ms: kernelMs, source: "tf.time() kernelMs (the WebGPU backend's timestamp queries, summed over its programs)" };
      } finally {
        tf.dispose([x, ...ys]);
      }
    },
    memory() {
      const m = tf.memory() as TfCore.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
      const total = m.numBytesAllocatedInGPU ?? null;
      return {
        weightBytes,
        activationBytes: total !== null ? total - (m.numBytesInGPU ?? 0) : null,
        totalBytes: total,
        source: 'tf.memory(): weights = numBytes of the tensors alive after loadGraphModel; total = numBytesAllocatedInGPU after the runs (its buffer pool included); activations = total − numBytesInGPU (buffers in use)',
      };
    },
    info: () => ({ version: tf.version_core, backend: tf.getBackend(), inputName }),
    async dispose() {
      graphModel.dispose();
    },
  };
}
