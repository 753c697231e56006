// What every engine on the bench page provides: load once, run one inference end to end, and
// optionally a GPU-time measurement and its memory figures.
import type { EngineRequest, GpuTime, MemoryFigure } from '../protocol.ts';

export type Outputs = Record<string, { shape: number[]; data: Float32Array }>;

export interface Runner {
  /** One inference: upload `input`, compute, read every output back to the CPU. */
  run(input: Float32Array): Promise<Outputs>;
  gpuTime(input: Float32Array): Promise<GpuTime>;
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

export const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
