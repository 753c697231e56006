// Runs ONNX's own operator conformance tests (Debian's libonnx-testdata) through
// import + the float reference, and compares with the expected outputs.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnsupportedModelError, UnsupportedOpError } from '../../src/errors.ts';
import { decodeTensor } from '../../src/import/onnx-proto.ts';
import { decodeTensorProto } from '../../src/import/onnx-tensor.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { inferShapes } from '../../src/ir/shapes.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { evaluateNode, runFloat } from '../../src/ref/float/run.ts';

export const ONNX_TESTDATA = process.env.ONNX_TESTDATA ?? '/usr/share/libonnx-testdata/data';
export const SUITES = ['node', 'pytorch-converted', 'pytorch-operator'] as const;
/** Outputs whose inferred shape has a dim left unknown ('?'), over the run (reported by summarize). */
export const unknownDims = { count: 0 };
const UNKNOWN_DIM = '?';

export const TOLERANCE = { rtol: 1e-4, atol: 1e-5 } as const;

/**
 * Cases held to ONNX's own backend-test tolerance (onnx/backend/test/runner: rtol 1e-3, atol 1e-7)
 * instead of the stricter one above, each for a reason in the data, not in the engine:
 */
const ONNX_TOLERANCE = { rtol: 1e-3, atol: 1e-7 } as const;
const AT_ONNX_TOLERANCE: Record<string, string> = {
  // Expected outputs typed into the test generator to 4 decimals (e.g. -0.1406 for -0.140625).
  'node/test_gridsample_bicubic': 'expected values rounded to 4 decimals',
  'node/test_roialign_aligned_false': 'expected values rounded to 4 decimals',
  'node/test_roialign_aligned_true': 'expected values rounded to 4 decimals',
  // This testdata's windows were generated with π ≈ 3.1415: recomputed with 3.1415 they match
  // the stored outputs to 1e-6, while the exact-π window (ONNX's reference today) differs by up to
  // 5.3e-4 relative (checked for each of the twelve cases).
  'node/test_blackmanwindow': 'expected values computed with pi = 3.1415',
  'node/test_blackmanwindow_expanded': 'expected values computed with pi = 3.1415',
  'node/test_blackmanwindow_symmetric': 'expected values computed with pi = 3.1415',
  'node/test_blackmanwindow_symmetric_expanded': 'expected values computed with pi = 3.1415',
  'node/test_hammingwindow': 'expected values computed with pi = 3.1415',
  'node/test_hammingwindow_expanded': 'expected values computed with pi = 3.1415',
  'node/test_hammingwindow_symmetric': 'expected values computed with pi = 3.1415',
  'node/test_hammingwindow_symmetric_expanded': 'expected values computed with pi = 3.1415',
  'node/test_hannwindow': 'expected values computed with pi = 3.1415',
  'node/test_hannwindow_expanded': 'expected values computed with pi = 3.1415',
  'node/test_hannwindow_symmetric': 'expected values computed with pi = 3.1415',
  'node/test_hannwindow_symmetric_expanded': 'expected values computed with pi = 3.1415',
};

export type Outcome =
  | { status: 'passed' }
  | { status: 'failed'; detail: string }
  | { status: 'not applicable'; detail: string };

export interface CaseResult {
  name: string;
  outcome: Outcome;
}

export function listCases(): string[] {
  return SUITES.flatMap((suite) => {
    const dir = join(ONNX_TESTDATA, suite);
    return readdirSync(dir)
      .filter((name) => existsSync(join(dir, name, 'model.onnx')))
      .map((name) => join(dir, name));
  });
}

const readTensor = (path: string): Tensor & { name: string } => {
  const proto = decodeTensor(readFileSync(path));
  return { ...decodeTensorProto(proto, path), name: proto.name };
};

/** A case's test data sets: each set's name, and its input and expected output tensors in file order. */
export function testDataSets(dir: string): { set: string; inputs: (Tensor & { name: string })[]; expected: (Tensor & { name: string })[] }[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .map((set) => {
      const files = (prefix: string) =>
        readdirSync(join(dir, set))
          .filter((f) => f.startsWith(prefix) && f.endsWith('.pb'))
          .sort((a, b) => parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length)))
          .map((f) => readTensor(join(dir, set, f)));
      return { set, inputs: files('input_'), expected: files('output_') };
    });
}

