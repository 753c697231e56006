// What every engine on the bench page provides: load once, run one inference end to end, and
// optionally a GPU-time measurement and its memory figures.
import type { EngineRequest, GpuTime, InputAsset, MemoryFigure } from '../protocol.ts';

export type Outputs = Record<string, { shape: number[]; data: Float32Array }>;

/** The model's inputs as read from their files: float32, or int64 (token ids, masks) as BigInt64Array. */
export type Input = { name: string; shape: number[] } & ({ dtype: 'float32'; data: Float32Array } | { dtype: 'int64'; data: BigInt64Array });
export type Inputs = Input[];

/** An input file's bytes as the typed array of its dtype (copied: the bytes may sit at any offset). */
export function inputOf(asset: InputAsset, bytes: Uint8Array): Input {
  const copy = bytes.slice().buffer;
  const input: Input = asset.dtype === 'int64' ? { name: asset.name, shape: asset.shape, dtype: 'int64', data: new BigInt64Array(copy) } : { name: asset.name, shape: asset.shape, dtype: 'float32', data: new Float32Array(copy) };
  if (input.data.length !== product(asset.shape)) throw new Error(`input "${asset.name}": ${input.data.length} values in its file, its shape [${asset.shape}] holds ${product(asset.shape)}`);
  return input;
}

export interface Runner {
  /** One inference: upload the inputs, compute, read every output back to the CPU. */
  run(inputs: Inputs): Promise<Outputs>;
  gpuTime(inputs: Inputs): Promise<GpuTime>;
  memory(): MemoryFigure;
  info(): Record<string, unknown>;
  /** WebGPU errors and warnings seen so far. */
  readonly warnings: string[];
  dispose(): Promise<void>;
}

/**
 * An engine: `load` fetches and evaluates its library code (untimed: what hosting costs is not
 * the engine's), `create` makes it ready for the model (timed: device, model files, sessions,
 * pipelines).
 */
export interface Engine {
  load(request: EngineRequest): Promise<void>;
  create(request: EngineRequest): Promise<Runner>;
}

export async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** An onnxruntime session's result (web or node: same tensor shape) as Outputs, every named output required. */
export async function ortOutputs(result: Record<string, { dims: readonly number[]; getData(): Promise<unknown> } | undefined>, names: readonly string[]): Promise<Outputs> {
  const out: Outputs = {};
  for (const name of names) {
    const t = result[name];
    if (!t) throw new Error(`no output "${name}" (got ${Object.keys(result).join(', ')})`);
    out[name] = { shape: [...t.dims], data: (await t.getData()) as Float32Array };
  }
  return out;
}

/** The ONNX file an onnxruntime engine runs: the float model, or with request.onnx 'dynamic' the dynamic one. */
export function onnxFileOf(request: EngineRequest): string {
  if (request.onnx !== 'dynamic') return request.model.onnx;
  if (!request.model.dynamicOnnx) throw new Error(`${request.model.id} has no dynamic ONNX file`);
  return request.model.dynamicOnnx;
}

export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
