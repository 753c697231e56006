import { describe, expect, it } from 'vitest';
import { convAttrs, GraphBuilder, poolAttrs } from '../../src/ir/builder.ts';
import type { Graph } from '../../src/ir/graph.ts';
import type { ConvTransposeAttrs } from '../../src/ir/ops/spatial.ts';
import { f32, i64, type Tensor } from '../../src/ir/tensor.ts';
import { eliminateDeadCode } from '../../src/passes/eliminate-dead-code.ts';
import { foldBatchNorm } from '../../src/passes/fold-batchnorm.ts';
import { foldConstants } from '../../src/passes/fold-constants.ts';
import { fuseActivations } from '../../src/passes/fuse-activations.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { removeIdentities } from '../../src/passes/remove-identities.ts';
import { assignNhwcLayout } from '../../src/passes/to-nhwc.ts';
import { fixInputShapes } from '../../src/passes/fix-inputs.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { randomTensor, relativeMaxDiff } from '../helpers/random.ts';

const ops = (g: Graph) => g.nodes.map((n) => n.op);
const NONE = {} as Record<string, never>;

/** Adds BatchNormalization with random statistics (positive variance) and returns its output. */
function addBatchNorm(b: GraphBuilder, x: string, channels: number, seed: number): string {
  const stat = (name: string, lo: number, hi: number) => b.constant(`${x}/${name}`, randomTensor([channels], seed++, lo, hi));
  return b.node('BatchNormalization', [x, stat('gamma', 0.5, 1.5), stat('beta', -0.5, 0.5), stat('mean', -0.3, 0.3), stat('var', 0.1, 2)], { epsilon: 1e-5 });
}

const relu6 = (b: GraphBuilder, x: string) =>
  b.node('Clip', [x, b.constant(`${x}/min`, f32([], [0])), b.constant(`${x}/max`, f32([], [6]))], NONE);

/** The pass must not change what the graph computes: max abs diff ≤ 1e-4 relative to the output's range. */
function expectSameOutputs(before: Graph, after: Graph, feeds: Record<string, Tensor>): void {
  const a = runFloat(before, feeds);
  const b = runFloat(after, feeds);
  for (const [name, t] of Object.entries(a)) expect(relativeMaxDiff(b[name]!, t), name).toBeLessThanOrEqual(1e-4);
}

function convBnRelu6Net(withBias: boolean): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', ['N', 3, 9, 9]);
  const w1 = b.constant('w1', randomTensor([8, 3, 3, 3], 1));
  const c1 = b.node('Conv', withBias ? [x, w1, b.constant('b1', randomTensor([8], 2))] : [x, w1], convAttrs({ pads: [1, 1, 1, 1], strides: [2, 2] }));
  const a1 = relu6(b, addBatchNorm(b, c1, 8, 10));
  const wd = b.constant('wd', randomTensor([8, 1, 3, 3], 3));
  const dw = b.node('Relu', [addBatchNorm(b, b.node('Conv', [a1, wd], convAttrs({ group: 8, pads: [1, 1, 1, 1] })), 8, 20)], NONE);
  const pooled = b.node('GlobalAveragePool', [dw], { layout: 'NCHW' });
  const flat = b.node('Flatten', [pooled], { axis: 1 });
  const fc = b.node('Gemm', [flat, b.constant('fc', randomTensor([4, 8], 4)), b.constant('fcb', randomTensor([4], 5))], { transA: false, transB: true, alpha: 1, beta: 1, clamp: null });
  return b.output(fc).build();
}

