// ONNX's operator conformance tests (the cases onnx-suite.ts passes on the float CPU reference)
// run on the fp32 GPU path: import → fixInputs / fixInputShapes → optimize (NHWC) →
// planFloatProgram → Session on a Dawn device, compared with the stored expected outputs.
//
// The GPU float path holds float32 only. Inputs of any other dtype (int64 indices and axes, bool
// conditions, float64 data ...) are bound at session creation as fixedInputs: they become
// constants, and the passes fold what depends on them (a Gather's indices, a Where's condition).
// Float32 inputs are given their feed's shape (inputShapes), so every shape is static; one the
// planner refuses as "not a constant" (a Resize's scales, a Pad's value) is fixed too and the
// case planned again, as a caller would pass it in fixedInputs.
//
// Outcomes: passed; failed (a wrong value, a GPU error, a pass that throws); refused (the planner
// has no GPU kernel for a node's use of its op: its RangeError, bucketed by op); not on the GPU
// path (nothing is left to run on it once the non-float inputs are fixed, or an output is not
// computed on it). A refused case is never counted as passed.
//
// Tolerance: |gpu − expected| ≤ atol + rtol · |expected| with rtol 1e-3, atol 1e-5 (the CPU suite's
// relative 1e-4 is for float64 math rounded once to float32): WGSL's exp, log, pow, sin, tanh ...
// are not correctly rounded (WGSL §"Floating Point Accuracy" allows several ULP, and absolute
// error bounds for sin/cos of 2^-11 over [-π, π]), division is 2.5 ULP, and SwiftShader evaluates
// transcendental functions by polynomial approximations; reductions sum in a different order
// from the float64 reference. 1e-3 relative is ONNX's own backend-test rtol. Integer and bool
// outputs (read back from the GPU's f32 values) must match exactly.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/errors.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { Session } from '../../src/gpu/session.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Graph } from '../../src/ir/graph.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { fixInputs, fixInputShapes } from '../../src/passes/fix-inputs.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planFloatProgram } from '../../src/plan/float-plan.ts';
import { caseName, compare, listCases, runCase, testDataSets } from './onnx-suite.ts';

export const GPU_TOLERANCE = { rtol: 1e-3, atol: 1e-5 } as const;
const EXACT = { rtol: 0, atol: 0 } as const;

export type GpuOutcome =
  | { status: 'passed' }
  | { status: 'failed'; detail: string }
  | { status: 'refused'; op: string; detail: string }
  | { status: 'not on gpu'; detail: string }
  /** The float CPU reference does not pass it (not applicable there, or failing): not run here. */
  | { status: 'skipped'; detail: string };

export interface GpuCaseResult {
  name: string;
  outcome: GpuOutcome;
  ms: number;
}


/** The refusal's op: the planner's message starts `<Op> node "<name>": ...`. */
function refusedOp(message: string): string {
  return /^(\w+) node "/.exec(message)?.[1] ?? '(graph)';
}

/** The planner's own refusals (a RangeError or InputError, wrapped with the node by planFloatProgram). */
function isRefusal(e: unknown): boolean {
  const err = e as Error;
  if (err instanceof RangeError || err instanceof InputError) return true;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof RangeError || cause instanceof InputError) return true;
  // Shapes the plan cannot make static (data-dependent dims the passes could not fold).
  return /has a shape \[.*\] that is not static|is not computed before it/.test(err.message);
}

function graphForSet(graph: Graph, inputs: readonly (Tensor & { name: string })[], alsoFixed: ReadonlySet<string>): { prepared: Graph; feeds: Record<string, Tensor> } | string {
  const fixed: Record<string, Tensor> = {};
  const shapes: Record<string, number[]> = {};
  const feeds: Record<string, Tensor> = {};
  let empty: string | undefined;
  graph.inputs.forEach((info, i) => {
    const t = inputs.find((x) => x.name === info.name) ?? inputs[i]!;
    // Non-float32 inputs become constants at session creation (fixedInputs): they then fold.
    if (info.dtype !== 'float32' || alsoFixed.has(info.name)) fixed[info.name] = t;
    else if (t.data.length === 0) empty = info.name;
    else {
      shapes[info.name] = [...t.shape];
      feeds[info.name] = t;
    }
  });
  if (empty !== undefined) return `input "${empty}" is empty (the GPU plan makes no zero-size tensors)`;
  if (Object.keys(feeds).length === 0) return 'no float32 input: with every input fixed the graph is constant';
  return { prepared: optimize(fixInputShapes(fixInputs(graph, fixed), shapes), { layout: 'NHWC' }), feeds };
}

