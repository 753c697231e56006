// Which conv kernel variant each int8 conv runs on this adapter: every candidate timed once on
// the layer's real shape (one GpuProgram of all candidates, profiled submits of the same
// fraction, at least an eighth, of each candidate's work), the fastest kept. Choices are cached
// by adapter identity, int8 path and conv shape, in memory and in localStorage where there is
// one, so a second session on the same adapter times nothing. Every variant gives the same
// bytes; only speed depends on the choice.

import { candidatesFor, type ConvVariant } from '../kernels/conv-variants.ts';
import { convKernel } from '../kernels/conv.ts';
import { gemmKernel } from '../kernels/gemm.ts';
import type { Int8Path } from '../kernels/shaders.ts';
import type { KernelSpec } from '../kernels/spec.ts';
import { planProgram } from '../plan/plan.ts';
import type { ConvStep, GemmStep, QuantizedModel } from '../quant/program.ts';
import type { GpuContext } from './device.ts';
import { GpuProgram } from './program.ts';

export type ConvChooser = (step: ConvStep | GemmStep, inputShape: readonly number[]) => ConvVariant;

// v2: the f32 kernel blocks 8 pixels, single-pass (choices timed on the v1 kernels are stale).
const STORAGE_KEY = 'webgpu-int8/conv-variants/v2';
const memory = new Map<string, ConvVariant>();

function adapterKey(gpu: GpuContext, int8Path: Int8Path): string {
  const a = gpu.adapterInfo;
  return JSON.stringify([a.vendor, a.architecture, a.device, a.description, a.isFallbackAdapter, int8Path]);
}

function shapeKey(step: ConvStep | GemmStep, inputShape: readonly number[]): string {
  const geometry = step.op === 'conv' ? step.geometry : null;
  return JSON.stringify([step.op, inputShape, step.weightShape, geometry]);
}

function storage(): Storage | undefined {
  try {
    return (globalThis as { localStorage?: Storage }).localStorage;
  } catch {
    return undefined; // e.g. an opaque origin
  }
}

function loadStored(): void {
  const raw = storage()?.getItem(STORAGE_KEY);
  if (!raw) return;
  try {
    for (const [k, v] of Object.entries(JSON.parse(raw) as Record<string, ConvVariant>)) if (!memory.has(k)) memory.set(k, v);
  } catch {
    // A corrupt entry only costs a re-tune.
  }
}

function saveStored(): void {
  try {
    storage()?.setItem(STORAGE_KEY, JSON.stringify(Object.fromEntries(memory)));
  } catch {
    // Quota or privacy mode: the in-memory cache still holds.
  }
}

/** Without timing: f32 arithmetic on software adapters (where it outruns dp4a), dp4a elsewhere. */
export const preferF32 = (gpu: GpuContext): boolean => gpu.adapterInfo.isFallbackAdapter;

/**
 * Each candidate runs the same fraction of its layer's work, at least TUNE_FRACTION: every
 * variant's invocations do equal shares of the layer, so the first eighth of each compares the same
 * work at an eighth the cost. A small layer runs whole (up to TUNE_MIN_WORKGROUPS): a single
 * workgroup times the dispatch's fixed cost, not the kernel, and picked the slower variant for
 * the bundled model's small convs. The fraction is the layer's, not each candidate's: variants
 * block different numbers of pixels per invocation, and running 64 of 100 workgroups of one
 * against 64 of 200 of another picked dp4a for most of MobileNetV2's convs where f32 was faster.
 */
const TUNE_FRACTION = 1 / 8;
const TUNE_MIN_WORKGROUPS = 64;

const workgroupCount = ([x, y, z]: [number, number, number]) => x * y * z;

/** The fraction of the layer each candidate runs: enough for every candidate's minimum. */
function tuneFraction(specs: KernelSpec[]): number {
  const needed = (n: number) => Math.max(Math.min(n, TUNE_MIN_WORKGROUPS), Math.ceil(n * TUNE_FRACTION)) / n;
  return Math.max(...specs.map((s) => needed(workgroupCount(s.workgroups))));
}

function truncated([x, y, z]: [number, number, number], fraction: number): [number, number, number] {
  const n = Math.ceil(x * y * fraction);
  return y > 1 ? [x, Math.max(1, Math.ceil(n / x)), z] : [n, y, z];
}

