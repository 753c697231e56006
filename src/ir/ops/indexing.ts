// The indexing op family: slicing, gathering, scattering, tiling, generating (Range, ConstantOfShape) and other index arithmetic.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { broadcastDims, isNum, normAxis, product, UNKNOWN, type ShapeInputs, type ShapeRules } from '../dims.ts';
import type { Dim } from '../graph.ts';
import { CPU_FLOAT, LAYOUT, type OpTraits } from '../op-kinds.ts';
import { MAX_TENSOR_ELEMENTS, type DType } from '../tensor.ts';
import { countSelectedBoxes } from '../../ref/float/indexing-nms.ts';
import { countUnique } from '../../ref/float/indexing-unique.ts';

/** How a scatter combines an update with the value already there ('none' overwrites). */
export type ScatterReduction = 'none' | 'add' | 'mul' | 'max' | 'min';

export interface IndexingAttrs {
  /** Inputs: data, starts, ends, axes?, steps? (the opset 10 form; opset < 10 attributes become constants at import). */
  Slice: Record<string, never>;
  /** Input 1 (optional) holds the part lengths; without it, `parts` parts of ceil(len / parts), the last one smaller. */
  Split: { axis: number; parts: number };
  Expand: Record<string, never>;
  Tile: Record<string, never>;
  Range: Record<string, never>;
  ConstantOfShape: { value: number; dtype: DType };
  Size: Record<string, never>;
  GatherElements: { axis: number };
  GatherND: { batchDims: number };
  /** Also ONNX's Scatter (opset 9-10), which is ScatterElements without a reduction. */
  ScatterElements: { axis: number; reduction: ScatterReduction };
  ScatterND: { reduction: ScatterReduction };
  /** Inputs: indices, depth, values [off, on]. */
  OneHot: { axis: number };
  /** `axis` null: the input is flattened first. */
  Compress: { axis: number | null };
  /** Input 1 (optional) is the diagonal offset k. */
  Trilu: { upper: boolean };
  SpaceToDepth: { blocksize: number };
  NonZero: Record<string, never>;
  /** `dtype` null: the input's. */
  EyeLike: { k: number; dtype: DType | null };
  /**
   * The equation resolved at import: each operand's subscripts and the output's, one letter per
   * axis, '.' standing for all of the ellipsis axes (the implicit output is spelled out).
   */
  Einsum: { operands: string[]; output: string };
  /** Boxes are [y1, x1, y2, x2] corners, or [x_center, y_center, width, height] where centerPointBox. */
  NonMaxSuppression: { centerPointBox: boolean };
  ReverseSequence: { batchAxis: number; timeAxis: number };
  /** `axis` null: unique elements of the flattened input; else unique slices along the axis. */
  Unique: { sorted: boolean; axis: number | null };
}

// On the fp32 GPU path: gather_f32 (NCHW).
const GPU_GATHER = { ...CPU_FLOAT, gpu: 'gather' } as const;
// Moves of their input's values as a strided view: int8 layout steps too (Q18), NCHW.
const GATHER_MOVE = { ...GPU_GATHER, ...LAYOUT } as const;

export const INDEXING_TRAITS = {
  // Split moves values too, but into several outputs, which a layout step does not have.
  Slice: GATHER_MOVE,
  Split: GPU_GATHER,
  Expand: GATHER_MOVE,
  Tile: GATHER_MOVE,
  Range: CPU_FLOAT,
  ConstantOfShape: CPU_FLOAT,
  Size: CPU_FLOAT,
  GatherElements: GPU_GATHER,
  GatherND: CPU_FLOAT,
  ScatterElements: CPU_FLOAT,
  ScatterND: CPU_FLOAT,
  OneHot: CPU_FLOAT,
  Compress: CPU_FLOAT,
  Trilu: CPU_FLOAT,
  SpaceToDepth: GATHER_MOVE,
  NonZero: CPU_FLOAT,
  EyeLike: CPU_FLOAT,
  Einsum: CPU_FLOAT,
  NonMaxSuppression: CPU_FLOAT,
  ReverseSequence: CPU_FLOAT,
  Unique: CPU_FLOAT,
} as const satisfies Record<keyof IndexingAttrs, OpTraits>;

/** One sliced axis: where it starts, its step, and how many elements it keeps. */
export interface SliceAxis {
  start: number;
  step: number;
  count: number;
}

