// Spatial resampling ops of the float reference: Resize (any rank, ONNX's modes) and DepthToSpace.

import type { AttrsByOp } from '../../ir/graph.ts';
import { planResize, type ResizeAttrs } from '../../ir/ops/spatial.ts';
import { isFloat, sizeOf, tensor, type Tensor, checkedLength } from '../../ir/tensor.ts';
import { transpose } from './shape-ops.ts';

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

function inNhwc(x: Tensor, layout: 'NCHW' | 'NHWC', f: (nhwc: Tensor) => Tensor): Tensor {
  if (x.shape.length !== 4) throw new RangeError(`expected a 4-D tensor, got [${x.shape}]`);
  return layout === 'NHWC' ? f(x) : transpose(f(transpose(x, TO_NHWC)), TO_NCHW);
}

/** One axis of a resize: for each output index, the input indices it reads and their weights. */
interface AxisTaps {
  width: number;
  index: Int32Array;
  weight: Float64Array;
  /** tf_crop_and_resize: the output index maps outside the input and takes the extrapolation value. */
  outside: Uint8Array;
}

/** The input coordinate of output index o, per coordinate_transformation_mode. */
function sourceCoordinate(a: ResizeAttrs, o: number, scale: number, inLen: number, outLen: number, roi: [number, number]): number {
  const outFloat = scale * inLen;
  switch (a.coordinates) {
    case 'align_corners':
      return outFloat === 1 ? 0 : (o * (inLen - 1)) / (outFloat - 1);
    case 'asymmetric':
      return o / scale;
    case 'tf_half_pixel_for_nn':
      return (o + 0.5) / scale;
    case 'tf_crop_and_resize': {
      const [start, end] = roi;
      const at = outFloat === 1 ? ((end - start) * (inLen - 1)) / 2 : (o * (end - start) * (inLen - 1)) / (outFloat - 1);
      return at + start * (inLen - 1);
    }
    case 'pytorch_half_pixel':
      return outFloat === 1 ? -0.5 : (o + 0.5) / scale - 0.5;
    case 'half_pixel':
      return (o + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const offset = (inLen / 2) * (1 - outLen / outFloat);
      return offset + (o + 0.5) / scale - 0.5;
    }
  }
}

function nearestWeights(a: ResizeAttrs, ratio: number): number[] {
  const up = ratio === 1 ? true : a.nearest === 'round_prefer_floor' ? ratio > 0.5 : a.nearest === 'round_prefer_ceil' ? ratio >= 0.5 : a.nearest === 'ceil';
  return up ? [0, 1] : [1, 0];
}

function cubicWeights(A: number, r: number): number[] {
  const s = 1 - r;
  return [
    ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
    ((A + 2) * r - (A + 3)) * r * r + 1,
    ((A + 2) * s - (A + 3)) * s * s + 1,
    ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A,
  ];
}

/**
 * The taps of one axis, as ONNX's reference takes them: the ratio is in (0, 1] (an exact integer
 * coordinate counts as ratio 1 of the tap to its left), reads past the edge repeat the edge, and
 * exclude_outside gives them no weight instead.
 */
function axisTaps(a: ResizeAttrs, inLen: number, outLen: number, scale: number, roi: [number, number]): AxisTaps {
  const width = a.mode === 'cubic' ? 4 : 2;
  const t: AxisTaps = {
    width,
    index: new Int32Array(checkedLength(outLen * width)),
    weight: new Float64Array(outLen * width),
    outside: new Uint8Array(outLen),
  };
  for (let o = 0; o < outLen; o++) {
    const x = sourceCoordinate(a, o, scale, inLen, outLen, roi);
    if (a.coordinates === 'tf_crop_and_resize' && (x < 0 || x > inLen - 1)) t.outside[o] = 1;
    const left = Math.ceil(x) - 1;
    const ratio = x - left;
    const w = a.mode === 'nearest' ? nearestWeights(a, ratio) : a.mode === 'linear' ? [1 - ratio, ratio] : cubicWeights(a.cubicA, ratio);
    const first = left - width / 2 + 1;
    if (a.excludeOutside) {
      w.forEach((_, j) => (first + j < 0 || first + j >= inLen) && (w[j] = 0));
      const sum = w.reduce((p, q) => p + q, 0);
      if (sum !== 0) w.forEach((v, j) => (w[j] = v / sum));
    }
    for (let j = 0; j < width; j++) {
      t.index[o * width + j] = Math.min(Math.max(first + j, 0), inLen - 1);
      t.weight[o * width + j] = w[j]!;
    }
  }
  return t;
}

