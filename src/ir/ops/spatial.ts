// The spatial op family: convolutions, pools, and the ops that resample or rearrange the
// spatial axes. Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { isNum, UNKNOWN, type ShapeRule, type ShapeRules } from '../dims.ts';
import type { AutoPad, Clamp, Dim, Layout } from '../graph.ts';
import { CPU_FLOAT, FLOAT_ONLY, LAYOUT, type OpTraits } from '../op-kinds.ts';
import { planAxis, type AxisPlan } from '../spatial.ts';

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

/**
 * Any number of spatial axes (float only, so not held to the 2-D form): weights
 * [Cin, Cout/group, k1, k2, ...]. Empty lists take ONNX's defaults for the weights' rank.
 */
export interface ConvTransposeAttrs {
  strides: number[];
  /** [begin1, begin2, ..., end1, end2, ...]. */
  pads: number[];
  autoPad: AutoPad;
  dilations: number[];
  group: number;
  outputPadding: number[];
  /** The spatial output size (an exporter may give the batch and channel dims too); when given, the padding is derived from it. */
  outputShape: number[] | null;
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

/**
 * A 3-D (volumetric, [N, C, D, H, W]) window. Float only, with its own ops: the 2-D ops keep the
 * [number, number] form the int8 quantizer and GPU kernels take. Lists are per axis (pads:
 * [begins..., ends...]).
 */
export interface Window3D {
  strides: number[];
  pads: number[];
  autoPad: AutoPad;
  dilations: number[];
}

export type ResizeCoordinates =
  | 'half_pixel'
  | 'half_pixel_symmetric'
  | 'pytorch_half_pixel'
  | 'align_corners'
  | 'asymmetric'
  | 'tf_half_pixel_for_nn'
  | 'tf_crop_and_resize';

/**
 * ONNX Resize (opset 18 form) on any rank. Inputs: x, roi, scales, sizes ('' when omitted; an
 * empty scales tensor counts as omitted). `coordinates` maps an output index to the input as
 * coordinate_transformation_mode does (TF: align_corners → 'align_corners', half_pixel_centers →
 * 'half_pixel', neither → 'asymmetric').
 */
export interface ResizeAttrs {
  mode: 'nearest' | 'linear' | 'cubic';
  coordinates: ResizeCoordinates;
  nearest: 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
  /** The axes that roi, scales and sizes list; null: every axis, in order. */
  axes: number[] | null;
  keepAspect: 'stretch' | 'not_larger' | 'not_smaller';
}

export interface SpatialAttrs {
  Conv: ConvAttrs;
  ConvTranspose: ConvTransposeAttrs;
  /** Weights [Cout, Cin/group, kd, kh, kw]. */
  Conv3D: Window3D & { group: number };
  Pool3D: Window3D & { kernel: number[]; ceilMode: boolean; kind: 'max' | 'avg' | 'avgIncludePad' | 'lp'; p: number };
  MaxPool: PoolAttrs;
  /** MaxPool with its second output: the flat index of each maximum (column-major within an image with storageOrder 1). */
  MaxPoolWithIndices: PoolAttrs & { storageOrder: 0 | 1 };
  AveragePool: PoolAttrs & { countIncludePad: boolean };
  LpPool: PoolAttrs & { p: number };
  GlobalAveragePool: { layout: Layout };
  GlobalMaxPool: { layout: Layout };
  GlobalLpPool: { p: number };
  /** Inputs: x, indices (MaxPool's), output_shape?; 2-D windows, NCHW. */
  MaxUnpool: { kernel: [number, number]; strides: [number, number]; pads: [number, number, number, number] };
  /** TF's DepthToSpace is DCR: output channel c of block (i, j) reads input channel (i·b + j)·C_out + c. */
  DepthToSpace: { blocksize: number; mode: 'DCR' | 'CRD'; layout: Layout };
  Resize: ResizeAttrs;
  /** 4-D NCHW input and [N, H_out, W_out, 2] grid of (x, y) in [-1, 1]. */
  GridSample: { mode: 'bilinear' | 'nearest' | 'bicubic'; padding: 'zeros' | 'border' | 'reflection'; alignCorners: boolean };
  /** Inputs: x [N, C, H, W], rois [R, 4], batch_indices [R]. */
  RoiAlign: { mode: 'avg' | 'max'; outputHeight: number; outputWidth: number; samplingRatio: number; spatialScale: number; halfPixel: boolean };
}

export const SPATIAL_TRAITS = {
  Conv: { nhwc: 'spatial', int8: 'conv', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'conv' },
  ConvTranspose: CPU_FLOAT,
  Conv3D: CPU_FLOAT,
  Pool3D: CPU_FLOAT,
  MaxPool: { nhwc: 'spatial', int8: 'pool', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'pool' },
  MaxPoolWithIndices: CPU_FLOAT,
  AveragePool: { nhwc: 'spatial', int8: 'pool', givenSameQParams: true, valuesFromInput: false, showsInputs: 'none', gpu: 'pool' },
  LpPool: CPU_FLOAT,
  GlobalAveragePool: { nhwc: 'spatial', int8: 'global-pool', givenSameQParams: true, valuesFromInput: false, showsInputs: 'none', gpu: 'global-pool' },
  GlobalMaxPool: { nhwc: 'spatial', int8: 'global-pool', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'global-pool' },
  GlobalLpPool: CPU_FLOAT,
  MaxUnpool: CPU_FLOAT,
  // A strided view of its input (kernels/float/indexing.ts viewOf): an int8 layout step too (Q18).
  DepthToSpace: { nhwc: 'nchw', ...LAYOUT, gpu: 'gather' },
  // Nearest Resize moves values: an int8 layout step (Q18) with the input's (s, z). The other
  // modes make new values, so those stay float (quant/quantize-graph.ts checks the mode).
  Resize: { nhwc: 'resize', int8: 'layout', givenSameQParams: true, valuesFromInput: false, showsInputs: 'first', gpu: 'resize' },
  GridSample: { ...CPU_FLOAT, gpu: 'grid-sample' },
  RoiAlign: CPU_FLOAT,
} as const satisfies Record<keyof SpatialAttrs, OpTraits>;

/**
 * One spatial axis of a ConvTranspose: the full output is stride·(in − 1) + output_padding +
 * the dilated kernel span, less the padding. Where output_shape (or SAME, which asks for in·stride)
 * fixes the size, the padding is what is left over, split as ONNX specifies (pads are then ignored).
 */
export function planTransposedAxis(a: ConvTransposeAttrs, kernel: readonly number[], axis: number, inLen: number): AxisPlan {
  const rank = kernel.length;
  const stride = a.strides[axis] ?? 1;
  const full = stride * (inLen - 1) + (a.outputPadding[axis] ?? 0) + (kernel[axis]! - 1) * (a.dilations[axis] ?? 1) + 1;
  const same = a.autoPad === 'SAME_UPPER' || a.autoPad === 'SAME_LOWER';
  const shape = a.outputShape && a.outputShape.length === rank + 2 ? a.outputShape.slice(2) : a.outputShape;
  const wanted = shape?.[axis] ?? (same ? inLen * stride : undefined);
  if (wanted !== undefined) {
    const total = full - wanted;
    const half = Math.floor(total / 2);
    const padBefore = a.autoPad === 'SAME_UPPER' ? half : total - half;
    return { padBefore, padAfter: total - padBefore, out: wanted };
  }
  const [padBefore, padAfter] = a.autoPad === 'VALID' ? [0, 0] : [a.pads[axis] ?? 0, a.pads[axis + rank] ?? 0];
  const out = full - padBefore - padAfter;
  if (out < 1) throw new RangeError(`ConvTranspose output length ${out} along spatial axis ${axis}`);
  return { padBefore, padAfter, out };
}

/** Axis `axis` of a 3-D window, planned as the 2-D planAxis plans its first axis. */
export function planAxis3d(w: Window3D & { ceilMode?: boolean }, kernel: readonly number[], axis: number, inLen: number): AxisPlan {
  const rank = kernel.length;
  return planAxis(
    {
      kernel: [kernel[axis]!, 1],
      strides: [w.strides[axis]!, 1],
      pads: [w.pads[axis]!, 0, w.pads[axis + rank]!, 0],
      autoPad: w.autoPad,
      dilations: [w.dilations[axis]!, 1],
      ceilMode: w.ceilMode,
    },
    0,
    inLen,
  );
}

const volumeOut = (w: Window3D & { ceilMode?: boolean }, kernel: readonly number[], x: Dim[]): Dim[] =>
  x.slice(2).map((d, axis) => (isNum(d) ? planAxis3d(w, kernel, axis, d).out : UNKNOWN));

function spatialOut(x: Dim[], layout: string, kernel: [number, number], attrs: Parameters<typeof planAxis>[0], channels: Dim): Dim[] {
  const [n, h, w] = layout === 'NHWC' ? [x[0], x[1], x[2]] : [x[0], x[2], x[3]];
  const oh = isNum(h) ? planAxis({ ...attrs, kernel }, 0, h).out : UNKNOWN;
  const ow = isNum(w) ? planAxis({ ...attrs, kernel }, 1, w).out : UNKNOWN;
  return layout === 'NHWC' ? [n ?? UNKNOWN, oh, ow, channels] : [n ?? UNKNOWN, channels, oh, ow];
}

const windowPool: ShapeRule<'MaxPool' | 'AveragePool' | 'LpPool'> = (node, x) => {
  const channels = (node.attrs.layout === 'NHWC' ? x[3] : x[1]) ?? UNKNOWN;
  return [spatialOut(x, node.attrs.layout, node.attrs.kernel, node.attrs, channels)];
};
const globalPool: ShapeRule<'GlobalAveragePool' | 'GlobalMaxPool'> = (node, x) => [node.attrs.layout === 'NHWC' ? [x[0]!, 1, 1, x[3]!] : [x[0]!, x[1]!, 1, 1]];

/** Per axis of the input: output size and scale, and the roi as [starts..., ends...] over every axis. */
export interface ResizePlan {
  out: number[];
  scales: number[];
  roi: number[];
}

/** Output size and scale of every axis, as ONNX Resize derives them from scales or sizes (and axes, keep_aspect_ratio_policy). */
export function planResize(shape: readonly number[], a: ResizeAttrs, given: { roi?: number[]; scales?: number[]; sizes?: number[] }): ResizePlan {
  const r = shape.length;
  const axes = (a.axes ?? shape.map((_, i) => i)).map((ax) => (ax < 0 ? ax + r : ax));
  const listed = (v: number[], what: string) => {
    if (v.length !== axes.length) throw new RangeError(`Resize: ${what} has ${v.length} values for ${axes.length} axes`);
    return v;
  };
  const roi = [...new Array<number>(r).fill(0), ...new Array<number>(r).fill(1)];
  if (given.roi && given.roi.length > 0 && a.coordinates === 'tf_crop_and_resize') {
    const v = listed(given.roi.slice(0, given.roi.length / 2), 'roi');
    axes.forEach((ax, i) => {
      roi[ax] = v[i]!;
      roi[r + ax] = given.roi![axes.length + i]!;
    });
  }
  const out = [...shape];
  const scales = new Array<number>(r).fill(1);
  if (given.sizes && given.sizes.length > 0) {
    const sizes = listed(given.sizes, 'sizes');
    const ratios = axes.map((ax, i) => sizes[i]! / shape[ax]!);
    if (a.keepAspect === 'stretch') {
      axes.forEach((ax, i) => ((out[ax] = sizes[i]!), (scales[ax] = ratios[i]!)));
    } else {
      const s = a.keepAspect === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      for (const ax of axes) [out[ax], scales[ax]] = [Math.floor(s * shape[ax]! + 0.5), s];
    }
  } else if (given.scales && given.scales.length > 0) {
    const v = listed(given.scales, 'scales');
    axes.forEach((ax, i) => {
      scales[ax] = v[i]!;
      out[ax] = Math.floor(shape[ax]! * (roi[r + ax]! - roi[ax]!) * v[i]!);
    });
  } else {
    throw new RangeError('Resize needs scales or sizes');
  }
  return { out, scales, roi };
}

function resizeShape(x: Dim[], a: ResizeAttrs, inputs: Parameters<ShapeRule<'Resize'>>[2]): Dim[] {
  const given = { roi: inputs.values(1), scales: inputs.values(2), sizes: inputs.values(3) };
  // The sizes or scales (and for tf_crop_and_resize the roi) decide the output: unknown unless constant.
  const computed = (i: number) => inputs.shape(i) !== undefined && inputs.values(i) === undefined;
  if (computed(2) || computed(3) || (a.coordinates === 'tf_crop_and_resize' && computed(1))) return x.map(() => UNKNOWN);
  if (x.every(isNum)) return planResize(x, a, given).out;
  // Symbolic dims: only what is known without the input's size.
  const r = x.length;
  const axes = (a.axes ?? x.map((_, i) => i)).map((ax) => (ax < 0 ? ax + r : ax));
  if (given.sizes && given.sizes.length > 0 && a.keepAspect === 'stretch') {
    const out = [...x];
    axes.forEach((ax, i) => (out[ax] = given.sizes![i]!));
    return out;
  }
  if (given.scales && given.scales.length > 0 && a.coordinates !== 'tf_crop_and_resize') {
    const out = [...x];
    axes.forEach((ax, i) => {
      const d = x[ax]!;
      const s = given.scales![i]!;
      out[ax] = isNum(d) ? Math.floor(d * s) : s === 1 ? d : UNKNOWN;
    });
    return out;
  }
  return x.map(() => UNKNOWN);
}

export const SPATIAL_SHAPES: ShapeRules<keyof SpatialAttrs> = {
  Conv: (node, x, inputs) => {
    const w = inputs.shape(1);
    if (!w || !w.every(isNum)) return [];
    const nhwc = node.attrs.layout === 'NHWC';
    const kernel: [number, number] = nhwc ? [w[1]!, w[2]!] : [w[2]!, w[3]!];
    return [spatialOut(x, node.attrs.layout, kernel, { ...node.attrs, kernel }, w[0]!)];
  },
  ConvTranspose: (node, x, inputs) => {
    const w = inputs.shape(1);
    if (!w || !w.every(isNum)) return [];
    const kernel = w.slice(2);
    const spatial = x.slice(2).map((d, axis) => (isNum(d) ? planTransposedAxis(node.attrs, kernel, axis, d).out : UNKNOWN));
    return [[x[0]!, w[1]! * node.attrs.group, ...spatial]];
  },
  Conv3D: (node, x, inputs) => {
    const w = inputs.shape(1);
    if (!w || !w.every(isNum)) return [];
    return [[x[0]!, w[0]!, ...volumeOut(node.attrs, w.slice(2), x)]];
  },
  Pool3D: (node, x) => [[x[0]!, x[1]!, ...volumeOut(node.attrs, node.attrs.kernel, x)]],
  MaxPool: windowPool,
  MaxPoolWithIndices: (node, x) => {
    const y = spatialOut(x, 'NCHW', node.attrs.kernel, node.attrs, x[1] ?? UNKNOWN);
    return [y, y];
  },
  AveragePool: windowPool,
  LpPool: windowPool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: (_, x) => [x.map((d, i) => (i < 2 ? d : 1))],
  MaxUnpool: (node, x, inputs) => {
    const given = inputs.count > 2 ? inputs.values(2) : undefined;
    if (given) return [given];
    const { kernel, strides, pads } = node.attrs;
    const size = (axis: 0 | 1): Dim => {
      const d = x[2 + axis];
      return isNum(d) ? (d - 1) * strides[axis] + kernel[axis] - pads[axis]! - pads[axis + 2]! : UNKNOWN;
    };
    return [[x[0]!, x[1]!, size(0), size(1)]];
  },
  DepthToSpace: (node, x) => {
    const b = node.attrs.blocksize;
    const [n, c, h, w] = node.attrs.layout === 'NHWC' ? [x[0], x[3], x[1], x[2]] : x;
    const scaled = [h, w].map((d) => (isNum(d) ? d * b : UNKNOWN));
    const oc = isNum(c) ? c / (b * b) : UNKNOWN;
    return [node.attrs.layout === 'NHWC' ? [n!, scaled[0]!, scaled[1]!, oc] : [n!, oc, scaled[0]!, scaled[1]!]];
  },
  Resize: (node, x, inputs) => [resizeShape(x, node.attrs, inputs)],
  GridSample: (_, x, inputs) => {
    const g = inputs.shape(1);
    return [[x[0]!, x[1]!, g?.[1] ?? UNKNOWN, g?.[2] ?? UNKNOWN]];
  },
  RoiAlign: (node, x, inputs) => [[inputs.shape(1)?.[0] ?? UNKNOWN, x[1]!, node.attrs.outputHeight, node.attrs.outputWidth]],
};
