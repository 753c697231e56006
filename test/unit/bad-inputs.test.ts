// Bad inputs to run and to calibration (issue 7): each gives a typed error or a documented result
// (README, "Reliability"). The GPU side of the same cases is test/gpu/reliability.test.ts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { quantize } from '../../src/api.ts';
import { CalibrationError, InputError, LimitError } from '../../src/errors.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { f32, tensor, type Tensor } from '../../src/ir/tensor.ts';
import type { Int8TensorInfo, QuantizedModel } from '../../src/quant/program.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { writeQ8, readQ8 } from '../../src/quant/q8-file.ts';
import { encodeOnnx } from '../helpers/onnx-encode.ts';

const graph = importOnnx(readFileSync('models/fashion_mnist_cnn.onnx'));
const image = (f: (i: number) => number): Tensor => f32([1, 1, 28, 28], Array.from({ length: 784 }, (_, i) => f(i)));
const wave = (k: number) => image((i) => Math.sin(i * k));
const calibrated = (samples: Tensor[], method: 'minmax' | 'percentile' = 'minmax') => quantize(graph, { calibration: samples.map((input) => ({ input })), method, percentile: 99.9 });
/** The (scale, zero point) of the quantized model input. */
const inputQParams = (m: QuantizedModel) => (m.tensors.get(m.steps[0]!.op === 'quantize' ? m.steps[0]!.output : '') as Int8TensorInfo).qparams;

describe('run', () => {
  it('a wrong shape or dtype says what was expected', async () => {
    const m = await calibrated([wave(1)]);
    expect(() => runInt8(m, { input: f32([1, 1, 28, 27]) })).toThrow(new InputError('input "input" is float32 [1,1,28,27], expected float32 [batch,1,28,28]'));
    expect(() => runInt8(m, { input: tensor('int32', [1, 1, 28, 28]) })).toThrow(/is int32 \[1,1,28,28\], expected float32/);
    expect(() => runInt8(m, {})).toThrow(/missing input "input" \(expected float32 \[batch,1,28,28\]\)/);
    expect(() => runFloat(graph, { input: f32([2, 3]) })).toThrow(InputError);
  });

  it('NaN quantizes to the zero point, ±Inf saturate to 127 / -128', async () => {
    const m = await calibrated([wave(1)]);
    const { zeroPoint } = inputQParams(m);
    const x = wave(1);
    x.data.set([NaN, Infinity, -Infinity], 0);
    let quantized: Tensor | undefined;
    runInt8(m, { input: x }, { observe: (name, value) => (quantized ??= value) });
    expect(Array.from(quantized!.data.slice(0, 3))).toEqual([zeroPoint, 127, -128]);
  });
});

