// What a float reference kernel is: a pure function of its inputs and the node's attributes.

import type { AttrsByOp, OpType } from '../../ir/graph.ts';
import { scalarValues, type Tensor } from '../../ir/tensor.ts';

/** Inputs in node order; `undefined` where an optional input was omitted. */
export type Inputs = (Tensor | undefined)[];
export type Kernel<Op extends OpType> = (inputs: Inputs, attrs: AttrsByOp[Op]) => Tensor[];
/** An op family's kernels: the compiler requires one for each of its ops. */
export type Kernels<Ops extends OpType> = { [Op in Ops]: Kernel<Op> };

export const need = (inputs: Inputs, i: number): Tensor => {
  const t = inputs[i];
  if (!t) throw new RangeError(`input ${i} is required`);
  return t;
};

/** An optional input's values, undefined when it is omitted. */
export const values = (t: Tensor | undefined): number[] | undefined => (t ? scalarValues(t) : undefined);
