// The transformer fusions on graph shape (src/passes/fuse-layernorm.ts, fuse-gelu.ts): the
// decomposed LayerNorm torch.onnx writes below opset 17 becomes one LayerNormalization, the erf
// GELU (both orders of its Muls) one Gelu, with the same outputs; patterns whose intermediates
// are read elsewhere, or whose constants differ, stay as they are.
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.ts';
import type { Graph } from '../../src/ir/graph.ts';
import { f32, i64 } from '../../src/ir/tensor.ts';
import { fuseGelu } from '../../src/passes/fuse-gelu.ts';
import { fuseLayerNorm } from '../../src/passes/fuse-layernorm.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { randomTensor, relativeMaxDiff } from '../helpers/random.ts';

const NONE = {} as Record<string, never>;
const ops = (g: Graph) => g.nodes.map((n) => n.op);
const REDUCE = { keepdims: true, noopWithEmptyAxes: false };

/** torch.onnx's LayerNorm at opset 14 over the last `norm` dims of x [N, 'S', ...]. */
function decomposedLayerNorm(options: { affine?: boolean; eps?: number; extraReader?: boolean; axes?: number[] } = {}) {
  const b = new GraphBuilder('ln');
  const x = b.input('x', ['N', 5, 8]);
  const axes = b.constant('axes', i64([options.axes?.length ?? 1], options.axes ?? [-1]));
  const mean = b.node('ReduceMean', [x, axes], REDUCE);
  const d = b.node('Sub', [x, mean], NONE);
  const p = b.node('Pow', [d, b.constant('two', f32([], [2]))], NONE);
  const v = b.node('ReduceMean', [p, axes], REDUCE);
  const s = b.node('Sqrt', [b.node('Add', [v, b.constant('eps', f32([], [options.eps ?? 1e-5]))], NONE)], NONE);
  let y = b.node('Div', [d, s], NONE);
  if (options.affine !== false) {
    y = b.node('Mul', [y, b.constant('gamma', randomTensor([8], 3, 0.5, 1.5))], NONE);
    y = b.node('Add', [b.constant('beta', randomTensor([8], 4)), y], NONE);
  }
  b.output(y);
  if (options.extraReader) b.output(v);
  return b.build();
}

function erfGelu(order: 'x·a·½' | '½x·a', inverse = false) {
  const b = new GraphBuilder('gelu');
  const x = b.input('x', ['N', 6]);
  const scaled = inverse ? b.node('Mul', [b.constant('r', f32([], [Math.SQRT1_2])), x], NONE) : b.node('Div', [x, b.constant('r2', f32([], [Math.SQRT2]))], NONE);
  const a = b.node('Add', [b.node('Erf', [scaled], NONE), b.constant('one', f32([], [1]))], NONE);
  const y = order === 'x·a·½' ? b.node('Mul', [b.node('Mul', [x, a], NONE), b.constant('half', f32([], [0.5]))], NONE) : b.node('Mul', [b.node('Mul', [x, b.constant('half', f32([], [0.5]))], NONE), a], NONE);
  return b.output(y).build();
}

const feeds = (shape: number[]) => ({ x: randomTensor(shape, 11, -3, 3) });

describe('LayerNorm fusion', () => {
  it('fuses the decomposed LayerNorm (with γ and β, and without) into one LayerNormalization with the same outputs', () => {
    for (const affine of [true, false]) {
      const g = decomposedLayerNorm({ affine });
      const fused = fuseLayerNorm(g);
      expect(ops(fused)).toEqual(['LayerNormalization']);
      const ln = fused.nodes[0]!;
      expect(ln.attrs).toEqual({ axis: 2, epsilon: Math.fround(1e-5) });
      expect(ln.inputs.length).toBe(affine ? 3 : 2);
      expect(ln.outputs).toEqual([g.outputs[0]!.name]);
      const f = feeds([3, 5, 8]);
      expect(relativeMaxDiff(runFloat(fused, f)[g.outputs[0]!.name]!, runFloat(g, f)[g.outputs[0]!.name]!)).toBeLessThan(1e-6);
    }
  });

  it('fuses over trailing axes [-2, -1] (axis 1)', () => {
    const fused = fuseLayerNorm(decomposedLayerNorm({ affine: false, axes: [-2, -1] }));
    expect(ops(fused)).toEqual(['LayerNormalization']);
    expect(fused.nodes[0]!.attrs).toMatchObject({ axis: 1 });
  });

  it('leaves it when an intermediate is read elsewhere, or the axes are not trailing', () => {
    expect(ops(fuseLayerNorm(decomposedLayerNorm({ extraReader: true })))).toContain('ReduceMean');
    expect(ops(fuseLayerNorm(decomposedLayerNorm({ axes: [1] })))).toContain('ReduceMean');
  });
});

describe('GELU fusion', () => {
  it('fuses both Mul orders, with Div by √2 or Mul by 1/√2, into one Gelu with the same outputs', () => {
    for (const order of ['x·a·½', '½x·a'] as const) {
      for (const inverse of [false, true]) {
        const g = erfGelu(order, inverse);
        const fused = fuseGelu(g);
        expect(ops(fused), `${order} ${inverse}`).toEqual(['Gelu']);
        expect(fused.nodes[0]!.attrs).toEqual({ approximate: 'none' });
        const f = feeds([4, 6]);
        const out = g.outputs[0]!.name;
        expect(relativeMaxDiff(runFloat(fused, f)[out]!, runFloat(g, f)[out]!)).toBeLessThan(1e-6);
      }
    }
  });

  it('leaves an Erf chain with other constants', () => {
    const g = erfGelu('x·a·½');
    const changed = { ...g, initializers: new Map(g.initializers).set('half', f32([], [0.25])) };
    expect(ops(fuseGelu(changed))).toContain('Erf');
  });
});
