// ONNX converters of the spatial op family (ir/ops/spatial.ts).

import type { AutoPad, PoolAttrs } from '../ir/graph.ts';
import { node, singleOutput, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';

function autoPad(c: ConvertContext): AutoPad {
  const v = c.attrs.string('auto_pad', 'NOTSET');
  if (v === 'NOTSET' || v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  throw new UnsupportedUse(`auto_pad "${v}"`);
}

/** Only 2-D windows (4-D NCHW tensors) are supported. */
function spatial2d(kernelRank: number | undefined): void {
  if (kernelRank !== undefined && kernelRank !== 2) throw new UnsupportedUse(`${kernelRank}-D window (only 2-D is supported)`);
}

function windowAttrs(c: ConvertContext) {
  return {
    strides: c.attrs.intsOfLength('strides', 2, 1) as [number, number],
    pads: c.attrs.intsOfLength('pads', 4, 0) as [number, number, number, number],
    autoPad: autoPad(c),
    dilations: c.attrs.intsOfLength('dilations', 2, 1) as [number, number],
    layout: 'NCHW' as const,
  };
}

function poolAttrs(c: ConvertContext): PoolAttrs {
  const kernel = c.attrs.ints('kernel_shape');
  if (!kernel) throw new UnsupportedUse('missing kernel_shape');
  spatial2d(kernel.length);
  return { ...windowAttrs(c), kernel: kernel as [number, number], ceilMode: c.attrs.int('ceil_mode', 0) === 1 };
}

export const spatialConverters: Record<string, Converter> = {
  Conv: (c) => {
    spatial2d(c.attrs.ints('kernel_shape')?.length);
    return node(c, 'Conv', { ...windowAttrs(c), group: c.attrs.int('group', 1), clamp: null });
  },
  MaxPool: (c) => {
    singleOutput(c, 'Indices');
    if (c.attrs.int('storage_order', 0) !== 0) throw new UnsupportedUse('storage_order=1');
    return node(c, 'MaxPool', poolAttrs(c));
  },
  AveragePool: (c) => node(c, 'AveragePool', { ...poolAttrs(c), countIncludePad: c.attrs.int('count_include_pad', 0) === 1 }),
  GlobalAveragePool: (c) => node(c, 'GlobalAveragePool', { layout: 'NCHW' }),
  GlobalMaxPool: (c) => node(c, 'GlobalMaxPool', { layout: 'NCHW' }),
};
