// Layout ops on float32 data. Reshape, Flatten, Squeeze, Unsqueeze (and Identity, Dropout) keep
// the element order, so the plan aliases their output to their input: no dispatch. A Transpose
// that moves only size-1 axes keeps it too; any other Transpose runs transpose_f32.

import { sizeOf, stridesOf, type Tensor } from '../../ir/tensor.ts';
import type { NodeOf } from '../../ir/graph.ts';
import type { PlannedKernel } from '../conv.ts';
import { transposePerm } from '../layout.ts';
import { f32Bits, innermostFirst } from '../packed-shape.ts';
import { padGeometry } from '../pad.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { collapseAxes, formatShape, rowElements } from './common.ts';

/** True when transposing `inShape` by `perm` leaves the plain row-major elements where they are. */
export function isFloatTransposeAlias(inShape: readonly number[], perm: readonly number[]): boolean {
  const moved = perm.filter((axis) => inShape[axis] !== 1);
  return moved.every((axis, i) => i === 0 || axis > moved[i - 1]!);
}

/** The output shape of a Transpose, checking its permutation. */
export function transposeShape(node: NodeOf<'Transpose'>, inputShape: readonly number[]): { perm: number[]; outputShape: number[] } {
  const perm = transposePerm(node.attrs.perm, inputShape.length);
  const sorted = [...perm].sort((a, b) => a - b);
  if (sorted.some((a, i) => a !== i)) throw new RangeError(`perm [${perm}] is not a permutation of the axes of ${formatShape(inputShape)}`);
  return { perm, outputShape: perm.map((a) => inputShape[a]!) };
}

/**
 * Uniforms (20 words): total, dispatch width, rank, 0 | output dims ×8 (innermost first,
 * 1-padded) | input element stride of each output axis ×8. Rank ≤ 8.
 */
export function transposeF32Kernel(node: NodeOf<'Transpose'>, inputShape: readonly number[]): PlannedKernel {
  const { perm, outputShape } = transposeShape(node, inputShape);
  const strides = stridesOf(inputShape);
  const what = `Transpose "${node.name}"`;
  const total = sizeOf(inputShape);
  // Output axes that stay adjacent in the input walk as one (a head split [B, S, H, D] → [B, H, S, D]
  // walks [H, S, D]); an invocation copies along one output row.
  const walk = collapseAxes(outputShape, [stridesOf(outputShape), perm.map((a) => strides[a]!)]);
  const elements = rowElements(walk.shape.at(-1) ?? 1);
  const { workgroups, width } = dispatchFor(total / elements);
  return {
    spec: {
      label: node.name,
      shader: 'transpose_f32',
      constants: { WORKGROUP_SIZE, ELEMENTS: elements },
      uniforms: uniformStruct({
        total, dispatch_width: width, rank: walk.shape.length, _pad0: 0,
        out_shape: innermostFirst(walk.shape, 1, what),
        in_strides: innermostFirst(walk.strides[1]!, 0, what),
      }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape,
  };
}

const PAD_MODES = { constant: 0, reflect: 1, edge: 2 } as const;

/**
 * A Pad (constant, reflect or edge: the MODE override). Uniforms (28 words): total, dispatch width, rank, fill (f32 bits) | output
 * dims ×8 | input dims ×8 | leading pad of each axis ×8 (all innermost first).
 */
export function padF32Kernel(node: NodeOf<'Pad'>, inputShape: readonly number[], outputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  for (const [i, what] of [[1, 'pads'], [2, 'constant_value'], [3, 'axes']] as const) {
    const name = node.inputs[i] ?? '';
    if (name !== '' && !constants.has(name)) throw new RangeError(`its ${what} input "${name}" is not a constant (fix the graph input it comes from)`);
  }
  const { before, fill } = padGeometry(node, inputShape.length, constants);
  const what = `Pad "${node.name}"`;
  const total = sizeOf(outputShape);
  const { workgroups, width } = dispatchFor(total);
  return {
    spec: {
      label: node.name,
      shader: 'pad_f32',
      constants: { WORKGROUP_SIZE, MODE: PAD_MODES[node.attrs.mode] },
      uniforms: uniformStruct({
        total, dispatch_width: width, rank: outputShape.length, fill: f32Bits(fill),
        out_shape: innermostFirst(outputShape, 1, what),
        in_shape: innermostFirst(inputShape, 1, what),
        before: innermostFirst(before, 0, what),
      }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: [...outputShape],
  };
}
