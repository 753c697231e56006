// The dequantize-integer pass (src/passes/dequantize-integer.ts) on small onnxruntime-style
// dynamic conv chains, and its ONNX twin (src/models/isnet.ts dequantizedOnnx): the float Conv
// computes (W_q − z_W) · s_W exactly as written, per tensor and per output channel, with the
// constant bias folded; a chain that differs stays as it is.

import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/import/onnx.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { f32, type Tensor } from '../../src/ir/tensor.ts';
import { dequantizedOnnx } from '../../src/models/isnet.ts';
import { dequantizeIntegerConvs } from '../../src/passes/dequantize-integer.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { encodeOnnx, type OnnxModelSpec, type OnnxNodeSpec } from '../helpers/onnx-encode.ts';
import { uniform } from '../helpers/random.ts';

/** uniform(seed) with integers in [lo, hi]. */
class Rng {
  private readonly u: () => number;
  constructor(seed: number) {
    this.u = uniform(seed);
  }
  next(): number {
    return this.u();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.u() * (hi - lo + 1));
  }
}

const ints = (dataType: number, dims: number[], int32Data: number[]) => ({ dims, dataType, int32Data });
const floats = (dims: number[], floatData: number[]) => ({ dims, dataType: OnnxDataType.FLOAT, floatData });

interface ChainOptions {
  /** Weight codes uint8 (zero point 128-ish) or int8. */
  int8: boolean;
  perChannel: boolean;
  bias: boolean;
  /** Another node reads the Cast's output: the chain must stay. */
  castReadTwice?: boolean;
}

const [CIN, COUT, K, H] = [3, 4, 3, 7];

/** x → DynamicQuantizeLinear → ConvInteger (pads 1, stride 2) → Cast → Mul(s_x · s_W) (→ Add bias) → y. */
function chainModel(rng: Rng, o: ChainOptions): { spec: OnnxModelSpec; w: number[]; zero: number[]; scale: number[]; bias: number[] } {
  const n = COUT * CIN * K * K;
  const w = Array.from({ length: n }, () => (o.int8 ? rng.int(-128, 127) : rng.int(0, 255)));
  const zero = o.perChannel ? Array.from({ length: COUT }, () => (o.int8 ? rng.int(-3, 3) : rng.int(120, 136))) : [o.int8 ? 0 : 128];
  const scale = o.perChannel ? Array.from({ length: COUT }, () => 0.001 + 0.01 * rng.next()) : [0.004];
  const bias = Array.from({ length: COUT }, () => rng.next() - 0.5);
  const dtype = o.int8 ? OnnxDataType.INT8 : OnnxDataType.UINT8;
  const nodes: OnnxNodeSpec[] = [
    { op: 'DynamicQuantizeLinear', inputs: ['x'], outputs: ['xq', 'xs', 'xz'] },
    { op: 'Mul', inputs: ['xs', 'ws'], outputs: ['s'] },
    { op: 'ConvInteger', inputs: ['xq', 'wq', 'xz', 'wz'], outputs: ['acc'], attrs: { pads: [1, 1, 1, 1], strides: [2, 2], kernel_shape: [K, K] } },
    { op: 'Cast', inputs: ['acc'], outputs: ['accf'], attrs: { to: OnnxDataType.FLOAT } },
    { op: 'Mul', inputs: ['accf', 's'], outputs: o.bias ? ['scaled'] : ['y'] },
    ...(o.bias ? [{ op: 'Add', inputs: ['scaled', 'b'], outputs: ['y'] }] : []),
    ...(o.castReadTwice ? [{ op: 'Relu', inputs: ['accf'], outputs: ['side'] }] : []),
  ];
  const spec: OnnxModelSpec = {
    opset: 13,
    inputs: [{ name: 'x', shape: [1, CIN, H, H] }],
    outputs: [{ name: 'y' }, ...(o.castReadTwice ? [{ name: 'side' }] : [])],
    initializers: {
      wq: ints(dtype, [COUT, CIN, K, K], w),
      wz: ints(dtype, o.perChannel ? [COUT] : [], zero),
      ws: floats(o.perChannel ? [1, COUT, 1, 1] : [], scale),
      ...(o.bias ? { b: floats([1, COUT, 1, 1], bias) } : {}),
    },
    nodes,
  };
  return { spec, w, zero, scale, bias };
}