describe('BatchNormalization folding and activation fusion', () => {
  for (const withBias of [false, true]) {
    it(`turns each conv+bn+activation chain into one Conv (conv bias: ${withBias})`, () => {
      const g = convBnRelu6Net(withBias);
      const fused = optimize(g);
      expect(ops(fused)).toEqual(['Conv', 'Conv', 'GlobalAveragePool', 'Flatten', 'Gemm']);
      const convs = fused.nodes.filter((n) => n.op === 'Conv');
      expect(convs.map((n) => n.op === 'Conv' && n.attrs.clamp)).toEqual([{ min: 0, max: 6 }, { min: 0, max: Infinity }]);
      expectSameOutputs(g, fused, { x: randomTensor([2, 3, 9, 9], 7, 0, 1) });
    });
  }

  for (const transB of [false, true]) {
    it(`folds BatchNormalization into Gemm with alpha, beta and bias (transB: ${transB})`, () => {
      const b = new GraphBuilder();
      const x = b.input('x', [3, 5]);
      const w = b.constant('w', randomTensor(transB ? [6, 5] : [5, 6], 1));
      const gemm = b.node('Gemm', [x, w, b.constant('c', randomTensor([6], 2))], { transA: false, transB, alpha: 0.7, beta: 1.3, clamp: null });
      const g = b.output(b.node('Relu', [addBatchNorm(b, gemm, 6, 30)], NONE)).build();
      const fused = optimize(g);
      expect(ops(fused)).toEqual(['Gemm']);
      expectSameOutputs(g, fused, { x: randomTensor([3, 5], 3) });
    });
  }

  it('folds a per-channel affine written as Mul / Add / Sub / Div by constants into the Conv before it', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 6, 6]);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([4, 3, 3, 3], 1)), b.constant('cb', randomTensor([4], 2))], convAttrs({ pads: [1, 1, 1, 1] }));
    const scaled = b.node('Mul', [b.constant('a', randomTensor([4, 1, 1], 3, 0.5, 2)), c], NONE);
    const shifted = b.node('Add', [scaled, b.constant('s', f32([1], [0.3]))], NONE);
    const flipped = b.node('Sub', [b.constant('t', randomTensor([1, 4, 1, 1], 4)), shifted], NONE);
    const halved = b.node('Div', [flipped, b.constant('two', f32([], [2]))], NONE);
    const g = b.output(b.node('Relu', [halved], NONE)).build();
    const fused = optimize(g);
    expect(ops(fused)).toEqual(['Conv']);
    expectSameOutputs(g, fused, { x: randomTensor([1, 3, 6, 6], 5) });
  });

  it('leaves what is no per-channel affine: Div(c, x), a spatial constant, a Gemm input-side constant', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 6, 6]);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([4, 3, 1, 1], 1))], convAttrs());
    const inverse = b.node('Div', [b.constant('one', f32([], [1])), c], NONE);
    const c2 = b.node('Conv', [x, b.constant('w2', randomTensor([4, 3, 1, 1], 2))], convAttrs());
    const spatial = b.node('Mul', [c2, b.constant('map', randomTensor([1, 1, 6, 6], 3))], NONE);
    const g = b.output(inverse).output(spatial).build();
    expect(ops(optimize(g))).toEqual(['Conv', 'Div', 'Conv', 'Mul']);
  });

  it('leaves a Conv whose output has a second reader unfused', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 5, 5]);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([2, 2, 1, 1], 1))], convAttrs());
    const r = b.node('Relu', [c], NONE);
    const g = b.output(b.node('Add', [r, c], NONE)).build();
    expect(ops(fuseActivations(g))).toEqual(['Conv', 'Relu', 'Add']);
    expect(ops(foldBatchNorm(g))).toEqual(['Conv', 'Relu', 'Add']);
  });

  it('keeps a Conv output that the graph returns, and does not fuse past it', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 5, 5]);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([2, 2, 1, 1], 1))], convAttrs());
    const g = b.output(b.node('Relu', [c], NONE)).output(c).build();
    expect(ops(fuseActivations(g))).toEqual(['Conv', 'Relu']);
  });

  it('does not fuse a Clip whose bounds are computed at run time', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 5, 5]);
    const hi = b.input('hi', []);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([2, 2, 1, 1], 1))], convAttrs());
    const g = b.output(b.node('Clip', [c, '', hi], NONE)).build();
    expect(ops(fuseActivations(g))).toEqual(['Conv', 'Clip']);
  });
});

