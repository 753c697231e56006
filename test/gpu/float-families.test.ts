// The fp32 kernel families added for the ONNX ops the float reference runs (unary_f32's table,
// binary_f32's broadcasting ops and variadic chains, reduce_f32, softmax_f32's modes, gather_f32):
// without a GPU, every spec's bind-group layout against its WGSL (wgsl_reflect) and its uniforms
// member by member, read at the offsets the reflection gives; on Dawn, a graph of all of them
// against the float CPU reference. Tolerance: max |GPU − CPU| ≤ 1e-3 · max |CPU| per output
// (WGSL's exp, log, pow, tanh are not correctly rounded; test/conformance/gpu-suite.ts says more).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect/wgsl_reflect.module.js';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { AttrsByOp, Graph, OpType } from '../../src/ir/graph.ts';
import { f32, i64, sizeOf } from '../../src/ir/tensor.ts';
import { shaderSource } from '../../src/kernels/shaders.ts';
import { WORKGROUP_SIZE, type KernelSpec } from '../../src/kernels/spec.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planFloatProgram } from '../../src/plan/float-plan.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { expectBindingsMatch } from '../helpers/bind-layout.ts';
import { randomTensor, relativeMaxDiff } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const TOLERANCE = 1e-3;
const NONE = {} as Record<string, never>;
const OUTPUTS = [
  'unary', 'binary', 'variadic', 'reduced', 'argmax', 'logsoftmax', 'hardmax', 'moved', 'tiled', 'd2s', 's2d', 'gathered', 'elements',
  'normed', 'lnmean', 'grouped', 'product', 'split1', 'selected', 'bn', 'loss', 'logprob', 'resized', 'sampled',
];

/** A node with several outputs (GraphBuilder.node names only the first). */
function nodeMulti<Op extends OpType>(b: GraphBuilder, op: Op, inputs: string[], attrs: AttrsByOp[Op], outputs: string[]): string[] {
  b.node(op, inputs, attrs, outputs[0]);
  b.build().nodes.at(-1)!.outputs = outputs;
  return outputs;
}