describe('calibration', () => {
  it('an empty set is a CalibrationError', async () => {
    await expect(calibrated([])).rejects.toThrow(new CalibrationError('quantize() needs at least one calibration sample'));
  });

  it('one sample is enough for every method', async () => {
    for (const method of ['minmax', 'ema', 'percentile', 'entropy', 'mse'] as const) {
      const m = await quantize(graph, { calibration: [{ input: wave(1) }], method });
      expect([...runInt8(m, { input: wave(1) }).logits!.data].filter((v) => !Number.isFinite(v)), `${method}: non-finite logits`).toEqual([]);
    }
  });

  it('non-finite calibration values are ignored: the range is that of the finite ones', async () => {
    const clean = inputQParams(await calibrated([wave(1)]));
    const dirty = image((i) => (i % 3 === 0 ? NaN : i % 3 === 1 ? Infinity : Math.sin(i)));
    expect(inputQParams(await calibrated([wave(1), dirty]))).toEqual(clean);
  });

  it('an output range too narrow for fixed point (multiplier ≥ 2^16) is a CalibrationError naming the node, not a .q8 that cannot be loaded', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4, 4, 2]);
    const g = b.output(b.node('Conv', [x, b.constant('w', f32([3, 1, 1, 2], [1, -1, 0.5, 0.5, 2, 1]))], convAttrs({ layout: 'NHWC' }))).build();
    const conv = g.nodes[0]!;
    const ranges = (hi: number) => new Map([['x', { min: -1, max: 1 }], [conv.outputs[0]!, { min: 0, max: hi }]]);
    expect(() => quantizeGraph(g, ranges(1e-9))).toThrow(CalibrationError);
    expect(() => quantizeGraph(g, ranges(1e-9))).toThrow(new RegExp(`^Conv "${conv.name}": requantization multiplier .* is 2\\^16 or more.*too narrow`));
    // Just inside the bound, the program is written and read back.
    const model = quantizeGraph(g, ranges(1e-3));
    expect(readQ8(writeQ8(model)).steps).toHaveLength(model.steps.length);
  });

  it('a constant zero set (zero range) gives scale 1, zero point 0, and runs exactly on zeros', async () => {
    const m = await calibrated([image(() => 0)]);
    expect(inputQParams(m)).toEqual({ scale: 1, zeroPoint: 0 });
    expect([...runInt8(m, { input: image(() => 0) }).logits!.data].filter((v) => !Number.isFinite(v)), 'non-finite logits').toEqual([]);
  });

  it('all-negative activations use the zero point 127 (0 stays exact)', async () => {
    const m = await calibrated([image((i) => -(i % 7) / 7)]);
    expect(inputQParams(m).zeroPoint).toBe(127);
  });

  it('an extreme outlier (1 value in 3136): minmax keeps it (coarse scale), percentile 99.9 clips it to one histogram bin', async () => {
    const spiky = [wave(1), wave(2), wave(3), image((i) => (i === 400 ? 1e6 : Math.sin(i)))];
    const minmax = inputQParams(await calibrated(spiky, 'minmax'));
    const percentile = inputQParams(await calibrated(spiky, 'percentile'));
    expect(minmax.scale).toBeGreaterThan(1e6 / 256);
    // The percentile is found in a 2048-bin histogram over [-1, 1e6]: resolved to one bin (~488),
    // so the clipped range is about one bin wide, not [-1, 1], yet 2000× finer than minmax's.
    expect(percentile.scale).toBeLessThan(minmax.scale / 1000);
  });
});

describe('numeric safety (Q19)', () => {
  /** y = x · Wᵀ + b for x [1, K], every weight equal: with per-channel scales every q_w is 127. */
  const gemm = (k: number, bias: number) =>
    importOnnx(
      encodeOnnx({
        inputs: [{ name: 'x', shape: [1, k] }],
        outputs: [{ name: 'y' }],
        initializers: { w: { shape: [1, k], data: new Array(k).fill(0.01) }, b: { shape: [1], data: [bias] } },
        nodes: [{ op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['y'], attrs: { transB: 1 } }],
      }),
    );
  const calibrate = (g: ReturnType<typeof gemm>, k: number) => quantize(g, { calibration: [{ x: f32([1, k], Array.from({ length: k }, (_, i) => Math.cos(i))) }], method: 'minmax' });

  it('a layer whose int32 accumulator could overflow is refused, naming the node and channel', async () => {
    // 128 · 127 · 140000 > 2^31.
    await expect(calibrate(gemm(140_000, 0), 140_000)).rejects.toThrow(LimitError);
    await expect(calibrate(gemm(140_000, 0), 140_000)).rejects.toThrow(/Gemm node ".*": output channel 0 can overflow the int32 accumulator .* K = 140000/);
  });

  it('a bias outlier widens its channel weight scale (Q4) instead of overflowing; a sane bias is unaffected', async () => {
    const outlier = await calibrate(gemm(1000, 1e9), 1000);
    const step = outlier.steps.find((st) => st.op === 'gemm');
    if (step?.op !== 'gemm') throw new Error('no gemm step');
    expect(Math.abs(step.bias[0]!)).toBeLessThanOrEqual(2 ** 30);
    const x = f32([1, 1000], Array.from({ length: 1000 }, (_, i) => Math.cos(i)));
    const y = runInt8(outlier, { x }).y!.data[0]!;
    expect(Math.abs(y - 1e9) / 1e9, `y = ${y}`).toBeLessThan(0.01);
    const ok = await calibrate(gemm(100_000, 1), 100_000);
    expect([...runInt8(ok, { x: f32([1, 100_000]) }).y!.data].filter((v) => !Number.isFinite(v)), 'non-finite outputs').toEqual([]);
  });
});
