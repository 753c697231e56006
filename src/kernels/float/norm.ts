// LayerNormalization (with its optional Mean and InvStdDev outputs), InstanceNormalization and
// GroupNormalization on float32 (norm_f32): statistics per run of consecutive elements, scale
// and bias (activations or constants) at (i / div) % modulus for element i.

import type { Node } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import type { KernelSpec } from '../spec.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { floatBits, operandBinding } from './common.ts';

export type NormOpType = 'LayerNormalization' | 'InstanceNormalization' | 'GroupNormalization';

/**
 * Uniforms (8 words): groups, len, dispatch width, epsilon (f32 bits) | div, modulus, 0, 0.
 * Overrides OUT (0 y, 1 mean, 2 inverse std dev) and HAS_BIAS. One spec per output written.
 */
export function normF32Kernels(
  node: Extract<Node, { op: NormOpType }>,
  shapes: readonly (readonly number[] | undefined)[],
  constants: ReadonlyMap<string, Tensor>,
): { specs: KernelSpec[]; outputShape: number[]; outputShapes: number[][] } {
  const x = shapes[0]!;
  const rank = x.length;
  const scaleShape = shapes[1];
  if (!scaleShape) throw new RangeError('its scale input is required');
  const scaleSize = sizeOf(scaleShape);
  const biasShape = shapes[2];
  let groups: number;
  let div: number;
  let modulus: number;
  let statShape: number[] = [];
  const [n = 1, channels = 1] = x;
  const spatial = sizeOf(x.slice(2));
  if (node.op === 'LayerNormalization') {
    const axis = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
    if (axis < 0 || axis >= rank) throw new RangeError(`axis ${node.attrs.axis} is out of range for rank ${rank}`);
    groups = sizeOf(x.slice(0, axis));
    const len = sizeOf(x.slice(axis));
    // Scale and bias cover the normalized dims whole (or are one value): element i reads i % len.
    for (const s of [scaleShape, biasShape]) {
      if (s && sizeOf(s) !== 1 && (sizeOf(s) !== len || s.join() !== x.slice(rank - s.length).join() || s.length > rank - axis)) {
        throw new RangeError(`a scale or bias of shape [${s}] that broadcasts partially over [${x.slice(axis)}]`);
      }
    }
    if (biasShape && sizeOf(biasShape) !== scaleSize) throw new RangeError(`scale [${scaleShape}] and bias [${biasShape}] differ in size`);
    div = 1;
    modulus = scaleSize;
    statShape = x.map((d, i) => (i < axis ? d : 1));
  } else if (node.op === 'InstanceNormalization') {
    groups = n * channels;
    div = spatial;
    modulus = channels;
    if (scaleSize !== channels || (biasShape && sizeOf(biasShape) !== channels)) throw new RangeError(`scale and bias must hold ${channels} values`);
  } else {
    const g = node.attrs.numGroups;
    if (channels % g !== 0) throw new RangeError(`${channels} channels do not split into ${g} groups`);
    groups = n * g;
    const perChannel = node.attrs.affinePer === 'channel';
    div = perChannel ? spatial : (channels / g) * spatial;
    modulus = perChannel ? channels : g;
    if (scaleSize !== modulus || (biasShape && sizeOf(biasShape) !== modulus)) throw new RangeError(`scale and bias must hold ${modulus} values`);
  }
  const len = sizeOf(x) / Math.max(groups, 1);
  if (len === 0 || groups === 0) throw new RangeError('it normalizes an empty tensor');
  const hasBias = node.inputs[2] !== undefined && node.inputs[2] !== '';
  const { workgroups, width } = dispatchFor(groups);
  const storage = (out: string) => [
    operandBinding(node, 0, constants),
    operandBinding(node, 1, constants),
    hasBias ? operandBinding(node, 2, constants) : { data: new Float32Array(1), label: `${node.name}/no-bias` },
    { tensor: out, write: true },
  ];
  const spec = (out: string, which: number): KernelSpec => ({
    label: which === 0 ? node.name : `${node.name}#${which === 1 ? 'mean' : 'invstddev'}`,
    shader: 'norm_f32',
    constants: { WORKGROUP_SIZE, OUT: which, HAS_BIAS: hasBias ? 1 : 0 },
    uniforms: uniformStruct({ groups, len, dispatch_width: width, epsilon: floatBits(node.attrs.epsilon), div, modulus, _pad0: 0, _pad1: 0 }),
    storage: storage(out),
    workgroups,
  });
  const specs = [spec(node.outputs[0]!, 0)];
  const outputShapes = [[...x]];
  node.outputs.slice(1).forEach((o, i) => {
    if (node.op !== 'LayerNormalization') throw new RangeError(`its output ${i + 1}`);
    outputShapes.push(statShape);
    if (o !== '') specs.push(spec(o, i + 1));
  });
  return { specs, outputShape: [...x], outputShapes };
}