/** Resamples one axis of a float64 [outer, len, inner] view to [outer, outLen, inner]. */
function resampleAxis(x: Float64Array, shape: number[], axis: number, outLen: number, taps: AxisTaps, extrapolation: number): Float64Array {
  const len = shape[axis]!;
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Float64Array(checkedLength(outer * outLen * inner));
  for (let b = 0; b < outer; b++) {
    for (let o = 0; o < outLen; o++) {
      const dst = (b * outLen + o) * inner;
      if (taps.outside[o]) {
        out.fill(extrapolation, dst, dst + inner);
        continue;
      }
      for (let j = 0; j < taps.width; j++) {
        const w = taps.weight[o * taps.width + j]!;
        if (w === 0) continue;
        const src = (b * len + taps.index[o * taps.width + j]!) * inner;
        for (let i = 0; i < inner; i++) out[dst + i]! += w * x[src + i]!;
      }
    }
  }
  return out;
}

/** ONNX Resize: separable, one axis at a time, skipping the axes it leaves as they are. */
export function resize(x: Tensor, given: { roi?: number[]; scales?: number[]; sizes?: number[] }, a: ResizeAttrs): Tensor {
  const plan = planResize(x.shape, a, given);
  const r = x.shape.length;
  const shape = [...x.shape];
  let data: Float64Array = Float64Array.from(x.data);
  for (let axis = 0; axis < r; axis++) {
    const roi: [number, number] = [plan.roi[axis]!, plan.roi[r + axis]!];
    const identity = Math.abs(plan.scales[axis]! - 1) < 1e-9 && plan.out[axis] === shape[axis] && roi[0] === 0 && roi[1] === 1;
    if (identity) continue;
    const taps = axisTaps(a, shape[axis]!, plan.out[axis]!, plan.scales[axis]!, roi);
    data = resampleAxis(data, shape, axis, plan.out[axis]!, taps, a.extrapolation);
    shape[axis] = plan.out[axis]!;
  }
  return tensor(x.dtype, shape, isFloat(x.dtype) ? data : data.map(Math.round));
}

/**
 * For a nearest Resize without extrapolation: per axis, the input index each output index reads
 * (the identity on axes left as they are). The int8 GPU kernel moves values by these tables, so
 * it picks exactly the elements `resize` does.
 */
export function nearestSourceIndices(shape: readonly number[], given: { roi?: number[]; scales?: number[]; sizes?: number[] }, a: ResizeAttrs): Int32Array[] {
  if (a.mode !== 'nearest' || a.coordinates === 'tf_crop_and_resize') throw new RangeError(`nearestSourceIndices: a ${a.mode} Resize with ${a.coordinates} coordinates is not a move`);
  const plan = planResize(shape, a, given);
  const r = shape.length;
  return shape.map((len, axis) => {
    const roi: [number, number] = [plan.roi[axis]!, plan.roi[r + axis]!];
    if (Math.abs(plan.scales[axis]! - 1) < 1e-9 && plan.out[axis] === len) return Int32Array.from({ length: len }, (_, i) => i);
    const taps = axisTaps(a, len, plan.out[axis]!, plan.scales[axis]!, roi);
    return Int32Array.from({ length: plan.out[axis]! }, (_, o) => taps.index[o * 2 + (taps.weight[o * 2] === 1 ? 0 : 1)]!);
  });
}

/** Moves blocks of channels into `blocksize`×`blocksize` spatial blocks (DCR or CRD channel order). */
export function depthToSpace(x: Tensor, attrs: AttrsByOp['DepthToSpace']): Tensor {
  const b = attrs.blocksize;
  return inNhwc(x, attrs.layout, (v) => {
    const [n, h, w, c] = v.shape as [number, number, number, number];
    if (b < 1 || c % (b * b) !== 0) throw new RangeError(`DepthToSpace: ${c} channels do not split into ${b}×${b} blocks`);
    const oc = c / (b * b);
    const out = tensor(x.dtype, [n, h * b, w * b, oc]);
    let i = 0;
    for (let bn = 0; bn < n; bn++) {
      for (let y = 0; y < h * b; y++) {
        for (let xx = 0; xx < w * b; xx++) {
          const block = (y % b) * b + (xx % b);
          const base = ((bn * h + Math.floor(y / b)) * w + Math.floor(xx / b)) * c;
          for (let ch = 0; ch < oc; ch++) out.data[i++] = v.data[base + (attrs.mode === 'DCR' ? block * oc + ch : ch * b * b + block)]!;
        }
      }
    }
    return out;
  });
}