function plannedKernel(step: ConvStep | GemmStep, inputShape: readonly number[], variant: ConvVariant): KernelSpec {
  const renamed = { ...step, input: 'tune.x', output: 'tune.y' };
  return renamed.op === 'conv' ? convKernel(renamed, inputShape, variant).spec : gemmKernel(renamed, inputShape, variant).spec;
}

interface Layer {
  key: string;
  step: ConvStep | GemmStep;
  inputShape: readonly number[];
  candidates: ConvVariant[];
}

/** The model's convs and gemms with their input shapes, one per distinct shape. */
function layersOf(model: QuantizedModel, batch: number, prefer: boolean): Layer[] {
  const layers = new Map<string, Layer>();
  planProgram(model, batch, {
    convVariant: (step, inputShape) => {
      const key = shapeKey(step, inputShape);
      // The reference kernel is only the fallback: it is never faster than the specialised ones.
      const candidates = candidatesFor(step, prefer).filter((v) => v !== 'reference');
      if (!layers.has(key) && candidates.length > 1) layers.set(key, { key, step, inputShape, candidates });
      return 'reference';
    },
  });
  return [...layers.values()];
}

async function timeLayers(gpu: GpuContext, int8Path: Int8Path, layers: Layer[]): Promise<Map<string, ConvVariant>> {
  const specs: KernelSpec[] = [];
  const owner: { key: string; variant: ConvVariant }[] = [];
  let inBytes = 16;
  let outBytes = 16;
  for (const layer of layers) {
    const whole = layer.candidates.map((variant) => plannedKernel(layer.step, layer.inputShape, variant));
    const fraction = tuneFraction(whole);
    whole.forEach((spec, i) => {
      specs.push({ ...spec, workgroups: truncated(spec.workgroups, fraction) });
      owner.push({ key: layer.key, variant: layer.candidates[i]! });
    });
    const s = layer.inputShape;
    inBytes = Math.max(inBytes, (s.slice(0, -1).reduce((a, b) => a * b, 1) * Math.ceil(s[s.length - 1]! / 4)) * 4);
    const out = layer.step.op === 'conv' ? convKernel(layer.step, s, 'reference').outputShape : gemmKernel(layer.step, s).outputShape;
    outBytes = Math.max(outBytes, out.slice(0, -1).reduce((a, b) => a * b, 1) * Math.ceil(out[out.length - 1]! / 4) * 4);
  }
  const program = await GpuProgram.create(gpu.device, specs, new Map([['tune.x', inBytes], ['tune.y', outBytes]]), int8Path);
  try {
    // Two profiled runs, the faster of each kernel's two times: less noise on a busy machine.
    const first = await program.profile();
    const second = await program.profile();
    const best = new Map<string, { variant: ConvVariant; ms: number }>();
    owner.forEach(({ key, variant }, i) => {
      const ms = Math.min(first[i]!.ms, second[i]!.ms);
      const current = best.get(key);
      if (!current || ms < current.ms) best.set(key, { variant, ms });
    });
    return new Map([...best].map(([k, v]) => [k, v.variant]));
  } finally {
    program.destroy();
  }
}

/**
 * A chooser for planProgram: timed on this adapter where it has timestamp queries (once per
 * shape, then cached), else the heuristic order of candidatesFor.
 */
export async function autotuneConvs(model: QuantizedModel, batch: number, gpu: GpuContext, int8Path: Int8Path): Promise<ConvChooser> {
  const prefer = preferF32(gpu);
  const adapter = adapterKey(gpu, int8Path);
  const cacheKey = (step: ConvStep | GemmStep, shape: readonly number[]) => `${adapter}|${shapeKey(step, shape)}`;
  if (gpu.features.has('timestamp-query')) {
    loadStored();
    const todo = layersOf(model, batch, prefer).filter((l) => !memory.has(`${adapter}|${l.key}`));
    if (todo.length > 0) {
      for (const [key, variant] of await timeLayers(gpu, int8Path, todo)) memory.set(`${adapter}|${key}`, variant);
      saveStored();
    }
  }
  return (step, shape) => memory.get(cacheKey(step, shape)) ?? candidatesFor(step, prefer)[0]!;
}

/** For tests: forget every cached choice. */
export function clearAutotuneCache(): void {
  memory.clear();
  storage()?.removeItem(STORAGE_KEY);
}