describe('Max / Min with a one-element constant as Clip', () => {
  it('fuses Conv → Max(x, 0) like Conv → Relu, Min(c, x) as an upper bound, with the same outputs', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 5, 5]);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([3, 2, 1, 1], 1))], convAttrs());
    const relu = b.node('Max', [c, b.constant('zero', f32([1, 1, 1, 1], [0]))], NONE);
    const capped = b.node('Min', [b.constant('six', f32([], [0.25])), b.node('Sigmoid', [relu], NONE)], NONE);
    const g = b.output(capped).build();
    const fused = optimize(g);
    expect(ops(fused)).toEqual(['Conv', 'Sigmoid', 'Clip']);
    const conv = fused.nodes[0]!;
    expect(conv.op === 'Conv' && conv.attrs.clamp).toEqual({ min: 0, max: Infinity });
    expect(fused.nodes[2]!.inputs.slice(1)).toEqual(['', 'six']);
    expectSameOutputs(g, fused, { x: randomTensor([1, 2, 5, 5], 2) });
  });

  it('leaves Max of two activations, of a many-element constant, or one that would raise a rank-0 input', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3]);
    const s = b.input('s', []);
    const two = b.node('Max', [x, b.node('Neg', [x], NONE)], NONE);
    const wide = b.node('Max', [two, b.constant('row', f32([3], [0, 1, 2]))], NONE);
    const raised = b.node('Min', [s, b.constant('one', f32([1], [1]))], NONE);
    const g = b.output(wide).output(raised).build();
    expect(ops(optimize(g))).toEqual(['Neg', 'Max', 'Max', 'Min']);
  });
});

describe('constant folding, identity removal, dead code', () => {
  it('folds a Shape → Gather → Unsqueeze → Concat chain into the Reshape target', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [2, 3, 4]);
    const shape = b.node('Shape', [x], { start: 0, end: null });
    const first = b.node('Gather', [shape, b.constant('zero', i64([], [0]))], { axis: 0 });
    const dims = b.node('Concat', [b.node('Unsqueeze', [first, b.constant('ax', i64([1], [0]))], NONE), b.constant('rest', i64([1], [-1]))], { axis: 0 });
    const g = b.output(b.node('Reshape', [x, dims], { allowZero: false })).build();
    const folded = eliminateDeadCode(foldConstants(g));
    expect(ops(folded)).toEqual(['Reshape']);
    expect(Array.from(folded.initializers.get(dims)!.data)).toEqual([2, -1]);
    expectSameOutputs(g, folded, { x: randomTensor([2, 3, 4], 1) });
  });

  it('does not fold Shape of a tensor with a symbolic dimension', () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 3]);
    const g = b.output(b.node('Shape', [x], { start: 0, end: null })).build();
    expect(ops(foldConstants(g))).toEqual(['Shape']);
  });

  it('removes Identity and Dropout, keeping graph output names', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [4]);
    const r = b.node('Relu', [b.node('Identity', [x], NONE)], NONE);
    const g = b.output(b.node('Dropout', [r], NONE, 'final')).build();
    const cleaned = removeIdentities(g);
    expect(ops(cleaned)).toEqual(['Relu']);
    expect(cleaned.nodes[0]!.inputs).toEqual(['x']);
    expect(cleaned.nodes[0]!.outputs).toEqual(['final']);
    expectSameOutputs(g, cleaned, { x: f32([4], [-1, 2, -3, 4]) });
  });

  it('keeps an Identity that copies a graph input to a graph output', () => {
    const b = new GraphBuilder();
    const g = b.output(b.node('Identity', [b.input('x', [2])], NONE)).build();
    expect(ops(removeIdentities(g))).toEqual(['Identity']);
  });
});

