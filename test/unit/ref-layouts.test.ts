// ONNX's conformance suite covers the NCHW kernels; the NHWC forms the int8 path uses are checked
// against them on randomised geometries.
import { describe, expect, it } from 'vitest';
import { convAttrs, poolAttrs } from '../../src/ir/builder.ts';
import type { AutoPad } from '../../src/ir/graph.ts';
import { conv } from '../../src/ref/float/conv.ts';
import { globalPool, pool, type PoolKind } from '../../src/ref/float/pool.ts';
import { transpose } from '../../src/ref/float/shape-ops.ts';
import { randomTensor, relativeMaxDiff, uniform } from '../helpers/random.ts';

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];
const AUTO_PADS: AutoPad[] = ['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'];

describe('NHWC reference kernels agree with NCHW', () => {
  it('Conv over 100 random geometries (groups, stride, dilation, padding, auto_pad)', () => {
    const next = uniform(42);
    const pick = (n: number) => Math.floor(next() * n);
    for (let t = 0; t < 100; t++) {
      const group = [1, 1, 2, 3][pick(4)]!;
      const depthwise = pick(4) === 0;
      const cinPerGroup = depthwise ? 1 : 1 + pick(5);
      const groups = depthwise ? 1 + pick(6) : group;
      const cout = groups * (1 + pick(3));
      const k: [number, number] = [1 + pick(5), 1 + pick(4)];
      const attrs = convAttrs({
        group: groups,
        strides: [1 + pick(2), 1 + pick(3)],
        dilations: [1 + pick(2), 1 + pick(2)],
        pads: [pick(3), pick(3), pick(3), pick(3)],
        autoPad: AUTO_PADS[pick(4)]!,
        clamp: pick(2) ? { min: -0.5, max: 1 } : null,
      });
      const x = randomTensor([1 + pick(2), groups * cinPerGroup, 9 + pick(6), 9 + pick(6)], t);
      const w = randomTensor([cout, cinPerGroup, ...k], 1000 + t);
      const bias = pick(2) ? randomTensor([cout], 2000 + t) : undefined;
      const nchw = conv(x, w, bias, attrs);
      const nhwc = conv(transpose(x, TO_NHWC), transpose(w, TO_NHWC), bias, { ...attrs, layout: 'NHWC' });
      const back = transpose(nhwc, TO_NCHW);
      expect(back.shape, `case ${t}`).toEqual(nchw.shape);
      expect(relativeMaxDiff(back, nchw), `case ${t}`).toBeLessThan(1e-6);
    }
  });

  it('MaxPool and AveragePool (both pad counts, ceil mode) and global pools', () => {
    const next = uniform(7);
    const pick = (n: number) => Math.floor(next() * n);
    const kinds: PoolKind[] = ['max', 'avg', 'avgIncludePad'];
    for (let t = 0; t < 60; t++) {
      const k: [number, number] = [1 + pick(3), 1 + pick(3)];
      // Padding at most half the window (as PyTorch requires), so no window lies wholly in padding.
      const pad = (axis: 0 | 1) => pick(Math.floor(k[axis] / 2) + 1);
      const attrs = poolAttrs(k, {
        strides: [1 + pick(2), 1 + pick(2)],
        pads: [pad(0), pad(1), pad(0), pad(1)],
        ceilMode: pick(2) === 1,
      });
      const x = randomTensor([1, 1 + pick(5), 5 + pick(5), 5 + pick(5)], t);
      const kind = kinds[t % 3]!;
      const nchw = pool(x, attrs, kind);
      const nhwc = transpose(pool(transpose(x, TO_NHWC), { ...attrs, layout: 'NHWC' }, kind), TO_NCHW);
      expect(relativeMaxDiff(nhwc, nchw), `case ${t}`).toBe(0);
    }
    const x = randomTensor([2, 5, 4, 3], 99);
    for (const kind of ['max', 'avg'] as const) {
      const a = globalPool(x, 'NCHW', kind);
      const b = globalPool(transpose(x, TO_NHWC), 'NHWC', kind);
      expect(Array.from(b.data)).toEqual(Array.from(a.data));
    }
  });
});