/** ONNX Slice's clamping of one axis of length `dim` (negative starts and ends count from the end). */
export function sliceAxis(dim: number, start: number, end: number, step: number): SliceAxis {
  if (step === 0) throw new RangeError('Slice step 0');
  const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
  const s = start < 0 ? start + dim : start;
  const e = end < 0 ? end + dim : end;
  const first = step > 0 ? clamp(s, 0, dim) : clamp(s, 0, dim - 1);
  const last = step > 0 ? clamp(e, 0, dim) : clamp(e, -1, dim - 1);
  return { start: first, step, count: Math.max(0, Math.ceil((last - first) / step)) };
}

/** The sliced axes of a rank-`rank` input, as ONNX's default axes (0, 1, ...) and steps (1) fill them. */
export function sliceAxes(rank: number, count: number, axes: number[] | undefined, steps: number[] | undefined): { axis: number; step: number; i: number }[] {
  return Array.from({ length: count }, (_, i) => {
    const axis = normAxis(axes?.[i] ?? i, rank);
    if (axis < 0 || axis >= rank) throw new RangeError(`Slice axis ${axes?.[i]} is out of range for rank ${rank}`);
    return { axis, step: steps?.[i] ?? 1, i };
  });
}

/** Part lengths of a Split along an axis of length `dim`. */
export function splitLengths(dim: number, parts: number): number[] {
  const chunk = Math.ceil(dim / parts);
  return Array.from({ length: parts }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
}

/** Range's element count: ceil((limit - start) / delta), at least 0. */
export const rangeCount = (start: number, limit: number, delta: number): number => Math.max(0, Math.ceil((limit - start) / delta));

/** Values of input i when it is given and constant; `fallback` when it is omitted; null when it is given but unknown. */
function optionalValues(inputs: ShapeInputs, given: boolean, i: number, fallback?: number[]): number[] | undefined | null {
  if (!given) return fallback;
  return inputs.values(i) ?? null;
}

const unknownDims = (rank: number): Dim[] => new Array<Dim>(rank).fill(UNKNOWN);

/** Numeric dims, or undefined where any is symbolic or unknown. */
const numeric = (dims: Dim[] | undefined): number[] | undefined => (dims && dims.every(isNum) ? dims : undefined);

export const INDEXING_SHAPES: ShapeRules<keyof IndexingAttrs> = {
  Slice: (node, x, inputs) => {
    const starts = inputs.values(1);
    const ends = inputs.values(2);
    const axes = optionalValues(inputs, !!node.inputs[3], 3);
    const steps = optionalValues(inputs, !!node.inputs[4], 4);
    if (axes === null) return [unknownDims(x.length)];
    const out = [...x];
    const count = starts?.length ?? inputs.shape(1)?.[0];
    if (!isNum(count)) return [unknownDims(x.length)];
    for (const { axis, step, i } of sliceAxes(x.length, count, axes, steps ?? undefined)) {
      const d = x[axis];
      if (!starts || !ends || steps === null) out[axis] = UNKNOWN;
      else if (isNum(d)) out[axis] = sliceAxis(d, starts[i]!, ends[i]!, step).count;
      // No dim is longer than a tensor may be, so [0, that or more) keeps a symbolic dim whole.
      else if (starts[i] !== 0 || step !== 1 || ends[i]! < MAX_TENSOR_ELEMENTS) out[axis] = UNKNOWN;
    }
    return [out];
  },
  Split: (node, x, inputs) => {
    const axis = normAxis(node.attrs.axis, x.length);
    const d = x[axis];
    const given = optionalValues(inputs, !!node.inputs[1], 1);
    const lengths = given ?? (given === undefined && isNum(d) ? splitLengths(d, node.attrs.parts) : undefined);
    return Array.from({ length: node.attrs.parts }, (_, i) => {
      const out = [...x];
      out[axis] = lengths?.[i] ?? UNKNOWN;
      return out;
    });
  },
  Expand: (_, x, inputs) => {
    const shape = inputs.values(1);
    if (shape) return [broadcastDims(x, shape)];
    const rank = inputs.shape(1)?.[0];
    return [isNum(rank) ? unknownDims(Math.max(rank, x.length)) : undefined];
  },
  Tile: (_, x, inputs) => {
    const repeats = inputs.values(1);
    if (!repeats) return [unknownDims(x.length)];
    return [x.map((d, i) => (repeats[i] === 1 ? d : isNum(d) ? d * repeats[i]! : UNKNOWN))];
  },
  Range: (_, _x, inputs) => {
    const [start, limit, delta] = [0, 1, 2].map((i) => inputs.values(i)?.[0]);
    return [[start !== undefined && limit !== undefined && delta !== undefined ? rangeCount(start, limit, delta) : UNKNOWN]];
  },
  ConstantOfShape: (_, x, inputs) => {
    const shape = inputs.values(0);
    if (shape) return [shape];
    return [isNum(x[0]) ? unknownDims(x[0]) : undefined];
  },
  Size: () => [[]],
  GatherElements: (_, _x, inputs) => [inputs.shape(1)],
  GatherND: (node, x, inputs) => {
    const idx = inputs.shape(1);
    const last = idx?.[idx.length - 1];
    if (!idx || !isNum(last)) return [];
    return [[...idx.slice(0, -1), ...x.slice(node.attrs.batchDims + last)]];
  },
  OneHot: (node, x, inputs) => {
    const axis = normAxis(node.attrs.axis, x.length + 1);
    const depth = inputs.values(1)?.[0];
    return [[...x.slice(0, axis), depth === undefined ? UNKNOWN : Math.trunc(depth), ...x.slice(axis)]];
  },
  Compress: (node, x, inputs) => {
    const condition = inputs.values(1);
    const axis = node.attrs.axis === null ? null : normAxis(node.attrs.axis, x.length);
    const len = axis === null ? product(x) : x[axis];
    const kept = condition && isNum(len) ? condition.slice(0, len).filter((v) => v !== 0).length : UNKNOWN;
    if (axis === null) return [[kept]];
    return [x.map((d, i) => (i === axis ? kept : d))];
  },
  SpaceToDepth: (node, x) => {
    const b = node.attrs.blocksize;
    const [n, c, h, w] = x;
    const scaled = (d: Dim | undefined) => (isNum(d) ? d / b : UNKNOWN);
    return [[n ?? UNKNOWN, isNum(c) ? c * b * b : UNKNOWN, scaled(h), scaled(w)]];
  },
  NonZero: (_, x, inputs) => {
    const v = inputs.values(0);
    return [[x.length, v ? v.filter((e) => e !== 0).length : UNKNOWN]];
  },
  Einsum: (node, _x, inputs) => {
    const sizes = new Map<string, Dim>();
    let ellipsis: Dim[] = [];
    for (const [k, subscripts] of node.attrs.operands.entries()) {
      const dims = inputs.shape(k);
      if (!dims) return [];
      const dot = subscripts.indexOf('.');
      const ellipsisRank = dims.length - (subscripts.length - (dot >= 0 ? 1 : 0));
      if (dot >= 0) ellipsis = broadcastDims(ellipsis, dims.slice(dot, dot + ellipsisRank));
      [...subscripts.replace('.', '')].forEach((letter, j) => {
        const d = dims[dot >= 0 && j >= dot ? j + ellipsisRank : j]!;
        if (sizes.get(letter) === undefined || sizes.get(letter) === 1) sizes.set(letter, d);
      });
    }
    return [[...node.attrs.output].flatMap((letter) => (letter === '.' ? ellipsis : [sizes.get(letter) ?? UNKNOWN]))];
  },
  NonMaxSuppression: (node, _x, inputs) => {
    const boxes = inputs.values(0);
    const scores = inputs.values(1);
    const scoreDims = numeric(inputs.shape(1));
    const optional = (i: number, fallback: number) => optionalValues(inputs, !!node.inputs[i], i, [fallback]);
    const [max, iou, threshold] = [optional(2, 0), optional(3, 0), optional(4, -Infinity)];
    if (!boxes || !scores || !scoreDims || !max || !iou || !threshold) return [[UNKNOWN, 3]];
    const n = countSelectedBoxes(boxes, scores, scoreDims, { max: max[0]!, iou: iou[0]!, score: threshold[0]!, centerPointBox: node.attrs.centerPointBox });
    return [[n, 3]];
  },
  Unique: (node, x, inputs) => {
    const axis = node.attrs.axis === null ? null : normAxis(node.attrs.axis, x.length);
    const v = inputs.values(0);
    const dims = numeric(x);
    const n = v && dims ? countUnique(v, dims, axis) : UNKNOWN;
    const len = axis === null ? product(x) : x[axis]!;
    return [axis === null ? [n] : x.map((d, i) => (i === axis ? n : d)), [n], [len], [n]];
  },
};
