// planFloatProgram (src/plan/float-plan.ts): every fp32 kernel family's bind-group layout and
// uniform size against its WGSL (wgsl_reflect, no GPU); aliases and memory reuse; clear errors
// for what the GPU float path does not run; and a graph using every float op, optimized to NHWC
// as the int8 path is, run through Session.fromPlan on Dawn against the float CPU reference.
// Tolerance: max |GPU − CPU| ≤ 1e-4 · max |CPU| for every output.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { convAttrs, GraphBuilder, poolAttrs } from '../../src/ir/builder.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { f32, i64, tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planFloatProgram } from '../../src/plan/float-plan.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { expectBindingsMatch } from '../helpers/bind-layout.ts';
import { randomTensor, relativeMaxDiff } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const TOLERANCE = 1e-4;
const NONE = {} as Record<string, never>;

/**
 * An NCHW graph with every op the GPU float path runs: convolutions (regular with a fused Relu,
 * depthwise, grouped, dilated, SAME_UPPER), a residual Add, per-channel Mul / Sub / Div by
 * constants, the activations, pools, a channel Concat, Gemm (transB 0, alpha, beta) and Softmax;
 * and a side branch of Reshape → Pad → Transpose → MatMul → Unsqueeze → Squeeze → Flatten → Sigmoid.
 */
function everyFloatOpGraph(): Graph {
  const b = new GraphBuilder('every-float-op');
  const x = b.input('x', ['batch', 3, 10, 10]);
  const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([8, 3, 3, 3], 1, -0.5, 0.5)), b.constant('b1', randomTensor([8], 2))], convAttrs({ pads: [1, 1, 1, 1] }));
  const r1 = b.node('Relu', [c1], NONE);
  const dw = b.node('Conv', [r1, b.constant('w2', randomTensor([8, 1, 3, 3], 3))], convAttrs({ group: 8, autoPad: 'SAME_UPPER' }));
  const sum = b.node('Add', [r1, dw], NONE);
  const scaled = b.node('Mul', [sum, b.constant('scale', randomTensor([8, 1, 1], 4, 0.5, 1.5))], NONE);
  const shifted = b.node('Sub', [scaled, b.constant('shift', randomTensor([8, 1, 1], 5))], NONE);
  const divided = b.node('Div', [shifted, b.constant('two', f32([], [2]))], NONE);
  const hs = b.node('HardSwish', [divided], NONE);
  const g2 = b.node('Conv', [hs, b.constant('w3', randomTensor([6, 4, 3, 3], 6, -0.3, 0.3))], convAttrs({ group: 2, dilations: [2, 2], pads: [2, 2, 2, 2] }));
  const lr = b.node('LeakyRelu', [g2], { alpha: 0.1 });
  const cat = b.node('Concat', [lr, hs], { axis: 1 });
  const mp = b.node('MaxPool', [cat], poolAttrs([3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }));
  const ap = b.node('AveragePool', [mp], { ...poolAttrs([2, 2], { pads: [1, 1, 0, 0], ceilMode: true }), countIncludePad: true });
  const clipped = b.node('Clip', [ap, b.constant('lo', f32([], [-0.5])), b.constant('hi', f32([], [0.75]))], NONE);
  const hsig = b.node('HardSigmoid', [clipped], { alpha: 0.3, beta: 0.4 });
  const gmp = b.node('GlobalMaxPool', [hsig], NONE as never);
  const gap = b.node('GlobalAveragePool', [hsig], NONE as never);
  const pooled = b.node('Add', [gmp, gap], NONE);
  const flat = b.node('Flatten', [pooled], { axis: 1 });
  const fc = b.node('Gemm', [flat, b.constant('fc', randomTensor([14, 5], 7)), b.constant('fcb', randomTensor([5], 8))], { transA: false, transB: false, alpha: 0.5, beta: 2, clamp: null });
  const probs = b.node('Softmax', [fc], { axis: -1, coerce2d: false }, 'probs');
  // The side branch, on the NHWC-converted tensor `hs` read back as NCHW.
  const rs = b.node('Reshape', [hs, b.constant('shape', i64([3], [-1, 8, 100]))], { allowZero: false });
  const padded = b.node('Pad', [rs, b.constant('pads', i64([6], [0, 1, 0, 0, 0, 0])), b.constant('fill', f32([], [0.25]))], { mode: 'constant' });
  const tr = b.node('Transpose', [padded], { perm: [0, 2, 1] });
  const mm = b.node('MatMul', [tr, b.constant('proj', randomTensor([9, 4], 9))], NONE);
  const un = b.node('Unsqueeze', [mm, b.constant('axes', i64([1], [1]))], NONE);
  const sq = b.node('Squeeze', [un, b.constant('axes1', i64([1], [1]))], NONE);
  const fl = b.node('Flatten', [sq], { axis: 1 });
  const sig = b.node('Sigmoid', [fl], NONE, 'side');
  return b.output(probs, ['batch', 5]).output(sig, ['batch', 400]).build();
}