function familiesGraph(): Graph {
  const b = new GraphBuilder('float-families');
  const x = b.input('x', [2, 4, 2, 3]);
  const y = b.input('y', [2, 4, 2, 3]);
  const z = b.input('z', [1, 4, 1, 3]);
  // unary_f32: a chain through several table entries.
  const erf = b.node('Erf', [x], NONE);
  const gelu = b.node('Gelu', [erf], { approximate: 'tanh' });
  const selu = b.node('Selu', [gelu], { alpha: 1.6, gamma: 1.05 });
  const half = b.node('Cast', [selu], { to: 'float16' });
  const unary = b.node('Softplus', [half], NONE, 'unary');
  // binary_f32: broadcasting Pow, Mod, PRelu, a comparison carried as f32 0/1.
  const pow = b.node('Pow', [b.node('Abs', [x], NONE), b.constant('e', f32([3], [2, 0.5, 3]))], NONE);
  const mod = b.node('Mod', [pow, b.constant('m', f32([], [0.7]))], { fmod: true });
  const prelu = b.node('PRelu', [y, b.constant('slope', randomTensor([4], 3))], NONE);
  const less = b.node('Less', [x, y], NONE);
  const binary = b.node('Add', [b.node('Add', [mod, prelu], NONE), b.node('Cast', [less], { to: 'float32' })], NONE, 'binary');
  // Variadic chains through temporaries.
  const variadic = b.node('Add', [b.node('Max', [x, y, z], NONE), b.node('Mean', [x, y, z], NONE)], NONE, 'variadic');
  // reduce_f32 and softmax_f32's modes.
  const reduced = b.node('ReduceLogSumExp', [x, b.constant('axes', i64([2], [1, 3]))], { keepdims: false, noopWithEmptyAxes: false }, 'reduced');
  const argmax = b.node('ArgMax', [y], { axis: 1, keepdims: true, selectLastIndex: false }, 'argmax');
  const logsoftmax = b.node('LogSoftmax', [x], { axis: 1, coerce2d: false }, 'logsoftmax');
  const hardmax = b.node('Hardmax', [y], { axis: -1, coerce2d: false }, 'hardmax');
  // gather_f32: strided views and tables.
  const sliced = b.node('Slice', [x, b.constant('starts', i64([2], [-1, 1])), b.constant('ends', i64([2], [-100, 3])), b.constant('sax', i64([2], [1, 3])), b.constant('steps', i64([2], [-2, 1]))], NONE);
  const moved = b.node('Expand', [sliced, b.constant('to', i64([5], [3, 1, 1, 1, 1]))], NONE, 'moved');
  const tiled = b.node('Tile', [z, b.constant('reps', i64([4], [2, 1, 3, 1]))], NONE, 'tiled');
  const d2s = b.node('DepthToSpace', [x], { blocksize: 2, mode: 'CRD', layout: 'NCHW' }, 'd2s');
  const s2d = b.node('SpaceToDepth', [b.node('Tile', [x, b.constant('reps2', i64([4], [1, 1, 1, 2]))], NONE)], { blocksize: 2 }, 's2d');
  const gathered = b.node('Gather', [y, b.constant('idx', i64([2, 2], [3, -1, 0, 2]))], { axis: 1 }, 'gathered');
  const elements = b.node('GatherElements', [x, b.constant('eidx', i64([2, 1, 2, 3], [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 3, 3]))], { axis: 1 }, 'elements');
  // norm_f32 (LayerNormalization with its Mean output, GroupNormalization), matmul_f32 (two
  // activations, a broadcast batch), Split's views, Where and BatchNormalization as chains.
  const [normed, lnmean] = nodeMulti(b, 'LayerNormalization', [x, b.constant('lns', randomTensor([2, 3], 4)), b.constant('lnb', randomTensor([2, 3], 5))], { axis: 2, epsilon: 1e-5 }, ['normed', 'lnmean', '']);
  const grouped = b.node('GroupNormalization', [y, b.constant('gs', randomTensor([4], 6)), b.constant('gb', randomTensor([4], 7))], { epsilon: 1e-5, numGroups: 2, affinePer: 'channel' }, 'grouped');
  const product = b.node('MatMul', [x, b.node('Transpose', [z], { perm: [0, 1, 3, 2] })], NONE, 'product');
  const [, split1] = nodeMulti(b, 'Split', [y, b.constant('lens', i64([2], [1, 3]))], { axis: 1, parts: 2 }, ['split0', 'split1']);
  const selected = b.node('Where', [b.node('Greater', [x, y], NONE), x, z], NONE, 'selected');
  const bn = b.node('BatchNormalization', [y, ...['bs', 'bb', 'bm'].map((n, i) => b.constant(n, randomTensor([4], 40 + i))), b.constant('bv', randomTensor([4], 44, 0.5, 2))], { epsilon: 1e-5 }, 'bn');
  // loss_f32 after softmax_f32 (constant targets, one ignored), resample_f32 (linear, two axes).
  const [loss, logprob] = nodeMulti(b, 'SoftmaxCrossEntropyLoss', [x, b.constant('target', i64([2, 2, 3], [0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 2, 2])), b.constant('w', randomTensor([4], 8, 0.5, 1.5))], { reduction: 'mean', ignoreIndex: 3 }, ['loss', 'logprob']);
  const resized = b.node('Resize', [y, '', b.constant('scales', f32([4], [1, 1, 2, 1.5]))], { mode: 'linear', coordinates: 'half_pixel', nearest: 'round_prefer_floor', cubicA: -0.75, excludeOutside: false, extrapolation: 0, axes: null, keepAspect: 'stretch' }, 'resized');
  // taps_f32: GridSample of a constant grid, bilinear with reflection padding.
  const sampled = b.node('GridSample', [x, b.constant('grid', randomTensor([2, 3, 2, 2], 9, -1.2, 1.2))], { mode: 'bilinear', padding: 'reflection', alignCorners: false }, 'sampled');
  const built = [unary, binary, variadic, reduced, argmax, logsoftmax, hardmax, moved, tiled, d2s, s2d, gathered, elements, normed, lnmean, grouped, product, split1, selected, bn, loss, logprob, resized, sampled];
  expect(built).toEqual(OUTPUTS);
  for (const o of OUTPUTS) b.output(o);
  return b.build();
}

