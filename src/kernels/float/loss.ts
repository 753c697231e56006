// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss on float32 (loss_f32, after softmax_f32's
// LogSoftmax over the classes for the latter, into its log_prob output or a temporary). The
// targets must be constants (fixedInputs makes an int64 target input one): each becomes its
// class index, −1 where ignored; the weights may be an activation or a constant.

import type { Node } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import type { KernelSpec } from '../spec.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { operandBinding } from './common.ts';
import type { TempTensor } from './elementwise.ts';
import { SOFTMAX_MODES } from './reduce.ts';

const MODES = { none: 0, sum: 1, mean: 2 } as const;

export function lossF32Kernels(
  node: Extract<Node, { op: 'NegativeLogLikelihoodLoss' | 'SoftmaxCrossEntropyLoss' }>,
  shapes: readonly (readonly number[] | undefined)[],
  constants: ReadonlyMap<string, Tensor>,
  read: (name: string) => boolean,
): { specs: KernelSpec[]; outputShape: number[]; outputShapes: number[][]; temps: TempTensor[] } {
  const x = shapes[0]!;
  if (x.length < 2) throw new RangeError(`scores of rank ${x.length}: need [N, C, d1..dk]`);
  const target = constants.get(node.inputs[1] ?? '');
  if (!target) throw new RangeError(`its target input "${node.inputs[1]}" is not a constant (fix the graph input it comes from)`);
  const [n, c] = x as [number, number];
  const inner = sizeOf(x.slice(2));
  if (target.data.length !== n * inner) throw new RangeError(`target [${target.shape}] does not match scores [${x}]`);
  const classes = Int32Array.from(target.data, (v) => {
    if (v === node.attrs.ignoreIndex) return -1;
    if (!(v >= 0 && v < c)) throw new RangeError(`target ${v} out of range for ${c} classes`);
    return v;
  });
  const hasWeight = (node.inputs[2] ?? '') !== '';
  const specs: KernelSpec[] = [];
  const temps: TempTensor[] = [];
  const outputShapes: number[][] = [node.attrs.reduction === 'none' ? [...target.shape] : []];
  let scores = node.inputs[0]!;
  if (node.op === 'SoftmaxCrossEntropyLoss') {
    const logProb = node.outputs[1] && node.outputs[1] !== '' && read(node.outputs[1]) ? node.outputs[1] : `${node.outputs[0]}#logprob`;
    if (logProb === node.outputs[1]) outputShapes.push([...x]);
    else temps.push({ name: logProb, shape: [...x] });
    const { workgroups, width } = dispatchFor(n * inner);
    specs.push({
      label: `${node.name}#logsoftmax`,
      shader: 'softmax_f32',
      constants: { WORKGROUP_SIZE, MODE: SOFTMAX_MODES.LogSoftmax },
      uniforms: uniformStruct({ outer: n, len: c, inner, dispatch_width: width }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: logProb, write: true }],
      workgroups,
    });
    scores = logProb;
  }
  const mode = MODES[node.attrs.reduction];
  const { workgroups, width } = dispatchFor(mode === 0 ? classes.length : 1);
  specs.push({
    label: node.name,
    shader: 'loss_f32',
    constants: { WORKGROUP_SIZE, MODE: mode, HAS_WEIGHT: hasWeight ? 1 : 0 },
    uniforms: uniformStruct({ count: classes.length, classes: c, inner, dispatch_width: width }),
    storage: [
      { tensor: scores },
      { data: classes, label: `${node.name}/classes` },
      hasWeight ? operandBinding(node, 2, constants) : { data: new Float32Array(1), label: `${node.name}/no-weight` },
      { tensor: node.outputs[0]!, write: true },
    ],
    workgroups,
  });
  return { specs, outputShape: outputShapes[0]!, outputShapes, temps };
}
