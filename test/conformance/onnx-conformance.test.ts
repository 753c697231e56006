import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ONNX_TESTDATA, runSuite, summarize } from './onnx-suite.ts';

describe("ONNX's operator conformance tests (libonnx-testdata), import + float reference", () => {
  it('passes every test whose ops the importer supports, and at least 850 of them', () => {
    // Missing test data is a broken setup, not a pass: .ci/run installs libonnx-testdata.
    expect(existsSync(ONNX_TESTDATA), `${ONNX_TESTDATA} is missing: apt-get install libonnx-testdata`).toBe(true);
    const results = runSuite();
    const summary = summarize(results);
    console.log(summary.text);
    expect(summary.failed, summary.text).toEqual([]);
    expect(summary.passed).toBeGreaterThanOrEqual(850);
  });
});