/** `not applicable` only for what the importer refuses by design: unsupported ops, opsets and dtypes. */
export function runCase(dir: string): Outcome {
  let graph;
  try {
    graph = importOnnx(readFileSync(join(dir, 'model.onnx')));
  } catch (e) {
    if (e instanceof UnsupportedOpError || e instanceof UnsupportedModelError) {
      return { status: 'not applicable', detail: e.message };
    }
    return { status: 'failed', detail: `import: ${(e as Error).message}` };
  }
  for (const { set, inputs, expected } of testDataSets(dir)) {
    const feeds = Object.fromEntries(graph.inputs.map((info, i) => [info.name, inputs.find((t) => t.name === info.name) ?? inputs[i]!]));
    let actual: Record<string, Tensor>;
    try {
      actual = runFloat(graph, feeds);
    } catch (e) {
      return { status: 'failed', detail: `${set}: run: ${(e as Error).message}` };
    }
    // With every input known, static shape inference must predict each output's shape exactly.
    const inferred = inferShapes({ ...graph, inputs: [], initializers: new Map([...graph.initializers, ...Object.entries(feeds)]) }, evaluateNode);
    for (const [i, info] of graph.outputs.entries()) {
      const want = expected.find((t) => t.name === info.name) ?? expected[i];
      const got = actual[info.name];
      if (!want || !got) return { status: 'failed', detail: `${set}: output "${info.name}" missing` };
      const guess = inferred.get(info.name);
      // '?' is a dim static inference rightly leaves to the data (NonZero's count, a Loop's trip
      // count computed by nodes); inference does not propagate values, only shapes and constants.
      if (guess?.includes(UNKNOWN_DIM)) unknownDims.count++;
      if (!guess || guess.length !== got.shape.length || guess.some((d, k) => d !== got.shape[k] && d !== UNKNOWN_DIM)) {
        return { status: 'failed', detail: `${set}: shape inference says [${guess ?? 'nothing'}] for "${info.name}", the run gave [${got.shape}]` };
      }
      const problem = compare(got, want, caseName(dir) in AT_ONNX_TOLERANCE ? ONNX_TOLERANCE : TOLERANCE);
      if (problem) return { status: 'failed', detail: `${set}: output "${info.name}": ${problem}` };
    }
  }
  return { status: 'passed' };
}

export const caseName = (dir: string) => dir.slice(ONNX_TESTDATA.length + 1);

export function compare(got: Tensor, want: Tensor, tolerance: { rtol: number; atol: number } = TOLERANCE): string | undefined {
  if (got.shape.join() !== want.shape.join()) return `shape [${got.shape}], expected [${want.shape}]`;
  for (let i = 0; i < want.data.length; i++) {
    const a = got.data[i]!;
    const b = want.data[i]!;
    if (Number.isNaN(b) ? !Number.isNaN(a) : Math.abs(a - b) > tolerance.atol + tolerance.rtol * Math.abs(b)) {
      return `element ${i} is ${a}, expected ${b}`;
    }
  }
  return undefined;
}

export function runSuite(): CaseResult[] {
  return listCases().map((dir) => ({ name: caseName(dir), outcome: runCase(dir) }));
}

export interface Summary {
  passed: number;
  failed: string[];
  notApplicable: number;
  text: string;
}

export function summarize(results: CaseResult[]): Summary {
  const failed = results.flatMap((r) => (r.outcome.status === 'failed' ? [`${r.name}: ${r.outcome.detail}`] : []));
  const passed = results.filter((r) => r.outcome.status === 'passed').length;
  const notApplicable = results.length - passed - failed.length;
  const lines = [
    `ONNX conformance: ${passed} passed, ${failed.length} failed (${notApplicable} not applicable: op, opset or type unsupported); ${unknownDims.count} outputs' inferred shapes leave a data-dependent dim unknown`,
    ...failed.map((f) => `  FAILED ${f}`),
  ];
  return { passed, failed, notApplicable, text: lines.join('\n') };
}
