// Our engine on the page's adapter (or Dawn's, in node): the int8 program (.q8) and the fp32
// baseline of the same float graph, each through Session, on a device of its own. For a dynamic
// model, int8 is the dynamic ONNX file imported (the passes fuse its DynamicQuantizeLinear →
// MatMulInteger / ConvInteger chains into MatMulDynamicInt8 / ConvDynamicInt8) and run by
// createFloatSession, whose fp32 plan runs those nodes with the dp4a dynamic kernels. The host gives
// the device and reads the model files: navigator.gpu and fetch on the page, Dawn and the disk
// in node (bench/node/worker.ts).
import { createFloatSession } from '../../../src/api.ts';
import { requestGpuDevice, type GpuContext } from '../../../src/gpu/device.ts';
import { Session, type SessionOptions } from '../../../src/gpu/session.ts';
import { importOnnx } from '../../../src/import/onnx.ts';
import { importTfjs } from '../../../src/import/tfjs.ts';
import { parseModelJson, shardPaths } from '../../../src/import/tfjs-model.ts';
import type { Graph } from '../../../src/ir/graph.ts';
import { f32, tensor, type Tensor } from '../../../src/ir/tensor.ts';
import type { ConvVariantOption } from '../../../src/kernels/conv-variants.ts';
import { readQ8 } from '../../../src/quant/q8-file.ts';
import type { EngineRequest, ModelAssets } from '../protocol.ts';
import { fetchBytes, type Inputs, type Runner } from './runner.ts';

export interface OursHost {
  /** A device of the engine's own; its name goes into "no adapter" errors. */
  device(): Promise<GpuContext>;
  read(url: string): Promise<Uint8Array>;
}

/** The bench page's host: navigator.gpu and fetch. */
export const PAGE_HOST: OursHost = {
  device: () => requestGpuDevice(navigator.gpu, { hint: 'bench page in headless Chromium' }),
  read: fetchBytes,
};

async function floatGraph(model: ModelAssets, read: OursHost['read']): Promise<Graph> {
  const { kind, url } = model.float;
  if (kind === 'onnx') return importOnnx(await read(url));
  const json: unknown = JSON.parse(new TextDecoder().decode(await read(url)));
  const base = url.slice(0, url.lastIndexOf('/') + 1);
  const shards = await Promise.all(shardPaths(parseModelJson(json, url)).map((p) => read(base + p)));
  return importTfjs(json, shards, { name: model.id });
}

/** The forced conv variant (the CLI checked the name); without one, the session autotunes. */
function variantOptions(variant: string | undefined): Pick<SessionOptions, 'convVariant'> {
  return variant ? { convVariant: variant as ConvVariantOption } : {};
}

async function device(host: OursHost, warnings: string[]): Promise<GpuContext> {
  const gpu = await host.device();
  gpu.device.addEventListener('uncapturederror', (e) => warnings.push((e as GPUUncapturedErrorEvent).error.message));
  return gpu;
}

/** The int8 engine's session: the calibrated program, or the dynamic ONNX file on the fp32 plan. */
async function int8Session(model: ModelAssets, request: EngineRequest, gpu: GpuContext, read: OursHost['read']): Promise<Session> {
  if (model.dynamicOnnx) return createFloatSession(importOnnx(await read(model.dynamicOnnx)), { gpu, inputShapes: inputShapes(model) });
  if (!model.q8) throw new Error(`${model.id} has neither an int8 program nor a dynamic ONNX file`);
  return Session.create(readQ8(await read(model.q8)), { gpu, ...variantOptions(request.variant) });
}

const inputShapes = (model: ModelAssets) => Object.fromEntries(model.inputs.map((i) => [i.name, i.shape]));

/** Our feeds: float32 as is, int64 as our int64 tensors (held as float64 values). */
const feedsOf = (inputs: Inputs): Record<string, Tensor> =>
  Object.fromEntries(inputs.map((x) => [x.name, x.dtype === 'int64' ? tensor('int64', x.shape, Float64Array.from(x.data, Number)) : f32(x.shape, x.data)]));

export async function createOurs(request: EngineRequest, host: OursHost = PAGE_HOST): Promise<Runner> {
  const { model } = request;
  const warnings: string[] = [];
  const gpu = await device(host, warnings);
  let session: Session;
  try {
    session =
      request.engine === 'int8'
        ? await int8Session(model, request, gpu, host.read)
        : await createFloatSession(await floatGraph(model, host.read), { gpu, inputShapes: inputShapes(model) });
  } catch (e) {
    gpu.device.destroy();
    throw e;
  }
  const feeds = feedsOf;
  return {
    warnings,
    async run(input) {
      const out = await session.run(feeds(input));
      return Object.fromEntries(model.outputs.map((name) => [name, { shape: out[name]!.shape, data: out[name]!.data as Float32Array }]));
    },
    async gpuTime(input) {
      if (!gpu.features.has('timestamp-query')) return { ms: null, source: 'the device has no timestamp-query feature' };
      const profile = await session.profile(feeds(input));
      return { ms: profile.totalMs, source: 'timestamp-query, one compute pass per dispatch (Session.profile), summed', kernels: profile.kernels };
    },
    memory() {
      const { constantBytes, arenaBytes } = session.info;
      return { weightBytes: constantBytes, activationBytes: arenaBytes, totalBytes: constantBytes + arenaBytes, source: 'SessionInfo: constantBytes (weights, biases, multipliers) + arenaBytes (activation slots)' };
    },
    info: () => ({
      session: session.info,
      adapter: gpu.adapterInfo,
      dot4I8Packed: gpu.dot4I8Packed,
      variantRequested: request.variant ?? null,
      ...(model.dynamicOnnx && request.engine === 'int8' ? { int8: 'dynamic: the dynamic ONNX file imported and fused, on the fp32 plan (createFloatSession)' } : {}),
    }),
    async dispose() {
      await gpu.device.queue.onSubmittedWorkDone();
      session.destroy();
      gpu.device.destroy();
    },
  };
}