describe('NHWC layout assignment', () => {
  function residualNet(): Graph {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 4, 8, 8]);
    const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([6, 4, 3, 3], 1)), b.constant('b1', randomTensor([6], 2))], convAttrs({ pads: [1, 1, 1, 1], clamp: { min: 0, max: 6 } }));
    const c2 = b.node('Conv', [c1, b.constant('w2', randomTensor([6, 3, 3, 3], 3))], convAttrs({ pads: [2, 2, 2, 2], dilations: [2, 2], group: 2 }));
    const sum = b.node('Relu', [b.node('Add', [c1, c2], NONE)], NONE);
    const scaled = b.node('Mul', [sum, b.constant('per_channel', randomTensor([6, 1, 1], 4))], NONE);
    const cat = b.node('Concat', [scaled, c1], { axis: 1 });
    const pooled = b.node('MaxPool', [cat], poolAttrs([2, 2], { strides: [2, 2] }));
    const avg = b.node('AveragePool', [pooled], { ...poolAttrs([3, 3], { pads: [1, 1, 1, 1] }), countIncludePad: false });
    const gap = b.node('GlobalAveragePool', [avg], { layout: 'NCHW' });
    const flat = b.node('Flatten', [gap], { axis: 1 });
    const fc = b.node('Gemm', [flat, b.constant('fc', randomTensor([3, 12], 5))], { transA: false, transB: true, alpha: 1, beta: 1, clamp: null });
    return b.output(fc).output(avg).build();
  }

  it('keeps data NHWC from the input transpose to the classifier, with equal results', () => {
    const g = residualNet();
    const nhwc = assignNhwcLayout(g);
    // One transpose in (the NCHW graph input), one out (the NCHW pooled output the graph returns).
    expect(ops(nhwc).filter((op) => op === 'Transpose')).toHaveLength(2);
    for (const n of nhwc.nodes) if ('layout' in n.attrs) expect(n.attrs.layout, n.name).toBe('NHWC');
    expect(nhwc.nodes.find((n) => n.op === 'Concat')!.attrs).toEqual({ axis: 3 });
    expectSameOutputs(g, nhwc, { x: randomTensor([1, 4, 8, 8], 9) });
  });

  it('keeps a Resize NHWC between convs, its axes renamed, with equal results (scales, and sizes for listed axes)', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 5, 6]);
    const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([4, 3, 3, 3], 1))], convAttrs({ pads: [1, 1, 1, 1] }));
    const nearest = { mode: 'nearest', coordinates: 'asymmetric', nearest: 'floor', cubicA: -0.75, excludeOutside: false, extrapolation: 0, keepAspect: 'stretch' } as const;
    const up = b.node('Resize', [c1, '', b.constant('scales', f32([4], [1, 1, 2, 1.5])), ''], { ...nearest, axes: null });
    const linear = b.node('Resize', [up, '', '', b.constant('sizes', i64([2], [7, 11]))], { ...nearest, mode: 'linear', coordinates: 'half_pixel', axes: [2, 3] });
    const g = b.output(b.node('Conv', [linear, b.constant('w2', randomTensor([2, 4, 1, 1], 2))], convAttrs())).build();
    const nhwc = assignNhwcLayout(g);
    expect(ops(nhwc)).toEqual(['Transpose', 'Conv', 'Resize', 'Resize', 'Conv', 'Transpose']);
    expect(nhwc.nodes.filter((n) => n.op === 'Resize').map((n) => n.op === 'Resize' && n.attrs.axes)).toEqual([[0, 3, 1, 2], [1, 2]]);
    expectSameOutputs(g, nhwc, { x: randomTensor([1, 3, 5, 6], 3) });
  });

  it('is what optimize() applies for the int8 path', () => {
    const g = convBnRelu6Net(true);
    const nhwc = optimize(g, { layout: 'NHWC' });
    expect(ops(nhwc)).toEqual(['Transpose', 'Conv', 'Conv', 'GlobalAveragePool', 'Flatten', 'Gemm']);
    expectSameOutputs(g, nhwc, { x: randomTensor([2, 3, 9, 9], 7, 0, 1) });
  });
});