/** The uniform struct's members as the WGSL lays them out, and the spec's words read at their offsets. */
function uniformMembers(spec: KernelSpec): Map<string, number[]> {
  const reflect = new WgslReflect(shaderSource(spec.shader, 'native'));
  const uniform = reflect.getBindGroups()[0]!.find((v) => v?.binding === 0)!;
  const words = new Uint32Array(spec.uniforms);
  const members = (uniform.type as unknown as { members: { name: string; offset: number; size: number }[] }).members;
  return new Map(members.map((m) => [m.name, Array.from(words.subarray(m.offset / 4, (m.offset + m.size) / 4))]));
}


/** Innermost-first, padded to 8, as the kernels write shapes. */
const dims8 = (shape: readonly number[], fill: number) => [...[...shape].reverse(), ...new Array(8 - shape.length).fill(fill)];

describe('the fp32 kernel families (no GPU)', () => {
  const graph = optimize(familiesGraph(), { layout: 'NHWC' });
  const plan = planFloatProgram(graph);
  const byLabel = new Map(plan.specs.map((s) => [s.label, s]));
  const written = (s: KernelSpec) => s.storage.find((b) => 'write' in b && b.write) as { tensor: string };

  it('plans every new family, each spec agreeing with its WGSL binding by binding', () => {
    const families = new Set(plan.specs.map((s) => s.shader));
    for (const f of ['unary_f32', 'binary_f32', 'reduce_f32', 'softmax_f32', 'gather_f32', 'norm_f32', 'matmul_f32', 'loss_f32', 'resample_f32', 'taps_f32'] as const) expect(families.has(f), f).toBe(true);
    for (const spec of plan.specs) expectBindingsMatch(spec);
  });

  it('writes each uniform member where the WGSL reads it', () => {
    for (const spec of plan.specs) {
      const m = uniformMembers(spec);
      const out = written(spec).tensor;
      const shape = plan.shapes.get(out); // undefined for a chain's temporaries
      if (m.has('total') && shape) expect(m.get('total'), `${spec.label} total`).toEqual([sizeOf(shape)]);
      if (m.has('dispatch_width')) expect(m.get('dispatch_width'), `${spec.label} dispatch_width`).toEqual([spec.workgroups[0] * WORKGROUP_SIZE]);
    }
    // reduce_f32: ReduceLogSumExp of [2, 4, 2, 3] over axes 1 and 3.
    const r = uniformMembers(byLabel.get(graph.nodes.find((n) => n.op === 'ReduceLogSumExp')!.name)!);
    expect(r.get('rank')).toEqual([4]);
    expect(r.get('red_rank')).toEqual([2]);
    expect(r.get('count')).toEqual([12]);
    expect(r.get('out_shape')).toEqual(dims8([2, 1, 2, 1], 1));
    expect(r.get('out_strides')).toEqual(dims8([24, 0, 3, 0], 0));
    expect(r.get('red_shape')).toEqual(dims8([4, 3], 1));
    expect(r.get('red_strides')).toEqual(dims8([6, 1], 0));
    // gather_f32: the Slice's view starts at x[:, 3, :, 1] and walks channels back by 2.
    const sliceNode = graph.nodes.find((n) => n.op === 'Slice')!;
    const g = uniformMembers(byLabel.get(sliceNode.name)!);
    expect(g.get('offset')).toEqual([3 * 6 + 1]);
    expect(g.get('out_shape')).toEqual(dims8([2, 2, 2, 2], 1));
    expect(g.get('strides')!.map((v) => v | 0)).toEqual(dims8([24, -12, 3, 1], 0));
    // norm_f32: LayerNormalization over the last two dims of [2, 4, 2, 3]: 8 runs of 6.
    const ln = uniformMembers(byLabel.get(graph.nodes.find((n) => n.op === 'LayerNormalization')!.name)!);
    expect([ln.get('groups'), ln.get('len'), ln.get('div'), ln.get('modulus')]).toEqual([[8], [6], [1], [6]]);
    // matmul_f32: [2, 4, 2, 3] · [1, 4, 3, 1]: batch [2, 4] with B's first dim broadcast.
    const mm = uniformMembers(byLabel.get(graph.nodes.find((n) => n.op === 'MatMul')!.name)!);
    expect([mm.get('m'), mm.get('n'), mm.get('k'), mm.get('batch_rank')]).toEqual([[2], [1], [3], [2]]);
    expect(mm.get('batch_shape')).toEqual([4, 2, 1, 1]);
    expect(mm.get('a_batch')).toEqual([6, 24, 0, 0]);
    expect(mm.get('b_batch')).toEqual([3, 0, 0, 0]);
    // loss_f32: 12 targets of 4 classes, 6 positions per image, the mean mode.
    const loss = uniformMembers(byLabel.get(graph.nodes.find((n) => n.op === 'SoftmaxCrossEntropyLoss')!.name)!);
    expect([loss.get('count'), loss.get('classes'), loss.get('inner')]).toEqual([[12], [4], [6]]);
    // resample_f32: H 2 → 4 then W 3 → 4 (1.5 ×), linear: two taps each.
    const resizeNode = graph.nodes.find((n) => n.op === 'Resize')!;
    const [h, w] = [0, 1].map((i) => uniformMembers(byLabel.get(`${resizeNode.name}#${i}`)!));
    expect([h!.get('len'), h!.get('out_len'), h!.get('inner'), h!.get('taps')]).toEqual([[2], [4], [3], [2]]);
    expect([w!.get('len'), w!.get('out_len'), w!.get('inner'), w!.get('taps')]).toEqual([[3], [4], [1], [2]]);
    // taps_f32: [2, 4, 2, 3] sampled at a [2, 3, 2] grid, bilinear: at most 4 taps.
    const gs = uniformMembers(byLabel.get('sampled')!);
    expect([gs.get('channels'), gs.get('plane'), gs.get('out_plane')]).toEqual([[4], [6], [6]]);
    expect(gs.get('taps')![0]).toBeLessThanOrEqual(4);
    // binary_f32: the Mean's last step scales by 1/3 (f32 bits in `scale`).
    const mean = graph.nodes.find((n) => n.op === 'Mean')!;
    const last = plan.specs.filter((s) => s.label.startsWith(`${mean.name}#`)).at(-1)!;
    expect(new Float32Array(new Uint32Array(uniformMembers(last).get('scale')!).buffer)[0]).toBeCloseTo(1 / 3, 6);
  });
});

describe.skipIf(skip)('the fp32 kernel families on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it(`match the float CPU reference within ${TOLERANCE}`, async () => {
    const graph = optimize(familiesGraph(), { layout: 'NHWC' });
    const session = await Session.fromPlan(graph, planFloatProgram(graph), { gpu });
    for (let seed = 0; seed < 2; seed++) {
      const feeds = { x: randomTensor([2, 4, 2, 3], 10 + seed, -2, 2), y: randomTensor([2, 4, 2, 3], 20 + seed, -2, 2), z: randomTensor([1, 4, 1, 3], 30 + seed, -2, 2) };
      const got = await session.run(feeds);
      const want = runFloat(graph, feeds);
      for (const name of OUTPUTS) {
        expect(got[name]!.shape, name).toEqual(want[name]!.shape);
        expect(relativeMaxDiff(got[name]!, want[name]!), `${name}, seed ${seed}`).toBeLessThanOrEqual(TOLERANCE);
      }
    }
    session.destroy();
  });
});
