// Every int8 conv kernel variant (src/kernels/conv-variants.ts) forced on random convs, on Dawn
// against the int8 CPU reference bit for bit, on the native dot4I8Packed path and the emulated
// fallback: depthwise (with channel multipliers), dense 1×1 to 7×7 (the pointwise GEMM form
// included), grouped (which the reference kernel takes), strides, dilation, padding, odd channel
// counts, batch 1–2, tiny spatial sizes; with and without a residual Add fused into the epilogue;
// 3×3 depthwise convs at strides 1 and 2; plus convs at the edge of the f32 variant's exactness.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { canFuseResidual, convKernel, type FusedResidual } from '../../src/kernels/conv.ts';
import { CONV_VARIANTS, f32Exact, variantFor, type ConvVariant } from '../../src/kernels/conv-variants.ts';
import { unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import type { AddStep, ConvStep } from '../../src/quant/program.ts';
import { convInt8 } from '../../src/ref/int8/conv.ts';
import { addInt8 } from '../../src/ref/int8/elementwise.ts';
import { tensor } from '../../src/ir/tensor.ts';
import { depthwise3x3, extremeConv, randomConv } from './conv-cases.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

const SHADERS: Record<ConvVariant, string[]> = {
  reference: ['conv2d_int8'],
  dp4a: ['conv2d_int8_blocked', 'conv2d_int8_dw'],
  f32: ['conv2d_int8_blocked_f32', 'conv2d_int8_dw_f32'],
  // Depthwise convs have no tiled kernel: they run the first of theirs, dp4a.
  tiled: ['conv2d_int8_tiled', 'conv2d_int8_dw'],
};

/** A random residual Add (Q13) of the conv's output and a fresh int8 tensor of its shape. */
function randomResidual(step: ConvStep, shape: readonly number[], r: ReturnType<typeof randomSource>): { residual: FusedResidual; data: Tensor } {
  const convOperand = r.pick(2) as 0 | 1;
  const scales = [2 ** (r.next() * 4 - 2), 2 ** (r.next() * 4 - 2)];
  const twiceMax = 2 * Math.max(...scales);
  const lo = r.pick(2) ? -128 : r.int(-128, 20);
  const add: AddStep = {
    op: 'add',
    name: `${step.name}.add`,
    inputs: convOperand === 0 ? [step.output, `${step.name}.r`] : [`${step.name}.r`, step.output],
    output: `${step.name}.sum`,
    zeroPoints: [r.int(-30, 30), r.int(-30, 30)],
    multipliers: [quantizeMultiplier(scales[0]! / twiceMax), quantizeMultiplier(scales[1]! / twiceMax)],
    outMultiplier: quantizeMultiplier(twiceMax / (2 ** 20 * 2 ** (r.next() * 2 - 1))),
    zeroPoint: r.int(-20, 20),
    lo,
    hi: r.pick(2) ? 127 : r.int(lo + 1, 127),
  };
  const data = tensor('int8', [...shape], r.int8s(shape.reduce((a, b) => a * b, 1)));
  return { residual: { add, tensor: `${step.name}.r`, convOperand }, data };
}

function convCase(step: ConvStep, input: Tensor, variant: ConvVariant, next: () => number, withResidual?: ReturnType<typeof randomSource>): GpuCase | undefined {
  let want: Tensor;
  try {
    want = convInt8(input, step);
  } catch {
    return undefined; // a window that does not fit the input: not a valid case
  }
  const fused = withResidual && canFuseResidual(step, variant) ? randomResidual(step, want.shape, withResidual) : undefined;
  if (fused) {
    const [a, b] = fused.residual.convOperand === 0 ? [want, fused.data] : [fused.data, want];
    want = addInt8(a, b, fused.residual.add);
  }
  const { spec, outputShape } = convKernel(step, input.shape, variant, fused?.residual);
  const output = fused ? fused.residual.add.output : step.output;
  const expected = variantFor(step, variant);
  const c = input.shape[3]!;
  const cout = outputShape[3]!;
  return {
    describe: `${step.name} ${variant} (${spec.shader})${fused ? ' + residual add' : ''} ${JSON.stringify({ x: input.shape, w: step.weightShape, g: step.geometry })}`,
    specs: [spec],
    tensors: new Map([[step.input, int8Bytes(input.shape)], [output, int8Bytes(outputShape)], ...(fused ? [[fused.residual.tensor, int8Bytes(outputShape)] as [string, number]] : [])]),
    writes: [[step.input, packWithGarbage(input.data, c, next)], ...(fused ? [[fused.residual.tensor, packWithGarbage(fused.data.data, cout, next)] as [string, Uint32Array]] : [])],
    outputs: [output],
    check: (res) => {
      if (!SHADERS[expected].includes(spec.shader)) return `ran ${spec.shader}, not a ${expected} kernel`;
      if (JSON.stringify(outputShape) !== JSON.stringify(want.shape)) return `output shape [${outputShape}], expected [${want.shape}]`;
      return firstDifference(unpackRows(wordsOf(res.get(output), rowsOf(outputShape) * wordsFor(cout)), cout), want.data);
    },
  };
}

function cases(variant: ConvVariant): GpuCase[] {
  const r = randomSource(99);
  const out: GpuCase[] = [];
  for (let seed = 1; seed <= CASES; seed++) {
    const { step, input } = randomConv(seed, undefined, `c${seed}`);
    const c = convCase(step, input, variant, r.next);
    if (c) out.push(c);
    // The same conv with a residual Add fused into its epilogue (variants that take one).
    const again = randomConv(seed, undefined, `f${seed}`);
    const fused = canFuseResidual(again.step, variant) ? convCase(again.step, again.input, variant, r.next, r) : undefined;
    if (fused) out.push(fused);
  }
  // Dense convs wider than one tile of the tiled kernel (several pixel and channel tiles, K steps).
  for (let seed = 1; seed <= 40; seed++) {
    const { step, input } = randomConv(seed, seed % 2 ? 'regular' : 'pointwise', `wide${seed}`, true);
    const c = convCase(step, input, variant, r.next, seed % 3 ? undefined : r);
    if (c) out.push(c);
  }
  // 3×3 depthwise rows of dilation 1, which share their input columns between pixels.
  for (let seed = 1; seed <= 40; seed++) {
    const { step, input } = depthwise3x3(seed, `dw${seed}`);
    const c = convCase(step, input, variant, r.next, seed % 2 ? r : undefined);
    if (c) out.push(c);
  }
  // Sums near 2^24, past which f32 sums of integers stop being exact: past the bound (1300
  // channels, 160 channels × 3×3 taps, 2000 channels; depthwise 33×33 taps) f32Exact refuses the
  // f32 kernels and they run dp4a; just inside it (1040 channels, 112 × 3×3; depthwise 32×32) sums
  // reach ~ ±15.4-15.7M and f32 must be exact.
  const edges = [[1300, 1, false, false], [160, 3, false, false], [2000, 1, false, false], [1040, 1, true, false], [112, 3, true, false], [6, 33, false, true], [6, 32, true, true]] as const;
  for (const [i, [cin, k, exact, depthwise]] of edges.entries()) {
    for (const sign of [1, -1] as const) {
      const { step, input } = extremeConv(`edge${i}${sign}`, cin, k, 9, sign, 7 + i, depthwise);
      expect(f32Exact(step), step.name).toBe(exact);
      out.push(convCase(step, input, variant, r.next)!);
    }
  }
  return out;
}

describe.skipIf(skipGpu)('int8 conv variants on Dawn match the int8 CPU reference bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const variant of CONV_VARIANTS) {
    for (const path of PATHS) {
      it(`${variant}, ${path} path: ${CASES} random convs and f32-edge convs`, { timeout: 600_000 }, async () => {
        if (path === 'native') expect(gpu.dot4I8Packed, `the native path needs WGSL's dot4I8Packed, which ${JSON.stringify(gpu.adapterInfo)} lacks`).toBe(true);
        const batch = cases(variant);
        expect(batch.length).toBeGreaterThanOrEqual(CASES * 0.9);
        const { failures, ms } = await runBatch(gpu.device, path, batch);
        expect(failures.slice(0, 5)).toEqual([]);
        const own = batch.filter((c) => c.specs.some((s) => s.shader === SHADERS[variant][0])).length;
        if (variant === 'tiled') expect(own, 'cases the tiled kernel itself runs').toBeGreaterThanOrEqual(200);
        console.log(`conv ${variant} (${path}): ${batch.length} cases bit-exact in ${ms.toFixed(0)} ms (${own} on ${SHADERS[variant][0]})`);
      });
    }
  }
});
