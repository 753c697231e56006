// The accuracy tools: cross-layer equalization (src/passes/equalize.ts) leaves the float function
// unchanged, balances each pair's weight ranges and makes ReLU6 bounds per channel, which the int8
// program applies (Q12b); bias correction (E4) shifts biases by the measured weight-rounding
// error; keepFloat leaves named nodes in float.
import { describe, expect, it } from 'vitest';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph, NodeOf } from '../../src/ir/graph.ts';
import { f32, type Tensor } from '../../src/ir/tensor.ts';
import { equalizeCrossLayer } from '../../src/passes/equalize.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { calibrate } from '../../src/calibrate/calibrator.ts';
import { quantizeGraph } from '../../src/quant/quantize-graph.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { correctBiases } from '../../src/quant/bias-correction.ts';
import { heldAside, int8Source, quantizeWithTools, type ToolReport } from '../../src/quant/accuracy-tools.ts';
import { quantize } from '../../src/api.ts';
import { biasScaleFloors, dequantizeValue, quantizeWeights } from '../../src/quant/qparams.ts';
import { relativeMaxDiff, uniform } from '../helpers/random.ts';

/**
 * NCHW: conv 3×3 (ReLU6) → depthwise 3×3 (ReLU6) → 1×1 (linear) → 1×1 (ReLU) → residual Add with
 * the 1×1's output, whose channel ranges differ by up to 100× (as trained nets' do).
 */
function chain(seed: number): Graph {
  const next = uniform(seed);
  const weights = (shape: number[], spread: boolean) => {
    const per = shape.slice(1).reduce((a, b) => a * b, 1);
    return f32(shape, Float32Array.from({ length: shape[0]! * per }, (_, i) => (next() - 0.5) * (spread ? 10 ** (2 * ((Math.floor(i / per) * 7) % 5) / 4 - 1) : 1)));
  };
  const bias = (n: number) => f32([n], Float32Array.from({ length: n }, () => next() - 0.3));
  const g = new GraphBuilder('chain');
  const x = g.input('x', [1, 3, 9, 9]);
  const relu6 = { min: 0, max: 6 };
  const a = g.node('Conv', [x, g.constant('wa', weights([8, 3, 3, 3], true)), g.constant('ba', bias(8))], convAttrs({ pads: [1, 1, 1, 1], clamp: relu6 }), 'a');
  const dw = g.node('Conv', [a, g.constant('wd', weights([8, 1, 3, 3], true)), g.constant('bd', bias(8))], convAttrs({ pads: [1, 1, 1, 1], group: 8, clamp: relu6 }), 'dw');
  const p = g.node('Conv', [dw, g.constant('wp', weights([6, 8, 1, 1], true)), g.constant('bp', bias(6))], convAttrs(), 'project');
  const e = g.node('Conv', [p, g.constant('we', weights([6, 6, 1, 1], true)), g.constant('be', bias(6))], convAttrs({ clamp: { min: 0, max: Infinity } }), 'expand');
  const y = g.node('Add', [p, e], {}, 'residual');
  return g.output(y, [1, 6, 9, 9]).build();
}

function image(seed: number): Tensor {
  const next = uniform(seed);
  return f32([1, 3, 9, 9], Float32Array.from({ length: 243 }, () => 4 * (next() - 0.5)));
}

const convs = (g: Graph) => new Map(g.nodes.filter((n): n is NodeOf<'Conv'> => n.op === 'Conv').map((n) => [n.name, n]));

