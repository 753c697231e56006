import { describe, expect, it } from 'vitest';
import { candidatesFor, f32Exact, variantFor } from '../../src/kernels/conv-variants.ts';
import type { ConvStep, GemmStep } from '../../src/quant/program.ts';

// 2^24 / 128 = 131072: the largest sum of |w| an output channel may have and still keep every
// partial sum of int8 products (|x| <= 128) below 2^24.
const LIMIT = 131072;

/** Output channels whose |w| sum to the given totals, each a row of `k` weights (127s, then the rest). */
function rows(sums: number[], k: number): Int8Array {
  const w = new Int8Array(sums.length * k);
  sums.forEach((sum, row) => {
    for (let i = 0; i < k && sum > 0; i++, sum -= 127) w[row * k + i] = (i % 2 ? -1 : 1) * Math.min(127, sum);
  });
  return w;
}

function dense(sums: number[], group = 1): ConvStep {
  const k = 1100;
  return {
    op: 'conv',
    name: 'c',
    input: 'x',
    output: 'y',
    weights: rows(sums, k),
    weightShape: [sums.length, 1, 1, k],
    bias: new Int32Array(sums.length),
    inputZeroPoint: 0,
    geometry: { strides: [1, 1], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], group },
    out: { m0: new Int32Array(sums.length), exponent: new Int32Array(sums.length), zeroPoint: 0, lo: -128, hi: 127 },
  };
}

describe('f32 arithmetic only where its sums are exact', () => {
  it('takes an output channel whose |w| sum to 2^24/128 - 1 and refuses one at 2^24/128', () => {
    expect(f32Exact(dense([LIMIT - 1, 5])), `channel |w| sums [${LIMIT - 1}, 5], limit ${LIMIT}: f32 is exact`).toBe(true);
    expect(f32Exact(dense([5, LIMIT])), `channel |w| sums [5, ${LIMIT}], limit ${LIMIT}: f32 is not exact`).toBe(false);
  });

  it('a dense conv past the bound runs dp4a when f32 is asked for, and f32 is not among its candidates', () => {
    const step = dense([LIMIT + 1000]);
    expect(variantFor(step, 'f32')).toBe('dp4a');
    expect(candidatesFor(step, true)).toEqual(['dp4a', 'reference']);
    const light = dense([1000]);
    expect(variantFor(light, 'f32')).toBe('f32');
    expect(candidatesFor(light, true)).toEqual(['f32', 'dp4a', 'reference']);
  });

  it('a gemm is judged by its [N, K] rows', () => {
    const heavy: GemmStep = { op: 'gemm', name: 'g', input: 'x', output: 'y', weights: rows([100, LIMIT], 1100), weightShape: [2, 1100], bias: new Int32Array(2), inputZeroPoint: 0, out: dense([0]).out };
    expect(candidatesFor(heavy, false)).toEqual(['dp4a', 'reference']);
  });

  it('a grouped conv (not depthwise) runs only the reference kernel', () => {
    const grouped = dense([10, 10, 10, 10], 2);
    expect(variantFor(grouped, 'f32')).toBe('reference');
  });
});
