// Concat of float32 tensors along any axis → one concat_f32 dispatch per (non-empty) input, each
// copying its input into its region of the output. Constant inputs are uploaded as data.

import type { NodeOf } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { formatShape, operandBinding } from './common.ts';

/**
 * Uniforms of each dispatch (8 words): input elements, input elements per outer row (chunk),
 * output elements per outer row, element offset of this input in a row | dispatch width, 0, 0, 0.
 */
export function concatF32Kernels(node: NodeOf<'Concat'>, inputShapes: readonly (readonly number[])[], constants: ReadonlyMap<string, Tensor>): { specs: KernelSpec[]; outputShape: number[] } {
  const first = inputShapes[0];
  if (!first || first.length === 0) throw new RangeError('Concat needs inputs of rank ≥ 1');
  const rank = first.length;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
  if (axis < 0 || axis >= rank) throw new RangeError(`axis ${node.attrs.axis} is out of range for rank ${rank}`);
  for (const s of inputShapes) {
    if (s.length !== rank || s.some((d, i) => i !== axis && d !== first[i])) {
      throw new RangeError(`inputs ${inputShapes.map(formatShape).join(', ')} differ off axis ${axis}`);
    }
  }
  const inner = sizeOf(first.slice(axis + 1));
  const total = inputShapes.reduce((s, shape) => s + shape[axis]!, 0);
  const outputShape = [...first];
  outputShape[axis] = total;
  const specs: KernelSpec[] = [];
  let offset = 0;
  inputShapes.forEach((shape, i) => {
    const chunk = shape[axis]! * inner;
    const count = sizeOf(shape);
    const at = offset;
    offset += chunk;
    if (count === 0) return;
    const { workgroups, width } = dispatchFor(count);
    specs.push({
      label: `${node.name}/${i}`,
      shader: 'concat_f32',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ total: count, chunk, out_row: total * inner, offset: at, dispatch_width: width, _pad0: 0, _pad1: 0, _pad2: 0 }),
      storage: [operandBinding(node, i, constants), { tensor: node.outputs[0]!, write: true }],
      workgroups,
    });
  });
  return { specs, outputShape };
}
