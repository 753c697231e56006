// The spatial op family: convolutions, pools, and the ops that resample or rearrange the
// spatial axes. Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { isNum, UNKNOWN, type ShapeRule, type ShapeRules } from '../dims.ts';
import type { AutoPad, Clamp, Dim, Layout } from '../graph.ts';
import { FLOAT_ONLY, type OpTraits } from '../op-kinds.ts';
import { planAxis } from '../spatial.ts';

/** The kernel size is not an attribute: it is read from the weights' shape. */
export interface ConvAttrs {
  strides: [number, number];
  /** [top, left, bottom, right]; ignored unless autoPad is NOTSET. */
  pads: [number, number, number, number];
  autoPad: AutoPad;
  dilations: [number, number];
  group: number;
  layout: Layout;
  clamp: Clamp | null;
}

export interface PoolAttrs {
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  autoPad: AutoPad;
  dilations: [number, number];
  ceilMode: boolean;
  layout: Layout;
}

export interface SpatialAttrs {
  Conv: ConvAttrs;
  MaxPool: PoolAttrs;
  AveragePool: PoolAttrs & { countIncludePad: boolean };
  GlobalAveragePool: { layout: Layout };
  GlobalMaxPool: { layout: Layout };
  /** TF's DepthToSpace is DCR: output channel c of block (i, j) reads input channel (i·b + j)·C_out + c. */
  DepthToSpace: { blocksize: number; mode: 'DCR' | 'CRD'; layout: Layout };
  /**
   * 2-D resize of the spatial axes; input 1 holds the output [height, width] (not ONNX's
   * roi/scales/sizes form). `coordinates` maps an output pixel to the input as ONNX's
   * coordinate_transformation_mode does (TF: align_corners → 'align_corners',
   * half_pixel_centers → 'half_pixel', neither → 'asymmetric').
   */
  Resize: { mode: 'linear'; coordinates: 'half_pixel' | 'align_corners' | 'asymmetric'; layout: Layout };
}

export const SPATIAL_TRAITS = {
  Conv: { nhwc: 'spatial', int8: 'conv', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'conv' },
  MaxPool: { nhwc: 'spatial', int8: 'pool', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'pool' },
  AveragePool: { nhwc: 'spatial', int8: 'pool', givenSameQParams: true, valuesFromInput: false, showsInputs: 'none', gpu: 'pool' },
  GlobalAveragePool: { nhwc: 'spatial', int8: 'global-pool', givenSameQParams: true, valuesFromInput: false, showsInputs: 'none', gpu: 'global-pool' },
  GlobalMaxPool: { nhwc: 'spatial', int8: 'global-pool', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'global-pool' },
  DepthToSpace: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' },
  Resize: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' },
} as const satisfies Record<keyof SpatialAttrs, OpTraits>;

function spatialOut(x: Dim[], layout: string, kernel: [number, number], attrs: Parameters<typeof planAxis>[0], channels: Dim): Dim[] {
  const [n, h, w] = layout === 'NHWC' ? [x[0], x[1], x[2]] : [x[0], x[2], x[3]];
  const oh = isNum(h) ? planAxis({ ...attrs, kernel }, 0, h).out : UNKNOWN;
  const ow = isNum(w) ? planAxis({ ...attrs, kernel }, 1, w).out : UNKNOWN;
  return layout === 'NHWC' ? [n ?? UNKNOWN, oh, ow, channels] : [n ?? UNKNOWN, channels, oh, ow];
}

const windowPool: ShapeRule<'MaxPool' | 'AveragePool'> = (node, x) => {
  const channels = (node.attrs.layout === 'NHWC' ? x[3] : x[1]) ?? UNKNOWN;
  return [spatialOut(x, node.attrs.layout, node.attrs.kernel, node.attrs, channels)];
};
const globalPool: ShapeRule<'GlobalAveragePool' | 'GlobalMaxPool'> = (node, x) => [node.attrs.layout === 'NHWC' ? [x[0]!, 1, 1, x[3]!] : [x[0]!, x[1]!, 1, 1]];

export const SPATIAL_SHAPES: ShapeRules<keyof SpatialAttrs> = {
  Conv: (node, x, inputs) => {
    const w = inputs.shape(1);
    if (!w || !w.every(isNum)) return [];
    const nhwc = node.attrs.layout === 'NHWC';
    const kernel: [number, number] = nhwc ? [w[1]!, w[2]!] : [w[2]!, w[3]!];
    return [spatialOut(x, node.attrs.layout, kernel, { ...node.attrs, kernel }, w[0]!)];
  },
  MaxPool: windowPool,
  AveragePool: windowPool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  DepthToSpace: (node, x) => {
    const b = node.attrs.blocksize;
    const [n, c, h, w] = node.attrs.layout === 'NHWC' ? [x[0], x[3], x[1], x[2]] : x;
    const scaled = [h, w].map((d) => (isNum(d) ? d * b : UNKNOWN));
    const oc = isNum(c) ? c / (b * b) : UNKNOWN;
    return [node.attrs.layout === 'NHWC' ? [n!, scaled[0]!, scaled[1]!, oc] : [n!, oc, scaled[0]!, scaled[1]!]];
  },
  Resize: (node, x, inputs) => {
    const size = inputs.values(1);
    const [oh, ow]: Dim[] = size && size.length === 2 ? size : [UNKNOWN, UNKNOWN];
    return [node.attrs.layout === 'NHWC' ? [x[0]!, oh!, ow!, x[3]!] : [x[0]!, x[1]!, oh!, ow!]];
  },
};