/** The plain float Conv with (w − z) · s weights, written out. */
function expectedConv(x: Tensor, m: ReturnType<typeof chainModel>, withBias: boolean): number[] {
  const out = (H + 2 - K) / 2 + 1;
  const y: number[] = [];
  for (let o = 0; o < COUT; o++) {
    const z = m.zero[m.zero.length === 1 ? 0 : o]!;
    const s = m.scale[m.scale.length === 1 ? 0 : o]!;
    for (let oy = 0; oy < out; oy++) {
      for (let ox = 0; ox < out; ox++) {
        let sum = withBias ? m.bias[o]! : 0;
        for (let c = 0; c < CIN; c++) {
          for (let ky = 0; ky < K; ky++) {
            for (let kx = 0; kx < K; kx++) {
              const iy = oy * 2 - 1 + ky;
              const ix = ox * 2 - 1 + kx;
              if (iy < 0 || ix < 0 || iy >= H || ix >= H) continue;
              sum += x.data[(c * H + iy) * H + ix]! * (m.w[((o * CIN + c) * K + ky) * K + kx]! - z) * s;
            }
          }
        }
        y.push(sum);
      }
    }
  }
  return y;
}

const ops = (g: Graph) => g.nodes.map((n) => n.op);

describe('dequantize-integer', () => {
  const cases: ChainOptions[] = [
    { int8: false, perChannel: false, bias: true },
    { int8: false, perChannel: true, bias: false },
    { int8: true, perChannel: true, bias: true },
    { int8: true, perChannel: false, bias: false },
  ];
  it.each(cases)('uint8/int8 weights, per-tensor/per-channel, with/without bias: %o', (o) => {
    const rng = new Rng(7 + Number(o.int8) * 2 + Number(o.perChannel));
    const m = chainModel(rng, o);
    const bytes = encodeOnnx(m.spec);
    const x = f32([1, CIN, H, H], Array.from({ length: CIN * H * H }, () => 4 * rng.next() - 1));
    const { graph, rewritten } = dequantizeIntegerConvs(importOnnx(bytes));
    expect(rewritten).toBe(1);
    expect(ops(graph)).toEqual(['Conv']);
    expect(graph.nodes[0]!.inputs.length).toBe(o.bias ? 3 : 2);
    const want = expectedConv(x, m, o.bias);
    const got = Array.from(runFloat(graph, { x }).y!.data);
    got.forEach((v, i) => expect(v, `y[${i}]`).toBeCloseTo(want[i]!, 4));
    // The ONNX rewrite writes the same Conv (the bias Add stays there).
    const onnx = importOnnx(dequantizedOnnx(bytes));
    expect(ops(onnx)).toEqual(o.bias ? ['Conv', 'Add'] : ['Conv']);
    Array.from(runFloat(onnx, { x }).y!.data).forEach((v, i) => expect(v, `onnx y[${i}]`).toBeCloseTo(want[i]!, 4));
    // And the dynamic-int8 original is within its activation quantization of it.
    const dynamic = Array.from(runFloat(importOnnx(bytes), { x }).y!.data);
    const range = Math.max(...want.map(Math.abs));
    dynamic.forEach((v, i) => expect(Math.abs(v - want[i]!), `dynamic y[${i}]`).toBeLessThan(0.05 * range));
  });

  it('leaves a chain whose Cast another node reads, and a graph without ConvInteger, as they are', () => {
    const m = chainModel(new Rng(1), { int8: false, perChannel: false, bias: false, castReadTwice: true });
    const g = importOnnx(encodeOnnx(m.spec));
    const r = dequantizeIntegerConvs(g);
    expect(r.rewritten).toBe(0);
    expect(r.graph).toBe(g);
    expect(() => dequantizedOnnx(encodeOnnx(m.spec))).toThrow(/ConvInteger "ConvInteger_2" is not a DynamicQuantizeLinear → ConvInteger → Cast → Mul chain/);
  });
});
