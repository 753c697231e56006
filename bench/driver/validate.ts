// A runtime check of a bench report against schema.ts (`webgpu-int8-bench/1`), for the tests
// and the GPU kit: every field the schema requires, with its type, and the engine rows'
// fields by status. Returns the problems found (empty: the report conforms).
import { ENGINES, NODE_ENGINES } from '../../src/cli/bench-contract.ts';
import { LAYER_KINDS } from './macs.ts';
import { SCHEMA } from './schema.ts';

type Check = (v: unknown) => boolean;
const num: Check = (v) => typeof v === 'number' && !Number.isNaN(v);
const str: Check = (v) => typeof v === 'string';
const bool: Check = (v) => typeof v === 'boolean';
const nullable = (c: Check): Check => (v) => v === null || c(v);
const arrayOf = (c: Check): Check => (v) => Array.isArray(v) && v.every(c);
const oneOf = (...values: unknown[]): Check => (v) => values.includes(v);
const obj: Check = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
const optional = (c: Check): Check => (v) => v === undefined || c(v);
const TASKS = ['classifier', 'face-detector', 'text-detector', 'matte'];

class Problems {
  readonly list: string[] = [];
  /** Each `fields` entry checked on `value[key]`; a missing object is one problem. */
  fields(where: string, value: unknown, fields: Record<string, Check>): boolean {
    if (!obj(value)) return void this.list.push(`${where}: not an object`), false;
    for (const [key, check] of Object.entries(fields)) {
      if (!check((value as Record<string, unknown>)[key])) this.list.push(`${where}.${key}: ${JSON.stringify((value as Record<string, unknown>)[key])?.slice(0, 80)}`);
    }
    return true;
  }
}

const PEAK = { gops: num, samples: arrayOf(num), opsPerDispatch: num, workgroups: num, timing: oneOf('timestamp-query', 'wall-clock') };
const LATENCY = { runs: num, median: num, p10: num, p90: num, mean: num, min: num, max: num };
const ENGINE_IDS = [...new Set([...ENGINES, ...NODE_ENGINES])];

function engine(p: Problems, where: string, e: Record<string, unknown>): void {
  if (!p.fields(where, e, { engine: oneOf(...ENGINE_IDS), onnx: optional(oneOf('float', 'dynamic')), status: oneOf('ok', 'failed', 'skipped') })) return;
  if (e.status !== 'ok') return void p.fields(`${where}.error`, e.error, { stage: str, message: str });
  p.fields(where, e, { runsMs: arrayOf(num), createMs: num, firstRunMs: num, firstInferenceMs: num, info: obj, warnings: arrayOf(str) });
  p.fields(`${where}.latencyMs`, e.latencyMs, LATENCY);
  p.fields(`${where}.gpu`, e.gpu, { ms: nullable(num), source: str });
  p.fields(`${where}.gops`, e.gops, { e2e: num, gpu: nullable(num) });
  p.fields(`${where}.memory`, e.memory, { weightBytes: nullable(num), activationBytes: nullable(num), totalBytes: nullable(num), source: str });
  if (p.fields(`${where}.correctness`, e.correctness, { maxAbs: num, maxRel: num, meanAbs: num, against: optional(oneOf('float', 'dynamic')), verdict: oneOf('agrees', 'deviates') })) {
    const matte = (e.correctness as Record<string, unknown>).matte;
    if (matte !== undefined) p.fields(`${where}.correctness.matte`, matte, { mae: num, max: num, iou: num, pixels: num });
  }
  const kernels = e.kernels as unknown[] | undefined;
  kernels?.forEach((k, i) => p.fields(`${where}.kernels[${i}]`, k, { label: str, shader: str, ms: num, layer: nullable(oneOf(...LAYER_KINDS)), macs: nullable(num), gops: nullable(num), math: nullable(oneOf('dp4a', 'f32', 'i32', 'emulated')), peakFraction: nullable(num) }));
  if (e.peakFraction !== undefined) p.fields(`${where}.peakFraction`, e.peakFraction, { convGpuMs: num, convGops: num, ofPeak: nullable(num), ofPeakWholeGpu: nullable(num), byMath: obj, byLayer: obj });
}

export function validateReport(report: unknown): string[] {
  const p = new Problems();
  if (!p.fields('report', report, { schema: oneOf(SCHEMA), date: str, durationSeconds: num, emulated: bool, models: arrayOf(obj) })) return p.list;
  const r = report as Record<string, unknown>;
  if (r.git !== null) p.fields('git', r.git, { commit: str, changedFiles: num });
  p.fields('machine', r.machine, { cores: num, cpu: str, platform: str, node: str, loadAverage: obj });
  if (r.browser !== null) p.fields('browser', r.browser, { executable: str, version: str, flags: arrayOf(str), userAgent: str });
  else p.fields('node', r.node, { webgpu: str, onnxruntimeNode: nullable(str), dawnFlags: arrayOf(str), adapters: (v) => arrayOf(str)(v) || obj(v), adapterFeatures: arrayOf(str), vulkanIcd: nullable(str) });
  p.fields('adapter', r.adapter, { vendor: str, architecture: str, device: str, description: str, isFallbackAdapter: bool, dot4I8Packed: bool, features: arrayOf(str) });
  p.fields('options', r.options, { runs: num, warmup: num, models: arrayOf(str), engines: arrayOf(oneOf(...ENGINE_IDS)), variant: nullable(str), budgetSeconds: nullable(num) });
  const peaks = r.peaks as Record<string, unknown>;
  if (p.fields('peaks', peaks, { f32: obj, f32vec4: obj, i32vec4: obj, dot4: obj })) {
    for (const k of ['f32', 'f32vec4', 'i32vec4']) p.fields(`peaks.${k}`, peaks[k], PEAK);
    p.fields('peaks.dot4', peaks.dot4, 'error' in (peaks.dot4 as object) ? { error: str } : PEAK);
  }
  (r.models as Record<string, unknown>[]).forEach((m, i) => {
    p.fields(`models[${i}]`, m, { id: str, title: str, task: oneOf(...TASKS), outputs: arrayOf(str), macs: num, engines: arrayOf(obj) });
    p.fields(`models[${i}].input`, m.input, { name: str, shape: arrayOf(num), source: str });
    (m.inputs as unknown[] | undefined)?.forEach((x, j) => p.fields(`models[${i}].inputs[${j}]`, x, { name: str, dtype: oneOf('float32', 'int64'), shape: arrayOf(num) }));
    if (m.limits !== undefined) p.fields(`models[${i}].limits`, m.limits, { runs: optional(num), warmup: optional(num), budgetSeconds: optional(num) });
    p.fields(`models[${i}].calibration`, m.calibration, { method: str, samples: num, source: str });
    (m.engines as Record<string, unknown>[]).forEach((e, j) => engine(p, `models[${i}].engines[${j}]`, e));
  });
  return p.list;
}