describe('ConvTranspose as a Conv over zero-inserted input', () => {
  const cases = [
    { name: 'stride 2, k 2 (a DB head)', cin: 4, cout: 3, k: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], outputPadding: [0, 0], dilations: [1, 1], group: 1 },
    { name: 'stride 2, k 3, pads 1, output padding 1', cin: 3, cout: 5, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [1, 1], dilations: [1, 1], group: 1 },
    { name: 'strides 3 × 1, k 4 × 3, uneven pads', cin: 2, cout: 2, k: [4, 3], strides: [3, 1], pads: [1, 0, 0, 1], outputPadding: [0, 0], dilations: [1, 1], group: 1 },
    { name: 'groups and dilation', cin: 4, cout: 6, k: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], outputPadding: [0, 0], dilations: [2, 2], group: 2 },
    { name: 'stride 1 (no zeros)', cin: 3, cout: 2, k: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], outputPadding: [0, 0], dilations: [1, 1], group: 1 },
  ];
  for (const c of cases) {
    it(`${c.name}: the same outputs, then BN and Relu folded into the Conv`, () => {
      const b = new GraphBuilder();
      const x = b.input('x', ['N', c.cin, 5, 6]);
      const w = b.constant('w', randomTensor([c.cin, c.cout / c.group, ...c.k], 1));
      const attrs: ConvTransposeAttrs = { strides: c.strides, pads: c.pads, autoPad: 'NOTSET', dilations: c.dilations, group: c.group, outputPadding: c.outputPadding, outputShape: null };
      const up = b.node('ConvTranspose', [x, w, b.constant('b', randomTensor([c.cout], 2))], attrs);
      const g = b.output(b.node('Relu', [addBatchNorm(b, up, c.cout, 3)], NONE)).build();
      const fused = optimize(g);
      expect(ops(fused).filter((op) => op !== 'Reshape' && op !== 'Pad' && op !== 'Transpose')).toEqual(['Conv']);
      expectSameOutputs(g, fused, { x: randomTensor([2, c.cin, 5, 6], 4) });
    });
  }

  it('inserts the zeros channels-last: on the NHWC graph, one Pad between the convs and no Transpose', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 5, 6]);
    const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([4, 3, 3, 3], 1))], convAttrs({ pads: [1, 1, 1, 1] }));
    const attrs: ConvTransposeAttrs = { strides: [2, 2], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], group: 1, outputPadding: [0, 0], outputShape: null };
    const up = b.node('ConvTranspose', [c1, b.constant('wt', randomTensor([4, 2, 2, 2], 2))], attrs);
    const g = b.output(b.node('Conv', [up, b.constant('w2', randomTensor([2, 2, 1, 1], 3))], convAttrs())).build();
    const nhwc = optimize(g, { layout: 'NHWC' });
    expect(ops(nhwc)).toEqual(['Transpose', 'Conv', 'Reshape', 'Pad', 'Reshape', 'Conv', 'Conv', 'Transpose']);
    expectSameOutputs(g, nhwc, { x: randomTensor([1, 3, 5, 6], 4) });
  });

  it('leaves one that crops more than its kernel reaches', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 2, 5, 5]);
    const attrs: ConvTransposeAttrs = { strides: [2, 2], pads: [2, 2, 2, 2], autoPad: 'NOTSET', dilations: [1, 1], group: 1, outputPadding: [0, 0], outputShape: null };
    const g = b.output(b.node('ConvTranspose', [x, b.constant('w', randomTensor([2, 2, 2, 2], 1))], attrs)).build();
    expect(ops(optimize(g))).toEqual(['ConvTranspose']);
  });
});

describe('fixInputShapes', () => {
  const graph = () => {
    const b = new GraphBuilder();
    const x = b.input('x', ['N', 3, 'H', 'W']);
    const m = b.input('m', ['N', 'H']);
    return b.output(b.node('Relu', [x], NONE)).output(b.node('Relu', [m], NONE)).build();
  };

  it('binds symbolic dims, in every input that names them', () => {
    const fixed = fixInputShapes(graph(), { x: [1, 3, 160, 448] });
    expect(fixed.inputs.map((i) => i.shape)).toEqual([[1, 3, 160, 448], [1, 160]]);
  });

  it('refuses a shape that does not fit, a dim given two values, an unknown input', () => {
    expect(() => fixInputShapes(graph(), { x: [1, 4, 160, 448] })).toThrow('cannot give input "x" the shape [1,4,160,448]: expected [N,3,H,W]');
    expect(() => fixInputShapes(graph(), { x: [1, 3, 160, 448], m: [1, 100] })).toThrow('input "m": dim "H" is 100 here but 160 in another input');
    expect(() => fixInputShapes(graph(), { y: [1] })).toThrow('cannot give input "y" a shape: the inputs are "x", "m"');
  });
});

