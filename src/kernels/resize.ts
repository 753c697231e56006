// A nearest Resize on int8 data (a LayoutStep whose node is a Resize, (Q18)) → the resize_int8
// kernel (shaders/resize_int8.wgsl): whole packed rows moved by per-axis index tables, which the
// float reference computes (nearestSourceIndices), so the GPU reads the elements it does.

import type { Tensor } from '../ir/tensor.ts';
import type { LayoutStep } from '../quant/program.ts';
import { nearestSourceIndices } from '../ref/float/resample.ts';
import type { PlannedKernel } from './conv.ts';
import { wordsFor } from './pack.ts';
import { channelsOf, innermostFirst, rowsOf } from './packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE } from './spec.ts';
import { uniformStruct } from './uniforms.ts';

/**
 * Uniforms (28 words): output rows, ceil(C/4), dispatch width, leading rank | leading output dims
 * ×8 | each leading axis' input row stride ×8 | each leading axis' table offset ×8 (innermost
 * first). Storage: the index tables of the leading axes, concatenated (u32).
 */
export function resizeKernel(step: LayoutStep, inputShape: readonly number[], outputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  const node = step.node;
  if (node.op !== 'Resize') throw new RangeError(`resizeKernel: step "${step.name}" is a ${node.op}, not a Resize`);
  const what = `Resize "${step.name}"`;
  const values = (i: number) => {
    const name = node.inputs[i];
    if (!name) return undefined;
    const t = constants.get(name);
    if (!t) throw new RangeError(`${what}: input ${i} ("${name}") must be a constant`);
    return Array.from(t.data);
  };
  const tables = nearestSourceIndices(inputShape, { roi: values(1), scales: values(2), sizes: values(3) }, node.attrs);
  const lead = outputShape.slice(0, -1);
  if (tables.at(-1)!.length !== inputShape.at(-1) || tables.at(-1)!.some((v, i) => v !== i)) {
    throw new RangeError(`${what}: it resizes the last (packed) axis, which the int8 kernel moves as whole rows`);
  }
  const inLead = inputShape.slice(0, -1);
  const rowStrides = inLead.map((_, i) => inLead.slice(i + 1).reduce((a, b) => a * b, 1));
  const offsets = lead.map((_, i) => tables.slice(0, i).reduce((sum, t) => sum + t.length, 0));
  const words = wordsFor(channelsOf(outputShape));
  const rows = rowsOf(outputShape);
  const { workgroups, width } = dispatchFor(rows * words);
  return {
    spec: {
      label: step.name,
      shader: 'resize_int8',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({
        rows, words, dispatch_width: width, lead_rank: lead.length,
        out_shape: innermostFirst(lead, 1, what),
        in_row_strides: innermostFirst(rowStrides, 0, what),
        table_offsets: innermostFirst(offsets, 0, what),
      }),
      // (A resize of nothing but a rank-1 tensor has no leading axis: one unused entry keeps the binding valid.)
      storage: [{ tensor: node.inputs[0]! }, { data: Uint32Array.from(lead.length > 0 ? tables.slice(0, -1).flatMap((t) => Array.from(t)) : [0]), label: `${step.name}/indices` }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: [...outputShape],
  };
}
