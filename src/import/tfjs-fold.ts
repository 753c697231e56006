// Ops that TF.js graphs use to compute shapes (Shape → StridedSlice → Pack → Reshape). The IR has
// no such ops: the importer evaluates them once the shapes are static, and a use that is not
// constant at import is reported as unsupported.

import { tensor, type Tensor } from '../ir/tensor.ts';
import { UnsupportedTfUse } from './tfjs-attrs.ts';
import type { TfContext } from './tfjs-ops.ts';

type Evaluator = (c: TfContext) => Tensor;

function constantInput(c: TfContext, i: number): Tensor {
  const t = c.constant(i);
  if (!t) throw new UnsupportedTfUse(`input ${i} is computed at run time (only shape arithmetic on constants is supported)`);
  return t;
}

const shape: Evaluator = (c) => {
  const s = c.shape(0);
  if (!s || !s.every((d): d is number => typeof d === 'number')) throw new UnsupportedTfUse(`the shape of "${c.inputs[0]}" is not static`);
  return tensor('int32', [s.length], s);
};

/** StridedSlice of a 1-D constant (the shape vectors these chains slice). */
const stridedSlice: Evaluator = (c) => {
  const x = constantInput(c, 0);
  const [begin, end, strides] = [1, 2, 3].map((i) => constantInput(c, i).data[0]!) as [number, number, number];
  const a = c.attrs;
  if (x.shape.length !== 1 || a.int('ellipsis_mask', 0) || a.int('new_axis_mask', 0)) {
    throw new UnsupportedTfUse('a StridedSlice other than of a 1-D constant without ellipsis or new axes');
  }
  const n = x.shape[0]!;
  const norm = (i: number) => (i < 0 ? i + n : i);
  const from = a.int('begin_mask', 0) & 1 ? (strides > 0 ? 0 : n - 1) : norm(begin);
  if (a.int('shrink_axis_mask', 0) & 1) return tensor(x.dtype, [], [x.data[from]!]);
  const to = a.int('end_mask', 0) & 1 ? (strides > 0 ? n : -1) : norm(end);
  const values: number[] = [];
  for (let i = from; strides > 0 ? i < Math.min(to, n) : i > Math.max(to, -1); i += strides) values.push(x.data[i]!);
  return tensor(x.dtype, [values.length], values);
};

/** Pack along axis 0 (stacking scalars or equal-shaped vectors). */
const pack: Evaluator = (c) => {
  const parts = c.inputs.map((_, i) => constantInput(c, i));
  const first = parts[0]!;
  if (c.attrs.int('axis', 0) !== 0 || parts.some((p) => p.shape.join() !== first.shape.join())) {
    throw new UnsupportedTfUse('a Pack other than along axis 0 of equal shapes');
  }
  return tensor(first.dtype, [parts.length, ...first.shape], parts.flatMap((p) => Array.from(p.data)));
};

const CASTS: Record<string, 'int32' | 'float32'> = { DT_INT32: 'int32', DT_FLOAT: 'float32' };

const cast: Evaluator = (c) => {
  const x = constantInput(c, 0);
  const to = CASTS[c.attrs.type('DstT') ?? ''];
  if (!to) throw new UnsupportedTfUse(`a cast to ${c.attrs.type('DstT')}`);
  return tensor(to, x.shape, to === 'int32' ? Array.from(x.data, Math.trunc) : x.data);
};

export const tfjsEvaluators: Record<string, Evaluator> = {
  Shape: shape,
  StridedSlice: stridedSlice,
  Pack: pack,
  Cast: cast,
};