describe('cross-layer equalization', () => {
  for (const layout of ['NCHW', 'NHWC'] as const) {
    it(`${layout}: leaves the float outputs within 1e-5 relative and balances each pair's ranges`, () => {
      const graph = optimize(chain(7), { layout });
      const { graph: eq, pairs, sweeps } = equalizeCrossLayer(graph);
      // a → dw, dw → project; project has two readers (expand and the Add): no pair with expand.
      expect(pairs.map((p) => `${p.first} → ${p.second}${p.perChannelBound ? ' (per-channel bound)' : ''}`)).toEqual(['a → dw (per-channel bound)', 'dw → project (per-channel bound)']);
      expect(sweeps).toBeGreaterThan(1);
      for (let s = 0; s < 4; s++) {
        const feed = { x: image(s) }; // the NHWC graph transposes its NCHW input itself
        const before = runFloat(graph, feed).residual!;
        const after = runFloat(eq, feed).residual!;
        expect(relativeMaxDiff(after, before)).toBeLessThan(1e-5);
      }
      const after = convs(eq);
      const dw = after.get('dw')!;
      const clamp = dw.attrs.clamp!;
      expect(clamp.channelMax?.length).toBe(8);
      expect(clamp.max).toBe(Math.max(...clamp.channelMax!));
      // The bounds differ per channel once scaled: the ranges of the raw weights differed 100×.
      expect(new Set(clamp.channelMax).size).toBeGreaterThan(1);
    });
  }

  it('balances r₁ᵢ and r₂ᵢ of a pair to within the tolerance', () => {
    const { graph: eq } = equalizeCrossLayer(optimize(chain(3)));
    const w = (name: string) => eq.initializers.get(convs(eq).get(name)!.inputs[1]!)!;
    const a = w('a');
    const dw = w('dw');
    for (let i = 0; i < 8; i++) {
      const r1 = Math.max(...Array.from(a.data.slice(i * 27, (i + 1) * 27), Math.abs));
      const r2 = Math.max(...Array.from(dw.data.slice(i * 9, (i + 1) * 9), Math.abs));
      // dw is also the first conv of the dw → project pair: the sweeps converge on both at once.
      expect(Math.abs(Math.log(r1 / r2))).toBeLessThan(0.05);
    }
  });

  it('the int8 program clamps each equalized ReLU6 channel at its own bound (Q12b)', () => {
    const graph = optimize(chain(11), { layout: 'NHWC' });
    const { graph: eq } = equalizeCrossLayer(graph);
    const samples = Array.from({ length: 6 }, (_, i) => ({ x: image(100 + i) }));
    const ranges = calibrate(eq, samples.length, (i) => samples[i]!, { method: 'minmax' });
    const model = quantizeGraph(eq, ranges, { method: 'minmax' });
    const dwStep = model.steps.find((s) => s.name === 'dw');
    expect(dwStep?.op).toBe('conv');
    if (dwStep?.op !== 'conv') return;
    const bounds = dwStep.out.channelHi!;
    expect(bounds.length).toBe(8);
    expect(Math.max(...bounds)).toBeLessThanOrEqual(dwStep.out.hi);
    expect(new Set(bounds).size).toBeGreaterThan(1);
    // No int8 value of an equalized channel exceeds its bound.
    let seen = 0;
    runInt8(model, samples[0]!, {
      observe: (name, t) => {
        if (name !== dwStep.output) return;
        for (let i = 0; i < t.data.length; i++) expect(t.data[i]!).toBeLessThanOrEqual(bounds[i % 8]!);
        seen++;
      },
    });
    expect(seen).toBe(1);
  });
});

describe('bias correction (E4) and layers kept in float', () => {
  const graph = optimize(chain(5), { layout: 'NHWC' });
  const samples = Array.from({ length: 8 }, (_, i) => ({ x: image(200 + i) }));
  const sample = (i: number) => samples[i]!;
  const ranges = calibrate(graph, samples.length, sample, { method: 'minmax' });
  const model = quantizeGraph(graph, ranges, { method: 'minmax' });

  it('shifts a 1×1 conv\'s bias by −Σⱼ εcⱼ·E[xⱼ] of its int8 input', () => {
    const { graph: corrected, layers } = correctBiases(graph, model, samples.length, sample);
    expect(layers.map((l) => l.node).sort()).toEqual(['a', 'dw', 'expand', 'project']);
    const project = convs(graph).get('project')!;
    const step = model.steps.find((s) => s.name === 'project')!;
    if (step.op !== 'conv') throw new Error('project is not an int8 conv');
    // Independently: the dequantized int8 weights from the step's own multipliers would be lossy,
    // so take W_q from quantizeWeights as the quantizer does, and E[x] from the int8 input.
    const inInfo = model.tensors.get(step.input)!;
    if (inInfo.dtype !== 'int8') throw new Error('project input is not int8');
    const mean = new Float64Array(8);
    let pixels = 0;
    for (const s of samples) {
      runInt8(model, s, {
        observe: (name, t) => {
          if (name !== step.input) return;
          for (let i = 0; i < t.data.length; i++) mean[i % 8]! += dequantizeValue(t.data[i]!, inInfo.qparams);
          pixels += t.data.length / 8;
        },
      });
    }
    const w = graph.initializers.get(project.inputs[1]!)!;
    const b = graph.initializers.get(project.inputs[2]!)!;
    const q = quantizeWeights(w.data, 6, false, biasScaleFloors(b.data, inInfo.qparams.scale, 6));
    const newBias = corrected.initializers.get(convs(corrected).get('project')!.inputs[2]!)!;
    for (let c = 0; c < 6; c++) {
      let shift = 0;
      for (let j = 0; j < 8; j++) shift += (q.values[c * 8 + j]! * q.scales[c]! - w.data[c * 8 + j]!) * (mean[j]! / pixels);
      expect(newBias.data[c]!).toBeCloseTo(b.data[c]! - shift, 5);
    }
  });

  it('keepFloat runs the named nodes as float steps, and names a node that does not exist', () => {
    const kept = quantizeGraph(graph, ranges, { method: 'minmax', keepFloat: ['dw'] });
    expect(kept.steps.find((s) => s.name === 'dw')?.op).toBe('float');
    expect(kept.steps.find((s) => s.name === 'project')?.op).toBe('conv');
    expect(() => quantizeGraph(graph, ranges, { keepFloat: ['dw', 'no-such-node'] })).toThrow(/no node named "no-such-node"/);
  });
});