describe('ReduceMean / ReduceMax over the spatial axes as global pools', () => {
  it('becomes GlobalAveragePool / GlobalMaxPool (with a Flatten for keepdims 0), with the same outputs, and int8 pool steps', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 6, 5]);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([4, 3, 3, 3], 1))], convAttrs({ pads: [1, 1, 1, 1] }));
    const mean = b.node('ReduceMean', [c, b.constant('hw', i64([2], [-1, 2]))], { keepdims: true, noopWithEmptyAxes: false });
    const max = b.node('ReduceMax', [c, b.constant('hw2', i64([2], [2, 3]))], { keepdims: false, noopWithEmptyAxes: false });
    const channels = b.node('ReduceMean', [c, b.constant('c', i64([1], [1]))], { keepdims: true, noopWithEmptyAxes: false });
    const g = b.output(mean).output(max).output(channels).build();
    const fused = optimize(g);
    expect(ops(fused)).toEqual(['Conv', 'GlobalAveragePool', 'GlobalMaxPool', 'Flatten', 'ReduceMean']);
    expectSameOutputs(g, fused, { x: randomTensor([1, 3, 6, 5], 2) });
    const nhwc = optimize(g, { layout: 'NHWC' });
    const program = quantizeGraph(nhwc, calibrate(nhwc, 2, (i) => ({ x: randomTensor([1, 3, 6, 5], 3 + i) }), { method: 'minmax' }));
    expect(program.steps.map((s) => s.op).filter((op) => op.startsWith('global'))).toEqual(['globalavgpool', 'globalmaxpool']);
  });
});

describe('Split as Slices, PRelu with one slope as LeakyRelu', () => {
  it('turns a Split into one Slice per read output (none for an unread one), with the same outputs, all int8 moves', () => {
    const b = new GraphBuilder();
    const x = b.input('x', [1, 3, 5, 5]);
    const c = b.node('Conv', [x, b.constant('w', randomTensor([9, 3, 3, 3], 1))], convAttrs({ pads: [1, 1, 1, 1] }));
    b.constant('lengths', i64([3], [2, 3, 4]));
    b.constant('slope', f32([1], [0.25]));
    b.constant('slopes', randomTensor([3, 1, 1], 2));
    const g = b.output('leaky').output('per_channel').build();
    g.nodes.push(
      { op: 'Split', name: 'split', inputs: [c, 'lengths'], outputs: ['p0', 'p1', 'p2'], attrs: { axis: 1, parts: 3 } },
      { op: 'PRelu', name: 'leaky', inputs: ['p0', 'slope'], outputs: ['leaky'], attrs: {} },
      { op: 'PRelu', name: 'per_channel', inputs: ['p1', 'slopes'], outputs: ['per_channel'], attrs: {} },
    );
    const fused = optimize(g);
    expect(ops(fused)).toEqual(['Conv', 'Slice', 'Slice', 'LeakyRelu', 'PRelu']);
    expectSameOutputs(g, fused, { x: randomTensor([1, 3, 5, 5], 3) });
    const nhwc = optimize(g, { layout: 'NHWC' });
    const program = quantizeGraph(nhwc, calibrate(nhwc, 2, (i) => ({ x: randomTensor([1, 3, 5, 5], 4 + i) }), { method: 'minmax' }));
    expect(program.steps.flatMap((s) => (s.op === 'float' ? [s.node.op] : []))).toEqual(['PRelu']);
  });
});
