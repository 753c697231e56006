// Which int8 conv kernel runs for which layer, for every convVariant option: the bundled
// Fashion-MNIST model, a small graph with a depthwise conv, a fused residual Add, a grouped conv
// and a gemm, and a random conv set (regular, depthwise, grouped, pointwise; f32-edge convs).
// The snapshot (__snapshots__/conv-choices.test.ts.snap) was recorded from the kernel choice as
// it was before the variant table (src/kernels/conv-variants.ts), so a change of behaviour shows
// as a diff of these listings. 'auto' is listed as its candidates in timing order on SwiftShader
// (a fallback adapter: preferF32) and on a hardware GPU; the autotune times exactly those.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import { canFuseResidual, convKernel } from '../../src/kernels/conv.ts';
import { candidatesFor, CONV_VARIANTS } from '../../src/kernels/conv-variants.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { planProgram } from '../../src/plan/plan.ts';
import type { ConvStep, GemmStep, QuantizedModel } from '../../src/quant/program.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { extremeConv, randomConv } from '../gpu/conv-cases.ts';
import { randomTensor } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;

function fashionMnist(): QuantizedModel {
  const graph = optimize(importOnnx(readFileSync('models/fashion_mnist_cnn.onnx')), { layout: 'NHWC' });
  const ranges = calibrate(graph, 2, (i) => ({ input: randomTensor([1, 1, 28, 28], i, 0, 1) }), { method: 'minmax' });
  return quantizeGraph(graph, ranges, { method: 'minmax' });
}

/** Dense 3×3 → depthwise 3×3 + residual Add (fusable) → grouped 1×1 → pointwise → gemm. */
function mixedModel(): QuantizedModel {
  const b = new GraphBuilder();
  const x = b.input('x', [1, 8, 7, 7]);
  const t = b.node('Transpose', [x], { perm: [0, 2, 3, 1] });
  const c1 = b.node('Conv', [t, b.constant('w1', randomTensor([8, 3, 3, 8], 1))], convAttrs({ layout: 'NHWC', pads: [1, 1, 1, 1], clamp: { min: 0, max: 6 } }));
  const dw = b.node('Conv', [c1, b.constant('w2', randomTensor([8, 3, 3, 1], 2))], convAttrs({ layout: 'NHWC', group: 8, pads: [1, 1, 1, 1] }));
  const sum = b.node('Add', [dw, c1], NONE);
  const grouped = b.node('Conv', [sum, b.constant('w3', randomTensor([8, 1, 1, 4], 3))], convAttrs({ layout: 'NHWC', group: 2 }));
  const pw = b.node('Conv', [grouped, b.constant('w4', randomTensor([12, 1, 1, 8], 4))], convAttrs({ layout: 'NHWC' }));
  const gap = b.node('GlobalAveragePool', [pw], { layout: 'NHWC' });
  const flat = b.node('Flatten', [gap], { axis: 1 });
  b.output(b.node('Gemm', [flat, b.constant('fc', randomTensor([5, 12], 5))], { transA: false, transB: true, alpha: 1, beta: 1, clamp: null }));
  const g = b.build();
  return quantizeGraph(g, calibrate(g, 2, (i) => ({ x: randomTensor([1, 8, 7, 7], 10 + i) }), { method: 'minmax' }));
}

const isConv = (shader: string) => shader.startsWith('conv2d_int8');

/** Per option, the conv kernels a plan of the model runs, in step order; and each layer's auto candidates. */
function modelChoices(model: QuantizedModel): Record<string, string[]> {
  const listing: Record<string, string[]> = {};
  for (const variant of CONV_VARIANTS) {
    const { specs } = planProgram(model, 1, { convVariant: () => variant });
    listing[variant] = specs.filter((s) => isConv(s.shader)).map((s) => `${s.label}: ${s.shader}${s.constants.RESIDUAL ? ' + residual' : ''}`);
  }
  const auto: string[] = [];
  planProgram(model, 1, {
    convVariant: (step) => {
      auto.push(`${step.name}: swiftshader [${candidatesFor(step, true)}] gpu [${candidatesFor(step, false)}]`);
      return 'reference';
    },
  });
  listing.auto = auto;
  return listing;
}

/** Per random conv: the shader each option builds, whether it fuses a residual, and the auto candidates. */
function convChoices(): string[] {
  const steps: { step: ConvStep | GemmStep; shape: number[] }[] = [];
  for (let seed = 1; seed <= 80; seed++) {
    const { step, input } = randomConv(seed);
    steps.push({ step, shape: input.shape });
  }
  const edges = [[1300, 1, false], [160, 3, false], [1040, 1, false], [6, 33, true], [6, 32, true]] as const;
  for (const [i, [cin, k, depthwise]] of edges.entries()) {
    const { step, input } = extremeConv(`edge${i}`, cin, k, 9, 1, 7 + i, depthwise);
    steps.push({ step, shape: input.shape });
  }
  return steps.map(({ step, shape }) => {
    const conv = step as ConvStep;
    const built = CONV_VARIANTS.map((v) => `${v}=${convKernel(conv, shape, v).spec.shader}${canFuseResidual(conv, v) ? '+r' : ''}`);
    return `${step.name} g${conv.geometry.group} w[${conv.weightShape}]: ${built.join(' ')} | auto sw [${candidatesFor(step, true)}] gpu [${candidatesFor(step, false)}]`;
  });
}

describe('which conv kernel runs for which layer (unchanged by the variant table)', () => {
  it('the bundled Fashion-MNIST model', () => {
    expect(modelChoices(fashionMnist())).toMatchSnapshot();
  });

  it('a graph with dense, depthwise (+ residual), grouped and pointwise convs and a gemm', () => {
    expect(modelChoices(mixedModel())).toMatchSnapshot();
  });

  it('80 random convs and 5 at the edge of f32 exactness', () => {
    expect(convChoices()).toMatchSnapshot();
  });
});
