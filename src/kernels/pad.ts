// A constant Pad on int8 data (a LayoutStep whose node is a Pad, (Q18)) → the pad_int8 kernel
// (shaders/pad_int8.wgsl). The fill is the node's value input, already quantized by the quantizer.

import type { NodeOf } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import type { LayoutStep } from '../quant/program.ts';
import type { PlannedKernel } from './conv.ts';
import { wordsFor } from './pack.ts';
import { channelsOf, innermostFirst, rowsOf } from './packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE } from './spec.ts';
import { uniformStruct } from './uniforms.ts';

/** The leading pad of every axis, from ONNX's [begins of `axes`..., ends...] form. */
function leadingPads(pads: readonly number[], rank: number, axes: readonly number[] | undefined): number[] {
  const padded = axes?.map((a) => (a < 0 ? a + rank : a)) ?? Array.from({ length: rank }, (_, i) => i);
  const before = new Array<number>(rank).fill(0);
  padded.forEach((axis, i) => (before[axis] = pads[i]!));
  return before;
}

/** A constant Pad's leading pad per axis and its fill value, from its constant inputs. */
export function padGeometry(node: NodeOf<'Pad'>, rank: number, constants: ReadonlyMap<string, Tensor>): { before: number[]; fill: number } {
  const constant = (i: number) => (node.inputs[i] ? constants.get(node.inputs[i]!) : undefined);
  const pads = constant(1);
  if (!pads) throw new RangeError(`Pad "${node.name}": its pads are not a constant`);
  const axes = constant(3);
  return { before: leadingPads(Array.from(pads.data), rank, axes ? Array.from(axes.data) : undefined), fill: constant(2)?.data[0] ?? 0 };
}

/**
 * Uniforms (32 words): rows, C_out, ceil(C_out/4), dispatch width | C_in, ceil(C_in/4), rank, fill |
 * output dims ×8 | input dims ×8 | leading pad of each axis ×8 (all innermost first).
 */
export function padKernel(step: LayoutStep, inputShape: readonly number[], outputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  const node = step.node;
  if (node.op !== 'Pad' || node.attrs.mode !== 'constant') throw new RangeError(`padKernel: step "${step.name}" is not a constant Pad`);
  const { before, fill } = padGeometry(node, inputShape.length, constants);
  const what = `Pad "${step.name}"`;
  const outChannels = channelsOf(outputShape);
  const inChannels = channelsOf(inputShape);
  const rows = rowsOf(outputShape);
  const outWords = wordsFor(outChannels);
  const { workgroups, width } = dispatchFor(rows * outWords);
  return {
    spec: {
      label: step.name,
      shader: 'pad_int8',
      constants: { WORKGROUP_SIZE, ALIGNED: (before[before.length - 1] ?? 0) % 4 === 0 ? 1 : 0 },
      uniforms: uniformStruct({
        rows, out_channels: outChannels, out_words: outWords, dispatch_width: width,
        in_channels: inChannels, in_words: wordsFor(inChannels), rank: inputShape.length, fill,
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
