// onnxruntime's dynamic-quantization format against onnxruntime-node (CPU EP):
//  - the chain DynamicQuantizeLinear → MatMulInteger → Cast → Mul(s_x · s_W) (→ Add bias), in
//    every weight form the spec allows (int8 / uint8, zero points and scales per tensor or per
//    column, 2-D and 3-D activations), imported and fused into MatMulDynamicInt8: the run-time
//    scale and zero point are ORT's bit for bit, every activation code within one step of ORT's,
//    and each output within the bound those code differences give (exact arithmetic otherwise);
//  - quantizeDynamic of a float model equals our export of it (exportDynamicOnnx) imported back,
//    bit for bit, and onnxruntime-node runs that export within a stated tolerance of us.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { exportDynamicOnnx } from '../../src/export/onnx-dynamic.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { f32 } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { dynamicCode, dynamicQParams } from '../../src/quant/dynamic.ts';
import { quantizeDynamic } from '../../src/quant/quantize-dynamic.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxModelSpec } from '../helpers/onnx-encode.ts';
import { randomSource } from '../gpu/kernels-harness.ts';

type Source = ReturnType<typeof randomSource>;

const session = (bytes: Uint8Array) => ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], logSeverityLevel: 3 });

interface ChainCase {
  bytes: Uint8Array;
  x: Float32Array;
  xShape: number[];
  /** Weights as the product sees them: q − z per [k, n], and s_W per column. */
  centred: (k: number, n: number) => number;
  wScale: (n: number) => number;
  k: number;
  n: number;
  describe: string;
}

/** One ORT-format dynamic MatMul with random weight forms; outputs y and the DynamicQuantizeLinear's three outputs. */
function chainCase(seed: number): ChainCase {
  const r = randomSource(seed);
  const k = r.choose([1, 3, 4, 7, 16, 33, 64]);
  const n = r.int(1, 24);
  const rows = r.int(1, 12);
  const xShape = r.pick(2) === 0 ? [rows, k] : [2, rows, k];
  const unsigned = r.pick(2) === 0;
  const zeroForm = r.choose(['none', 'tensor', 'column'] as const);
  const scaleForm = r.choose(['tensor', 'column'] as const);
  const bias = r.pick(2) === 0;
  const [lo, hi] = unsigned ? [0, 255] : [-128, 127];
  const w = Array.from({ length: k * n }, () => r.int(lo, hi));
  const zeros = zeroForm === 'none' ? [] : Array.from({ length: zeroForm === 'tensor' ? 1 : n }, () => r.int(lo, hi));
  const scales = Array.from({ length: scaleForm === 'tensor' ? 1 : n }, () => Math.fround(2 ** (-10 + 6 * r.next())));
  const spread = 2 ** r.int(-6, 6);
  const offset = r.choose([0, 0, spread, -spread]);
  const x = Float32Array.from({ length: xShape.reduce((a, b) => a * b, 1) }, () => (r.next() * 2 - 1) * spread + offset);
  const type = unsigned ? OnnxDataType.UINT8 : OnnxDataType.INT8;
  const initializers: OnnxModelSpec['initializers'] = {
    W: { dims: [k, n], dataType: type, int32Data: w },
    s_W: { shape: scaleForm === 'tensor' ? [] : [n], data: scales },
    ...(zeroForm === 'none' ? {} : { z_W: { dims: zeroForm === 'tensor' ? [] : [n], dataType: type, int32Data: zeros } }),
    ...(bias ? { b: { shape: [n], data: Array.from({ length: n }, () => r.next() * 2 - 1) } } : {}),
  };
  const spec: OnnxModelSpec = {
    opset: 13,
    inputs: [{ name: 'x', shape: xShape }],
    outputs: [{ name: 'y' }, { name: 'q', elemType: OnnxDataType.UINT8 }, { name: 's' }, { name: 'z', elemType: OnnxDataType.UINT8 }],
    initializers,
    nodes: [
      { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['q', 's', 'z'] },
      { op: 'MatMulInteger', inputs: ['q', 'W', 'z', zeroForm === 'none' ? '' : 'z_W'], outputs: ['acc'] },
      { op: 'Cast', inputs: ['acc'], outputs: ['accf'], attrs: { to: OnnxDataType.FLOAT } },
      { op: 'Mul', inputs: ['s', 's_W'], outputs: ['scales'] },
      { op: 'Mul', inputs: ['accf', 'scales'], outputs: [bias ? 'product' : 'y'] },
      ...(bias ? [{ op: 'Add', inputs: ['product', 'b'], outputs: ['y'] }] : []),
    ],
  };
  const zero = (j: number) => (zeroForm === 'none' ? 0 : zeros[zeroForm === 'tensor' ? 0 : j]!);
  return {
    bytes: encodeOnnx(spec),
    x,
    xShape,
    centred: (i, j) => w[i * n + j]! - zero(j),
    wScale: (j) => scales[scaleForm === 'tensor' ? 0 : j]!,
    k,
    n,
    describe: `case ${seed} ${JSON.stringify({ xShape, n, unsigned, zeroForm, scaleForm, bias })}`,
  };
}

