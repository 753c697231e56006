import { describe, expect, it } from 'vitest';
import { convShape } from '../../src/kernels/conv-common.ts';
import { candidatesFor, CONV_KERNELS, CONV_VARIANTS, convKind, entriesFor, f32Exact, variantFor } from '../../src/kernels/conv-variants.ts';
import type { AddStep, ConvStep, GemmStep } from '../../src/quant/program.ts';
import { convKernel, type FusedResidual } from '../../src/kernels/conv.ts';
import { randomConv } from '../gpu/conv-cases.ts';

/** A residual Add of the conv's output and a tensor "r" (its parameters do not matter to planning). */
function residualOf(step: ConvStep): FusedResidual {
  const unit = { m0: 1 << 30, exponent: 0 };
  const add: AddStep = { op: 'add', name: `${step.name}.add`, inputs: [step.output, 'r'], output: `${step.name}.sum`, zeroPoints: [0, 0], multipliers: [unit, unit], outMultiplier: unit, zeroPoint: 0, lo: -128, hi: 127 };
  return { add, tensor: 'r', convOperand: 0 };
}

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
    expect(candidatesFor(heavy, false)).toEqual(['dp4a', 'tiled', 'reference']);
  });

  it('the workgroup-tiled kernel is a candidate on GPUs, never on software adapters (only when forced)', () => {
    const step = dense([1000]);
    expect(candidatesFor(step, false)).toEqual(['dp4a', 'f32', 'tiled', 'reference']);
    expect(candidatesFor(step, true)).toEqual(['f32', 'dp4a', 'reference']);
    expect(variantFor(step, 'tiled')).toBe('tiled');
  });

  it('a grouped conv (not depthwise) runs only the reference kernel', () => {
    const grouped = dense([10, 10, 10, 10], 2);
    expect(variantFor(grouped, 'f32')).toBe('reference');
  });
});

describe('the conv kernel table', () => {
  it('each kind ends in the reference kernel, which supports everything, and names every variant at most once', () => {
    for (const [kind, entries] of Object.entries(CONV_KERNELS)) {
      expect(entries.at(-1)!.variant, kind).toBe('reference');
      const names = entries.map((e) => e.variant);
      expect(new Set(names).size, kind).toBe(names.length);
      expect(names.every((n) => (CONV_VARIANTS as readonly string[]).includes(n)), kind).toBe(true);
    }
  });

  it('every entry builds the shader it declares, and takes a residual Add exactly where it says so', () => {
    const seen = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const { step, input } = randomConv(seed);
      const s = convShape(step, input.shape);
      for (const entry of entriesFor(step, false)) {
        const plain = entry.build(step, s);
        expect(plain.shader, `${step.name} ${entry.variant}`).toBe(entry.shader);
        expect(plain.constants.RESIDUAL ?? 0, `${step.name} ${entry.variant}: no residual`).toBe(0);
        if (entry.fusesResidual) expect(entry.build(step, s, residualOf(step)).constants.RESIDUAL, `${step.name} ${entry.variant}: residual`).toBe(1);
        else expect(() => convKernel(step, input.shape, entry.variant, residualOf(step)), `${step.name} ${entry.variant}`).toThrow(/cannot fuse a residual Add/);
        seen.add(`${convKind(step)}/${entry.variant}`);
      }
    }
    // Every kind's every entry was exercised by the random set (f32 included: its weights are small).
    expect([...seen].sort()).toEqual(Object.entries(CONV_KERNELS).flatMap(([kind, entries]) => entries.map((e) => `${kind}/${e.variant}`)).sort());
  });
});
