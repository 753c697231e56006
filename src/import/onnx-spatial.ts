// ONNX converters of the spatial op family (ir/ops/spatial.ts). The IR's windowed ops are 2-D:
// a 1-D one (input [N, C, L]) runs as the 2-D op over [N, C, 1, L], between an Unsqueeze and a
// Squeeze, so the int8 and GPU kernels of the 2-D ops take 1-D models too.

import type { AttrsByOp, AutoPad, Node, PoolAttrs } from '../ir/graph.ts';
import type { ResizeAttrs, ResizeCoordinates, SpatialAttrs, Window3D } from '../ir/ops/spatial.ts';
import { tensor } from '../ir/tensor.ts';
import { node, noAttrs, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';

function autoPad(c: ConvertContext): AutoPad {
  const v = c.attrs.string('auto_pad', 'NOTSET');
  if (v === 'NOTSET' || v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  throw new UnsupportedUse(`auto_pad "${v}"`);
}

/** How many spatial axes the window has: 1-D and 2-D run as the 2-D ops, 3-D as the float-only 3-D ones. */
function windowRank(rank: number): 1 | 2 | 3 {
  if (rank === 1 || rank === 2 || rank === 3) return rank;
  throw new UnsupportedUse(`${rank}-D window (only 1-D, 2-D and 3-D are supported)`);
}

/** Conv's rank: kernel_shape is optional, so it may come from the other lists or the weights. */
function convRank(c: ConvertContext): 1 | 2 | 3 {
  const a = c.attrs;
  const pads = a.ints('pads');
  const weights = c.constantInput(1);
  const rank = a.ints('kernel_shape')?.length ?? a.ints('strides')?.length ?? a.ints('dilations')?.length ?? (pads && pads.length / 2) ?? (weights && weights.shape.length - 2) ?? 2;
  return windowRank(rank);
}

function window3d(c: ConvertContext): Window3D {
  return {
    strides: c.attrs.intsOfLength('strides', 3, 1),
    pads: c.attrs.intsOfLength('pads', 6, 0),
    autoPad: autoPad(c),
    dilations: c.attrs.intsOfLength('dilations', 3, 1),
  };
}

function pool3d(c: ConvertContext, kind: AttrsByOp['Pool3D']['kind'], p = 2): Node[] {
  return node(c, 'Pool3D', { ...window3d(c), kernel: c.attrs.intsOfLength('kernel_shape', 3, 1), ceilMode: c.attrs.int('ceil_mode', 0) === 1, kind, p });
}

/**
 * A per-axis attribute as the 2-D op's list: the 1-D value goes on the width axis and the
 * height axis gets `unit` (`perAxis` 2 for pads, [begins..., ends...]).
 */
function list(c: ConvertContext, name: string, rank: 1 | 2, fallback: number, unit: number, perAxis: 1 | 2 = 1): number[] {
  const v = c.attrs.intsOfLength(name, rank * perAxis, fallback);
  if (rank === 2) return v;
  return perAxis === 1 ? [unit, v[0]!] : [unit, v[0]!, unit, v[1]!];
}

function window(c: ConvertContext, rank: 1 | 2) {
  return {
    strides: list(c, 'strides', rank, 1, 1) as [number, number],
    pads: list(c, 'pads', rank, 0, 0, 2) as [number, number, number, number],
    autoPad: autoPad(c),
    dilations: list(c, 'dilations', rank, 1, 1) as [number, number],
  };
}

const windowAttrs = (c: ConvertContext, rank: 1 | 2) => ({ ...window(c, rank), layout: 'NCHW' as const });

function poolRank(c: ConvertContext): 1 | 2 | 3 {
  const kernel = c.attrs.ints('kernel_shape');
  if (!kernel) throw new UnsupportedUse('missing kernel_shape');
  return windowRank(kernel.length);
}

function poolAttrs(c: ConvertContext, rank: 1 | 2): PoolAttrs {
  return { ...windowAttrs(c, rank), kernel: list(c, 'kernel_shape', rank, 1, 1) as [number, number], ceilMode: c.attrs.int('ceil_mode', 0) === 1 };
}

/**
 * The nodes of a windowed op of `rank` spatial axes: as they are for 2-D; for 1-D, the data input
 * (and `liftInputs`, e.g. the weights) gain a height axis of 1 and the outputs lose it again.
 */
function windowed(c: ConvertContext, rank: 1 | 2, build: (inputs: string[], outputs: string[]) => Node[], liftInputs: number[] = []): Node[] {
  if (rank === 2) return build(c.proto.input, c.proto.output);
  const axes = c.constant('height_axis', tensor('int64', [1], [2]));
  const lifted: Node[] = [];
  const inputs = c.proto.input.map((name, i) => {
    if (i !== 0 && !liftInputs.includes(i)) return name;
    const constant = c.constantInput(i);
    if (constant && i !== 0) {
      const [a, b, ...rest] = constant.shape;
      return c.constant(`input${i}_2d`, { ...constant, shape: [a!, b!, 1, ...rest] });
    }
    const out = `${c.name}/input${i}_2d`;
    lifted.push({ op: 'Unsqueeze', name: `${c.name}/unsqueeze${i}`, inputs: [name, axes], outputs: [out], attrs: noAttrs });
    return out;
  });
  const outputs = c.proto.output.map((o, i) => (o === '' ? '' : `${c.name}/output${i}_2d`));
  const squeezed: Node[] = outputs.flatMap((o, i) =>
    o === '' ? [] : [{ op: 'Squeeze', name: `${c.name}/squeeze${i}`, inputs: [o, axes], outputs: [c.proto.output[i]!], attrs: noAttrs } as Node],
  );
  return [...lifted, ...build(inputs, outputs), ...squeezed];
}

function lpNorm(c: ConvertContext): number {
  // LpPool-1 had a float p.
  return c.opset < 2 ? c.attrs.float('p', 2) : c.attrs.int('p', 2);
}

function convTranspose(c: ConvertContext): Node[] {
  const ints = (name: string) => c.attrs.ints(name) ?? [];
  return node(c, 'ConvTranspose', {
    strides: ints('strides'),
    pads: ints('pads'),
    autoPad: autoPad(c),
    dilations: ints('dilations'),
    group: c.attrs.int('group', 1),
    outputPadding: ints('output_padding'),
    outputShape: c.attrs.ints('output_shape') ?? null,
  });
}

function maxPool(c: ConvertContext): Node[] {
  const rank = poolRank(c);
  const withIndices = c.proto.output.slice(1).some((o) => o !== '');
  if (rank === 3) {
    if (withIndices) throw new UnsupportedUse('the Indices output of a 3-D MaxPool');
    return pool3d(c, 'max');
  }
  const attrs = poolAttrs(c, rank);
  const storageOrder = c.attrs.int('storage_order', 0);
  if (!withIndices) return windowed(c, rank, (inputs, outputs) => node(c, 'MaxPool', attrs, inputs, outputs.slice(0, 1)));
  if (storageOrder !== 0 && storageOrder !== 1) throw new UnsupportedUse(`storage_order=${storageOrder}`);
  return windowed(c, rank, (inputs, outputs) => node(c, 'MaxPoolWithIndices', { ...attrs, storageOrder }, inputs, outputs));
}

const RESIZE_MODES = ['nearest', 'linear', 'cubic'] as const;
const NEAREST_MODES = ['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'] as const;
const COORDINATES = ['half_pixel', 'half_pixel_symmetric', 'pytorch_half_pixel', 'align_corners', 'asymmetric', 'tf_half_pixel_for_nn', 'tf_crop_and_resize'] as const;
const KEEP_ASPECT = ['stretch', 'not_larger', 'not_smaller'] as const;

function oneOf<T extends string>(c: ConvertContext, name: string, allowed: readonly T[], fallback: T): T {
  const v = c.attrs.string(name, fallback);
  if (!(allowed as readonly string[]).includes(v)) throw new UnsupportedUse(`${name} "${v}"`);
  return v as T;
}

/**
 * Resize before opset 11 (and Upsample) had only scales, and no coordinate mode: ONNX's reference
 * Upsample repeats each pixel (nearest: asymmetric, floor); linear is asymmetric too.
 */
function legacyResize(c: ConvertContext, scales: string): Node[] {
  const mode = c.attrs.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear') throw new UnsupportedUse(`mode "${mode}"`);
  const attrs: ResizeAttrs = {
    ...resizeDefaults,
    mode,
    coordinates: 'asymmetric',
    nearest: 'floor',
  };
  return node(c, 'Resize', attrs, [c.proto.input[0]!, '', scales, '']);
}

const resizeDefaults: ResizeAttrs = {
  mode: 'nearest',
  coordinates: 'half_pixel',
  nearest: 'round_prefer_floor',
  cubicA: -0.75,
  excludeOutside: false,
  extrapolation: 0,
  axes: null,
  keepAspect: 'stretch',
};

function resize(c: ConvertContext): Node[] {
  if (c.opset < 11) return legacyResize(c, c.proto.input[1]!);
  if (c.attrs.int('antialias', 0) !== 0) throw new UnsupportedUse('antialias=1');
  const coordinates: ResizeCoordinates = oneOf(c, 'coordinate_transformation_mode', COORDINATES, 'half_pixel');
  if (coordinates === 'half_pixel_symmetric' && c.opset < 19) throw new UnsupportedUse(`coordinate_transformation_mode "${coordinates}" before opset 19`);
  const attrs: ResizeAttrs = {
    mode: oneOf(c, 'mode', RESIZE_MODES, 'nearest'),
    coordinates,
    nearest: oneOf(c, 'nearest_mode', NEAREST_MODES, 'round_prefer_floor'),
    cubicA: c.attrs.float('cubic_coeff_a', -0.75),
    excludeOutside: c.attrs.int('exclude_outside', 0) === 1,
    extrapolation: c.attrs.float('extrapolation_value', 0),
    axes: c.attrs.ints('axes') ?? null,
    keepAspect: oneOf(c, 'keep_aspect_ratio_policy', KEEP_ASPECT, 'stretch'),
  };
  const inputs = [0, 1, 2, 3].map((i) => c.proto.input[i] ?? '');
  return node(c, 'Resize', attrs, inputs);
}

function upsample(c: ConvertContext): Node[] {
  if (c.opset < 7) throw new UnsupportedUse('opset < 7 Upsample (height_scale/width_scale attributes)');
  if (c.opset >= 9) return legacyResize(c, c.proto.input[1]!);
  const scales = c.attrs.floats('scales');
  if (!scales) throw new UnsupportedUse('no scales attribute');
  return legacyResize(c, c.constant('scales', tensor('float32', [scales.length], scales)));
}

// Opset 20 renamed bilinear and bicubic to linear and cubic.
const GRID_MODES: Record<string, SpatialAttrs['GridSample']['mode']>[] = [
  { bilinear: 'bilinear', nearest: 'nearest', bicubic: 'bicubic' },
  { linear: 'bilinear', nearest: 'nearest', cubic: 'bicubic' },
];

function gridSample(c: ConvertContext): Node[] {
  const modern = c.opset >= 20;
  const name = c.attrs.string('mode', modern ? 'linear' : 'bilinear');
  const mode = GRID_MODES[modern ? 1 : 0]![name];
  if (!mode) throw new UnsupportedUse(`mode "${name}" at opset ${c.opset}`);
  return node(c, 'GridSample', {
    mode,
    padding: oneOf(c, 'padding_mode', ['zeros', 'border', 'reflection'] as const, 'zeros'),
    alignCorners: c.attrs.int('align_corners', 0) === 1,
  });
}

function roiAlign(c: ConvertContext): Node[] {
  // Before opset 16 there was no coordinate_transformation_mode and rois were not offset by half a pixel.
  const halfPixel = c.opset >= 16 && oneOf(c, 'coordinate_transformation_mode', ['half_pixel', 'output_half_pixel'] as const, 'half_pixel') === 'half_pixel';
  return node(c, 'RoiAlign', {
    mode: oneOf(c, 'mode', ['avg', 'max'] as const, 'avg'),
    outputHeight: c.attrs.int('output_height', 1),
    outputWidth: c.attrs.int('output_width', 1),
    samplingRatio: c.attrs.int('sampling_ratio', 0),
    spatialScale: c.attrs.float('spatial_scale', 1),
    halfPixel,
  });
}

function maxUnpool(c: ConvertContext): Node[] {
  const kernel = c.attrs.ints('kernel_shape');
  if (!kernel) throw new UnsupportedUse('missing kernel_shape');
  if (kernel.length !== 2) throw new UnsupportedUse(`${kernel.length}-D window (only 2-D is supported)`);
  return node(c, 'MaxUnpool', {
    kernel: kernel as [number, number],
    strides: c.attrs.intsOfLength('strides', 2, 1) as [number, number],
    pads: c.attrs.intsOfLength('pads', 4, 0) as [number, number, number, number],
  });
}

export const spatialConverters: Record<string, Converter> = {
  Conv: (c) => {
    const rank = convRank(c);
    if (rank === 3) return node(c, 'Conv3D', { ...window3d(c), group: c.attrs.int('group', 1) });
    return windowed(c, rank, (inputs, outputs) => node(c, 'Conv', { ...windowAttrs(c, rank), group: c.attrs.int('group', 1), clamp: null }, inputs, outputs), [1]);
  },
  ConvTranspose: convTranspose,
  MaxPool: maxPool,
  AveragePool: (c) => {
    const rank = poolRank(c);
    if (rank === 3) return pool3d(c, c.attrs.int('count_include_pad', 0) === 1 ? 'avgIncludePad' : 'avg');
    const attrs = { ...poolAttrs(c, rank), countIncludePad: c.attrs.int('count_include_pad', 0) === 1 };
    return windowed(c, rank, (inputs, outputs) => node(c, 'AveragePool', attrs, inputs, outputs));
  },
  LpPool: (c) => {
    const rank = poolRank(c);
    if (rank === 3) return pool3d(c, 'lp', lpNorm(c));
    const attrs = { ...poolAttrs(c, rank), p: lpNorm(c) };
    return windowed(c, rank, (inputs, outputs) => node(c, 'LpPool', attrs, inputs, outputs));
  },
  GlobalAveragePool: (c) => node(c, 'GlobalAveragePool', { layout: 'NCHW' }),
  GlobalMaxPool: (c) => node(c, 'GlobalMaxPool', { layout: 'NCHW' }),
  GlobalLpPool: (c) => node(c, 'GlobalLpPool', { p: lpNorm(c) }),
  MaxUnpool: maxUnpool,
  // DepthToSpace-1 had no mode: it was DCR.
  DepthToSpace: (c) => node(c, 'DepthToSpace', { blocksize: c.attrs.int('blocksize', 0), mode: c.opset >= 11 ? oneOf(c, 'mode', ['DCR', 'CRD'] as const, 'DCR') : 'DCR', layout: 'NCHW' }),
  Resize: resize,
  Upsample: upsample,
  GridSample: gridSample,
  RoiAlign: roiAlign,
};