/** One case on the GPU float path: every test data set, each in a session of its own (its fixed inputs differ). */
export async function runGpuCase(dir: string, gpu: GpuContext): Promise<GpuOutcome> {
  const graph = importOnnx(readFileSync(join(dir, 'model.onnx')));
  for (const { set, inputs, expected } of testDataSets(dir)) {
    // A float32 input the plan needs as a constant (a Resize's scales, a Clip's bound): fixed
    // too, as a caller would pass it in fixedInputs, and planned again.
    const alsoFixed = new Set<string>();
    let prepared: Graph;
    let feeds: Record<string, Tensor>;
    let plan;
    for (;;) {
      try {
        const made = graphForSet(graph, inputs, alsoFixed);
        if (typeof made === 'string') return { status: 'not on gpu', detail: made };
        ({ prepared, feeds } = made);
      } catch (e) {
        return { status: 'failed', detail: `${set}: passes: ${(e as Error).message}` };
      }
      const p = prepared;
      const notComputed = p.outputs.find((o) => p.initializers.has(o.name) || p.inputs.some((i) => i.name === o.name));
      if (notComputed) return { status: 'not on gpu', detail: `output "${notComputed.name}" is ${p.initializers.has(notComputed.name) ? 'a constant once the inputs are fixed' : 'a graph input'}` };
      try {
        plan = planFloatProgram(prepared);
        break;
      } catch (e) {
        const message = (e as Error).message;
        const wanted = /input "([^"]+)" is not a constant/.exec(message)?.[1];
        if (wanted && graph.inputs.some((i) => i.name === wanted) && !alsoFixed.has(wanted)) {
          alsoFixed.add(wanted);
          continue;
        }
        if (isRefusal(e)) return { status: 'refused', op: refusedOp(message), detail: message };
        return { status: 'failed', detail: `${set}: plan: ${message}` };
      }
    }
    let session: Session | undefined;
    let actual: Record<string, Tensor>;
    try {
      session = await Session.fromPlan(prepared, plan, { gpu });
      actual = await session.run(feeds);
    } catch (e) {
      return { status: 'failed', detail: `${set}: GPU: ${(e as Error).message}` };
    } finally {
      session?.destroy();
    }
    for (const [i, info] of graph.outputs.entries()) {
      const want = expected.find((t) => t.name === info.name) ?? expected[i];
      const got = actual[info.name];
      if (!want || !got) return { status: 'failed', detail: `${set}: output "${info.name}" missing` };
      const float = want.dtype === 'float32' || want.dtype === 'float64';
      const problem = compare(got, want, float ? GPU_TOLERANCE : EXACT);
      if (problem) return { status: 'failed', detail: `${set}: output "${info.name}": ${problem}` };
    }
  }
  return { status: 'passed' };
}

export interface GpuSuiteOptions {
  /** Which cases (names like "node/test_abs"); default every case. */
  select?: (name: string, index: number) => boolean;
  onResult?: (r: GpuCaseResult) => void;
}

/** Every selected case the float CPU reference passes, on the GPU. */
export async function runGpuSuite(gpu: GpuContext, options: GpuSuiteOptions = {}): Promise<GpuCaseResult[]> {
  const results: GpuCaseResult[] = [];
  const dirs = listCases().filter((dir, i) => options.select?.(caseName(dir), i) ?? true);
  for (const dir of dirs) {
    const start = performance.now();
    const cpu = runCase(dir);
    let outcome: GpuOutcome;
    if (cpu.status !== 'passed') outcome = { status: 'skipped', detail: `CPU reference: ${cpu.status}` };
    else {
      try {
        outcome = await runGpuCase(dir, gpu);
      } catch (e) {
        outcome = { status: 'failed', detail: (e as Error).message };
      }
    }
    const r = { name: caseName(dir), outcome, ms: performance.now() - start };
    results.push(r);
    options.onResult?.(r);
  }
  return results;
}

export interface GpuSummary {
  passed: number;
  failed: string[];
  refused: number;
  notOnGpu: number;
  /** Refused cases per op, most first. */
  refusedByOp: [string, number][];
  text: string;
}

export function summarizeGpu(results: readonly GpuCaseResult[], top = 25): GpuSummary {
  const count = (s: GpuOutcome['status']) => results.filter((r) => r.outcome.status === s).length;
  const failed = results.flatMap((r) => (r.outcome.status === 'failed' ? [`${r.name}: ${r.outcome.detail}`] : []));
  const byOp = new Map<string, number>();
  for (const r of results) if (r.outcome.status === 'refused') byOp.set(r.outcome.op, (byOp.get(r.outcome.op) ?? 0) + 1);
  const refusedByOp = [...byOp].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const notOn = new Map<string, number>();
  for (const r of results) {
    if (r.outcome.status !== 'not on gpu') continue;
    const reason = r.outcome.detail.replace(/"[^"]*"/g, '"…"');
    notOn.set(reason, (notOn.get(reason) ?? 0) + 1);
  }
  const passed = count('passed');
  const refused = count('refused');
  const notOnGpu = count('not on gpu');
  const lines = [
    `ONNX conformance on the fp32 GPU path: ${passed} passed, ${failed.length} failed, ${refused} refused, ${notOnGpu} not on the GPU path ` +
      `(of ${results.length - count('skipped')} cases the float CPU reference passes; tolerance rtol ${GPU_TOLERANCE.rtol}, atol ${GPU_TOLERANCE.atol})`,
    `  refused by op: ${refusedByOp.slice(0, top).map(([op, n]) => `${op} ${n}`).join(', ')}${refusedByOp.length > top ? `, … (${refusedByOp.length - top} more ops)` : ''}`,
    ...[...notOn].sort((a, b) => b[1] - a[1]).map(([reason, n]) => `  not on the GPU path: ${n} × ${reason}`),
    ...failed.map((f) => `  FAILED ${f}`),
  ];
  return { passed, failed, refused, notOnGpu, refusedByOp, text: lines.join('\n') };
}