describe('planFloatProgram (no GPU)', () => {
  const graph = optimize(everyFloatOpGraph(), { layout: 'NHWC' });

  it('plans every fp32 kernel family, with bind-group layouts and uniform sizes that agree with the WGSL', () => {
    const plan = planFloatProgram(graph);
    const families = [...new Set(plan.specs.map((s) => s.shader))].sort();
    expect(families).toEqual(['binary_f32', 'concat_f32', 'conv2d_f32', 'pad_f32', 'pool_f32', 'softmax_f32', 'transpose_f32', 'unary_f32']);
    for (const spec of plan.specs) expectBindingsMatch(spec);
    expect(plan.constantBytes).toBeGreaterThan(0);
  });

  it('aliases the reshapes (no dispatch, the same slot) and reuses slots', () => {
    const plan = planFloatProgram(graph, 2);
    const aliased = graph.nodes.filter((n) => ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze'].includes(n.op));
    expect(aliased.length).toBeGreaterThanOrEqual(4);
    const labels = new Set(plan.specs.map((s) => s.label));
    for (const n of aliased) {
      expect(labels.has(n.name), n.name).toBe(false);
      expect(plan.memory.slotOf.get(n.outputs[0]!), n.name).toBe(plan.memory.slotOf.get(n.inputs[0]!));
    }
    expect(plan.shapes.get('x')).toEqual([2, 3, 10, 10]);
    expect(plan.shapes.get('side')).toEqual([2, 400]);
    expect(plan.memory.arenaBytes).toBeLessThan(plan.memory.activationBytes);
  });

  it('names the op and the node it cannot run', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 4, 4]);
    const lrn = b.node('LRN', [x], { size: 3, alpha: 1e-4, beta: 0.75, bias: 1 }, 'lrn0');
    expect(() => planFloatProgram(b.output(lrn).build())).toThrow('LRN node "lrn0": no GPU float kernel for this op');

    const p = new GraphBuilder();
    const px = p.node('Pad', [p.input('x', [1, 3]), p.constant('pads', i64([4], [0, 1, 0, 1])), p.input('v', [])], { mode: 'constant' }, 'pad7');
    expect(() => planFloatProgram(p.output(px).build())).toThrow('Pad node "pad7": its constant_value input "v" is not a constant (fix the graph input it comes from)');

    const c = new GraphBuilder();
    const cx = c.node('Conv', [c.input('x', [1, 3, 4, 4]), c.constant('w', randomTensor([2, 3, 1, 1], 2))], convAttrs(), 'nchw_conv');
    expect(() => planFloatProgram(c.output(cx).build())).toThrow(/Conv node "nchw_conv": .*NHWC/);

    const d = new GraphBuilder();
    const dx = d.node('Relu', [d.input('x', ['batch', 'len'])], NONE);
    expect(() => planFloatProgram(d.output(dx).build())).toThrow('symbolic dimension "len"');

    const m = new GraphBuilder();
    const mx = m.node('MatMul', [m.input('a', [2, 3, 2, 2, 2, 6, 7]), m.input('b', [7, 2])], NONE, 'mm');
    expect(() => planFloatProgram(m.output(mx).build())).toThrow('MatMul node "mm": 5 batch dims (at most 4)');
  });
});

describe.skipIf(skip)('planFloatProgram on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it(`a graph with every float op matches the float CPU reference within ${TOLERANCE}, batch 1 and 3`, async () => {
    const graph = optimize(everyFloatOpGraph(), { layout: 'NHWC' });
    for (const batch of [1, 3]) {
      const session = await Session.fromPlan(graph, planFloatProgram(graph, batch), { gpu, batch });
      for (let seed = 0; seed < 3; seed++) {
        const feeds = { x: randomTensor([batch, 3, 10, 10], 100 + seed, -2, 2) };
        const got = await session.run(feeds);
        const want = runFloat(graph, feeds);
        for (const name of ['probs', 'side']) {
          expect(got[name]!.shape, name).toEqual(want[name]!.shape);
          expect(relativeMaxDiff(got[name]!, want[name]!), `${name}, batch ${batch}, seed ${seed}`).toBeLessThanOrEqual(TOLERANCE);
        }
      }
      if (batch === 1) console.log(`every-float-op graph: ${graph.nodes.length} nodes, session ${JSON.stringify(session.info)}`);
      session.destroy();
    }
  });

  it('casts to bool as bools are carried (1 for every value but 0), also through CastLike', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 5]);
    const cast = b.node('Cast', [x], { to: 'bool' }, 'to_bool');
    const like = b.node('Cast', [x, b.constant('flag', tensor('bool', [1], [1]))], { to: null }, 'like_bool');
    const graph = b.output(cast).output(like).build();
    const session = await Session.fromPlan(graph, planFloatProgram(graph), { gpu });
    const feeds = { x: f32([2, 5], [0, -0, 1, -2.5, 1e-30, 3, 0, 0.5, -1, 7]) };
    const got = await session.run(feeds);
    const want = runFloat(graph, feeds);
    for (const name of [cast, like]) expect(Array.from(got[name]!.data), name).toEqual(Array.from(want[name]!.data));
    expect(Array.from(got[cast]!.data)).toEqual([0, 0, 1, 1, 1, 1, 0, 1, 1, 1]);
    session.destroy();
  });
});
