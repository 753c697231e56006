// Shared by test/gpu/kernels-*.test.ts: many randomised cases run as ONE GpuProgram per int8
// path (tensor names prefixed per case), so each pipeline is created once per path and the whole
// batch is one submit; then every case is checked against its CPU reference.
import { GpuProgram } from '../../src/gpu/program.ts';
import type { Int8Path } from '../../src/kernels/shaders.ts';
import { packRows } from '../../src/kernels/pack.ts';
import type { KernelSpec } from '../../src/kernels/spec.ts';
import { uniform } from '../helpers/random.ts';

export const skipGpu = process.env.WEBGPU_INT8_SKIP_GPU === '1';
export const CASES = Number(process.env.GPU_KERNEL_CASES ?? 200);
export const PATHS: Int8Path[] = ['native', 'emulated'];

export interface GpuCase {
  /** What the case is, for failure messages. */
  describe: string;
  specs: KernelSpec[];
  /** Byte size of every tensor the specs bind. */
  tensors: Map<string, number>;
  writes: [string, Uint32Array | Float32Array | Int32Array][];
  outputs: string[];
  /** undefined when the GPU results match; otherwise what differs. */
  check: (results: Map<string, ArrayBuffer>) => string | undefined;
}

export interface BatchResult {
  failures: string[];
  pipelines: number;
  dispatches: number;
  ms: number;
}

export async function runBatch(device: GPUDevice, path: Int8Path, cases: GpuCase[]): Promise<BatchResult> {
  const t0 = performance.now();
  const tensors = new Map<string, number>();
  for (const c of cases) for (const [name, bytes] of c.tensors) tensors.set(name, bytes);
  const program = await GpuProgram.create(device, cases.flatMap((c) => c.specs), tensors, path);
  try {
    for (const c of cases) for (const [name, data] of c.writes) program.write(name, data);
    const results = await program.run(cases.flatMap((c) => c.outputs));
    const failures = cases.flatMap((c) => {
      const why = c.check(results);
      return why === undefined ? [] : [`${c.describe}: ${why}`];
    });
    return { failures, pipelines: program.pipelineCount, dispatches: program.dispatchCount, ms: performance.now() - t0 };
  } finally {
    program.destroy();
  }
}

/** A seeded source of test values. */
export function randomSource(seed: number) {
  const next = uniform(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const int = (lo: number, hi: number) => lo + pick(hi - lo + 1);
  const choose = <T>(xs: readonly T[]): T => xs[pick(xs.length)]!;
  const int8s = (n: number) => Int8Array.from({ length: n }, () => int(-128, 127));
  return { next, pick, int, choose, int8s };
}

/** The first index where two typed arrays differ, with both values, or undefined. */
export function firstDifference(got: ArrayLike<number>, want: ArrayLike<number>): string | undefined {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    if (got[i] !== want[i]) return `element ${i}: got ${got[i]}, expected ${want[i]}`;
  }
  return undefined;
}

/** A fresh copy of `words` u32 values from the start of a read-back buffer (buffers are padded to 16 bytes). */
export const wordsOf = (buffer: ArrayBuffer | undefined, count: number): Uint32Array => new Uint32Array(buffer!.slice(0, count * 4));

/** packRows, but with random bytes in the padding lanes: kernels must not let them reach real outputs. */
export function packWithGarbage(values: ArrayLike<number>, rowLength: number, next: () => number): Uint32Array {
  const words = packRows(values, rowLength);
  const perRow = Math.ceil(rowLength / 4);
  const used = rowLength % 4;
  if (used === 0 || perRow === 0) return words;
  const mask = (0xffffffff << (8 * used)) >>> 0;
  for (let w = perRow - 1; w < words.length; w += perRow) words[w] = (words[w]! | (Math.floor(next() * 2 ** 32) & mask)) >>> 0;
  return words;
}