/** The graph's outputs other than the DynamicQuantizeLinear's (ours fuses it away). */
function fusedOnly(g: Graph): Graph {
  return { ...g, outputs: g.outputs.filter((o) => o.name === 'y') };
}

describe("onnxruntime's dynamic format", () => {
  it('MatMulInteger chains fuse into MatMulDynamicInt8 and agree with onnxruntime-node within one activation step', async () => {
    let codesCompared = 0;
    let codesDiffering = 0;
    let outputsExact = 0;
    let outputs = 0;
    let worstOverBound = 0;
    const CASES = 120;
    for (let seed = 1; seed <= CASES; seed++) {
      const c = chainCase(seed);
      const theirs = await (await session(c.bytes)).run({ x: new ort.Tensor('float32', c.x, c.xShape) });
      const fused = optimize(fusedOnly(importOnnx(c.bytes)));
      expect(fused.nodes.map((nd) => nd.op), c.describe).toEqual(['MatMulDynamicInt8']);
      const ours = runFloat(fused, { x: f32(c.xShape, c.x) }).y!.data as Float32Array;
      // (D2): ORT's scale and zero point, bit for bit.
      let min = 0;
      let max = 0;
      for (const v of c.x) [min, max] = [Math.min(min, v), Math.max(max, v)];
      const p = dynamicQParams(min, max);
      expect([p.scale, p.zeroPoint], c.describe).toEqual([theirs.s!.data[0], theirs.z!.data[0]]);
      // (D3): each code within one step; the differences bound each output's difference.
      const q = theirs.q!.data as Uint8Array;
      const delta = Array.from(c.x, (v, i) => dynamicCode(v, p) - q[i]!);
      codesCompared += delta.length;
      codesDiffering += delta.filter((d) => d !== 0).length;
      expect(Math.max(...delta.map(Math.abs)), c.describe).toBeLessThanOrEqual(1);
      const y = theirs.y!.data as Float32Array;
      const rows = c.x.length / c.k;
      for (let m = 0; m < rows; m++) {
        for (let j = 0; j < c.n; j++) {
          let steps = 0;
          for (let i = 0; i < c.k; i++) steps += Math.abs(delta[m * c.k + i]! * c.centred(i, j));
          const bound = steps * p.scale * c.wScale(j) * (1 + 1e-6) + 2 * Math.abs(y[m * c.n + j]!) * 2 ** -23;
          const diff = Math.abs(ours[m * c.n + j]! - y[m * c.n + j]!);
          if (diff === 0) outputsExact++;
          outputs++;
          worstOverBound = Math.max(worstOverBound, bound === 0 ? diff : diff / bound);
          expect(diff, `${c.describe} y[${m}, ${j}]`).toBeLessThanOrEqual(bound);
        }
      }
    }
    console.log(
      `${CASES} ORT-format dynamic MatMuls vs onnxruntime-node ${ort.env.versions.node ?? '?'}: scales and zero points identical; ` +
        `${codesDiffering} of ${codesCompared} activation codes differ by one step (x · (1/s) vs x / s), none by more; ` +
        `${outputsExact} of ${outputs} outputs bit-identical, worst difference ${(worstOverBound * 100).toFixed(1)}% of the bound those codes give`,
    );
  });

  it('quantizeDynamic equals its onnxruntime export imported back, and onnxruntime-node runs the export as we do', async () => {
    const r = randomSource(7);
    const [k, h, n] = [24, 32, 10];
    const rand = (count: number, scale: number) => Array.from({ length: count }, () => (r.next() * 2 - 1) * scale);
    const spec: OnnxModelSpec = {
      opset: 14,
      inputs: [{ name: 'x', shape: [2, 5, k] }],
      outputs: [{ name: 'y' }],
      initializers: {
        W1: { shape: [k, h], data: rand(k * h, 0.3) },
        b1: { shape: [h], data: rand(h, 0.1) },
        W2: { shape: [n, h], data: rand(n * h, 0.3) },
        b2: { shape: [n], data: rand(n, 0.1) },
        flat: { dims: [2], dataType: OnnxDataType.INT64, int64Data: [-1, h] },
      },
      nodes: [
        { op: 'MatMul', inputs: ['x', 'W1'], outputs: ['h1'] },
        { op: 'Add', inputs: ['h1', 'b1'], outputs: ['h2'] },
        { op: 'Relu', inputs: ['h2'], outputs: ['h3'] },
        { op: 'Reshape', inputs: ['h3', 'flat'], outputs: ['h4'] },
        { op: 'Gemm', inputs: ['h4', 'W2', 'b2'], outputs: ['y'], attrs: { transB: 1 } },
      ],
    };
    const floatBytes = encodeOnnx(spec);
    const exported = exportDynamicOnnx(floatBytes);
    expect(exported.quantized).toHaveLength(2);
    const { graph: ours, report } = quantizeDynamic(optimize(importOnnx(floatBytes)));
    expect(report.quantized).toHaveLength(2);
    const back = optimize(importOnnx(exported.bytes));
    expect(back.nodes.filter((nd) => nd.op === 'MatMulDynamicInt8')).toHaveLength(2);
    const ort1 = await session(exported.bytes);
    const ortFloat = await session(floatBytes);
    let worst = 0;
    let worstFloat = 0;
    for (let trial = 0; trial < 10; trial++) {
      const x = Float32Array.from(rand(10 * k, 2 ** r.int(-2, 3)));
      const feeds = { x: f32([2, 5, k], x) };
      const a = runFloat(ours, feeds).y!;
      const b = runFloat(back, feeds).y!;
      expect(Array.from(new Uint32Array((b.data as Float32Array).buffer)), 'the imported export, bit for bit').toEqual(Array.from(new Uint32Array((a.data as Float32Array).buffer)));
      const theirs = (await ort1.run({ x: new ort.Tensor('float32', x, [2, 5, k]) })).y!.data as Float32Array;
      const floatY = (await ortFloat.run({ x: new ort.Tensor('float32', x, [2, 5, k]) })).y!.data as Float32Array;
      const range = Math.max(...Array.from(floatY, Math.abs));
      worst = Math.max(worst, ...Array.from(a.data, (v, i) => Math.abs(v - theirs[i]!) / range));
      worstFloat = Math.max(worstFloat, ...Array.from(a.data, (v, i) => Math.abs(v - floatY[i]!) / range));
    }
    // Layer 1's codes may differ from ORT's by a step (x · 1/s vs x / s); that moves layer 2's range.
    expect(worst).toBeLessThan(0.01);
    console.log(`quantizeDynamic (2 products) vs onnxruntime-node running our export: max |Δ| ${(worst * 100).toFixed(3)}% of max |y|; vs the float model: ${(worstFloat * 100).toFixed(2)}%`);
  });
});