describe('a target cosine (E5)', () => {
  const graph = optimize(chain(9), { layout: 'NHWC' });
  const source = int8Source(graph, { equalize: true });
  const feeds = Array.from({ length: 12 }, (_, i) => ({ x: image(300 + i) }));
  const split = heldAside(feeds.length, { targetCosine: 0.9 });
  const sample = (i: number) => feeds[split.calibrate[i]!]!;
  const ranges = calibrate(source.graph, split.calibrate.length, sample, { method: 'minmax' });
  const run = (target: number) =>
    quantizeWithTools(source, ranges, { method: 'minmax', biasCorrection: true, targetCosine: target }, split.calibrate.length, sample, split.held.map((i) => feeds[i]!));

  it('holds every 4th calibration sample aside, and needs some', () => {
    expect(split.held).toEqual([3, 7, 11]);
    expect(split.calibrate).toHaveLength(9);
    expect(() => heldAside(3, { targetCosine: 0.99 })).toThrow(/at least 4 calibration samples/);
    expect(() => heldAside(8, { targetCosine: 1.5 })).toThrow(/in \(0, 1\]/);
  });

  it('keeps the fewest layers in float, most sensitive first, until the held-aside cosine reaches the target', () => {
    const easy = run(0.5).report.target!;
    expect(easy.kept).toEqual([]);
    expect(easy.met).toBe(true);
    // A target above what all-int8 reaches: at least one layer in float, and the target met.
    const target = 1 - (1 - easy.before.min) / 4;
    const { model, report } = run(target);
    const t = report.target!;
    // Every int8 step of a node: the convs, the Add, the input transpose (where x is quantized) and the output one.
    expect(t.sensitivity.map((l) => l.op).sort()).toEqual(['add', 'conv', 'conv', 'conv', 'conv', 'layout', 'layout']);
    expect(t.kept.length).toBeGreaterThan(0);
    expect(t.met).toBe(true);
    expect(t.after.min).toBeGreaterThanOrEqual(target);
    // The first layer kept is the one whose float copy helped most.
    const best = [...t.sensitivity].sort((a, b) => b.allButIt - a.allButIt)[0]!;
    expect(t.kept[0]).toBe(best.node);
    for (const name of t.kept) expect(model.steps.find((s) => s.name === name)?.op).toBe('float');
  });
});

describe('the tools through quantize()', () => {
  it('equalizes, corrects and meets a target, and reports what it did', async () => {
    const feeds = Array.from({ length: 8 }, (_, i) => ({ x: image(400 + i) }));
    let report: ToolReport | undefined;
    const model = await quantize(chain(13), { calibration: feeds, method: 'minmax', equalize: true, biasCorrection: true, targetCosine: 0.5, onToolReport: (r) => (report = r) });
    expect(report?.equalizedPairs).toHaveLength(2);
    expect(report?.correctedLayers.length).toBeGreaterThan(0);
    expect(report?.target?.met).toBe(true);
    // Two of the eight samples were held aside: six calibrated.
    expect(model.calibration.samples).toBe(6);
  });
});
