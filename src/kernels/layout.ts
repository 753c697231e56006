// LayoutStep (Transpose, Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout on int8 data,
// (Q18)) → the layout_int8 kernel (shaders/layout_int8.wgsl), or nothing at all: when the packed
// bytes of the output are those of the input (isLayoutAlias), the scheduler aliases the buffers.

import { sizeOf, stridesOf } from '../ir/tensor.ts';
import type { LayoutStep } from '../quant/program.ts';
import type { PlannedKernel } from './conv.ts';
import { wordsFor } from './pack.ts';
import { channelsOf, innermostFirst, rowsOf } from './packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE } from './spec.ts';
import { uniformStruct } from './uniforms.ts';

const formatShape = (s: readonly number[]) => `[${s.join(',')}]`;

/** Transpose's permutation, defaulting (perm = null) to reversing the axes as ONNX does. */
export const transposePerm = (perm: readonly number[] | null, rank: number): number[] =>
  perm ? [...perm] : Array.from({ length: rank }, (_, i) => rank - 1 - i);

/**
 * True when an int8 tensor of `inShape` and one of `outShape` have identical packed bytes, so a
 * layout op between them needs no kernel: the same number of elements, the same last (packed)
 * dimension, and the same element order. Reshape, Flatten, Squeeze, Unsqueeze (and Identity)
 * keep the element order; for a Transpose pass its `perm`: it keeps the order only when it moves
 * nothing but size-1 axes (e.g. [N,1,1,C] → [N,C,1,1] does not, [N,1,H,W] → [N,H,1,W] does,
 * provided the last dimension stays the same).
 */
export function isLayoutAlias(inShape: readonly number[], outShape: readonly number[], perm?: readonly number[] | null): boolean {
  if (sizeOf(inShape) !== sizeOf(outShape) || channelsOf(inShape) !== channelsOf(outShape)) return false;
  if (perm === undefined) return true;
  const p = transposePerm(perm, inShape.length);
  const moved = p.filter((axis) => inShape[axis] !== 1);
  return moved.every((axis, i) => i === 0 || axis > moved[i - 1]!);
}

export interface PlannedLayout extends PlannedKernel {
  /** The packed bytes are unchanged: the scheduler may alias the output to the input and skip `spec` (a plain copy). */
  alias: boolean;
}

/**
 * `outputShape` comes from the scheduler's shape inference (Reshape and Squeeze/Unsqueeze read
 * constants); for a Transpose it is checked against the permutation.
 *
 * Uniforms (24 words): rows, C_out, ceil(C_out/4), dispatch width | C_in, ceil(C_in/4), rank,
 * base | view dims ×8 (innermost first, 1-padded) | input element stride of each view axis ×8
 * (signed) — base 0 and the output's own dims here, a strided view in viewKernel.
 * A reshape is rank 1 (the identity map over the flat index). Override WORD_COPY when the last
 * dimension is unchanged and stays last (whole words are copied).
 */
export function layoutKernel(step: LayoutStep, inputShape: readonly number[], outputShape: readonly number[]): PlannedLayout {
  const node = step.node;
  const total = sizeOf(inputShape);
  if (sizeOf(outputShape) !== total) {
    throw new RangeError(`${node.op} "${step.name}": output ${formatShape(outputShape)} does not hold the input's ${formatShape(inputShape)} elements`);
  }
  let outShape: number[];
  let inStrides: number[];
  let alias: boolean;
  let wordCopy: boolean;
  if (node.op === 'Transpose') {
    const perm = transposePerm(node.attrs.perm, inputShape.length);
    const expected = perm.map((a) => inputShape[a]!);
    if (expected.some((d, i) => d !== outputShape[i]) || expected.length !== outputShape.length) {
      throw new RangeError(`Transpose "${step.name}": perm [${perm}] of ${formatShape(inputShape)} is ${formatShape(expected)}, not ${formatShape(outputShape)}`);
    }
    alias = isLayoutAlias(inputShape, outputShape, perm);
    const strides = stridesOf(inputShape);
    outShape = alias ? [total] : expected;
    inStrides = alias ? [1] : perm.map((a) => strides[a]!);
    wordCopy = alias || (perm.length > 0 && perm[perm.length - 1] === perm.length - 1);
  } else {
    alias = isLayoutAlias(inputShape, outputShape);
    outShape = [total];
    inStrides = [1];
    wordCopy = alias;
  }
  return { ...layoutSpec(step, inputShape, outputShape, { dims: outShape, strides: inStrides, offset: 0 }, wordCopy), alias };
}

/** How the output reads the input: a view of it (outermost first), its strides and offset. */
export interface InputView {
  dims: number[];
  strides: number[];
  offset: number;
}

/** The layout_int8 dispatch that writes `outputShape` by reading `view` of the input. */
function layoutSpec(step: LayoutStep, inputShape: readonly number[], outputShape: readonly number[], view: InputView, wordCopy: boolean): PlannedKernel {
  const node = step.node;
  const outChannels = channelsOf(outputShape);
  const inChannels = channelsOf(inputShape);
  const rows = rowsOf(outputShape);
  const outWords = wordsFor(outChannels);
  const { workgroups, width } = dispatchFor(rows * outWords);
  const what = `${node.op} "${step.name}"`;
  return {
    spec: {
      label: step.name,
      shader: 'layout_int8',
      constants: { WORKGROUP_SIZE, WORD_COPY: wordCopy ? 1 : 0 },
      uniforms: uniformStruct({
        rows, out_channels: outChannels, out_words: outWords, dispatch_width: width,
        in_channels: inChannels, in_words: wordsFor(inChannels), rank: view.dims.length, base: view.offset,
        out_shape: innermostFirst(view.dims, 1, what),
        in_strides: innermostFirst(view.strides, 0, what),
      }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: [...outputShape],
  };
}

/**
 * Slice, Expand, Tile, DepthToSpace, SpaceToDepth on int8 data (Q18): the output as a strided
 * view of the input (`view`, from the op's constants: viewOf in kernels/float/indexing.ts, the
 * same view the fp32 path reads), lane by lane; whole words where the view keeps the input's
 * packed rows (the last axis read in full, in order, from the start of a row). A view through a
 * table of indices (Gather) has no int8 form.
 */
export function viewKernel(step: LayoutStep, inputShape: readonly number[], outputShape: readonly number[], view: InputView & { table?: unknown }): PlannedKernel {
  if (view.table) throw new RangeError(`${step.node.op} "${step.name}": it reads through a table of indices, which layout_int8 does not`);
  if (sizeOf(view.dims) !== sizeOf(outputShape)) {
    throw new RangeError(`${step.node.op} "${step.name}": a view of ${formatShape(view.dims)} does not fill the output ${formatShape(outputShape)}`);
  }
  const c = channelsOf(inputShape);
  const rowsKept = view.dims.at(-1) === c && view.strides.at(-1) === 1 && channelsOf(outputShape) === c && view.offset % c === 0;
  return layoutSpec(step, inputShape, outputShape, view, rowsKept);
}
