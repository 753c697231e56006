// What an ONNX op converter is, and the helpers the converters share (onnx-ops.ts and the op
// families' onnx-*.ts). A converter sees one NodeProto at the model's opset and yields IR nodes in
// the IR's one form of each op: the older attribute forms of inputs become constant inputs.

import type { AttrsByOp, Dim, Node, OpType } from '../ir/graph.ts';
import type { Branch } from '../ir/ops/control.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import type { OnnxAttrs } from './onnx-attrs.ts';
import type { NodeProto } from './onnx-proto.ts';

export interface ConvertContext {
  proto: NodeProto;
  name: string;
  opset: number;
  attrs: OnnxAttrs;
  /** The value of input i when it is a constant (initializer or Constant node) known at import. */
  constantInput(i: number): Tensor | undefined;
  /** Registers a constant tensor and returns the name to use as an input. */
  constant(suffix: string, value: Tensor): string;
  /** Graph attribute `name` (an If's branch) converted, in the scope of this node. */
  branch(name: string): Branch;
  /** The formal input names of graph attribute `name` (a Loop body's iteration, condition, ...). */
  branchInputs(name: string): string[];
  /** Input i's ONNX element type (TensorProto.DataType) where the model declares it: a graph input, an initializer or a value_info entry. */
  inputType(i: number): number | undefined;
  /** Input i's shape where known at import: a constant's, or a declared graph input / value_info shape. */
  inputShape(i: number): Dim[] | undefined;
}

/** Thrown by a converter when the op is known but this use of it is not. */
export class UnsupportedUse extends Error {}

/** What a converter yields: IR nodes, or constants for nodes (like Constant) that fold away. */
export type Converted = Node[] | { constants: Record<string, Tensor> };

export type Converter = (c: ConvertContext) => Converted;

export function node<Op extends OpType>(c: ConvertContext, op: Op, attrs: AttrsByOp[Op], inputs = c.proto.input, outputs = c.proto.output): Node[] {
  return [{ op, name: c.name, inputs: [...inputs], outputs: [...outputs], attrs } as Node];
}

export const noAttrs = {} as Record<string, never>;
export const simple = (op: OpType): Converter => (c) => node(c, op, noAttrs as never);

export function singleOutput(c: ConvertContext, what: string): void {
  if (c.proto.output.slice(1).some((o) => o !== '')) throw new UnsupportedUse(`the optional ${what} output`);
}

/** The opset < 13 attribute `axes` becomes input 1, the opset 13 form. */
export function axesAsInput(c: ConvertContext): string[] {
  const axes = c.attrs.ints('axes');
  if (c.opset >= 13 || !axes) return c.proto.input;
  return [c.proto.input[0]!, c.constant('axes', tensor('int64', [axes.length], axes))];
}

/**
 * A binary op in the numpy-broadcast form. Before opset 7, broadcasting was off unless
 * `broadcast=1`, and then B's dims were aligned to A's starting at `axis` instead of at the end:
 * B gains trailing 1s (an Unsqueeze, or a reshaped constant) so that numpy's right alignment puts
 * it there. That needs A's and B's ranks, as declared or constant; without them it is refused.
 */
export function legacyBinary<Op extends 'Add' | 'Sub' | 'Mul' | 'Div' | 'Pow' | 'And' | 'Or' | 'Xor' | 'Equal' | 'Less' | 'Greater'>(c: ConvertContext, op: Op): Node[] {
  const [a, b] = c.proto.input as [string, string];
  const plain = () => node(c, op, noAttrs as AttrsByOp[Op]);
  if (c.opset >= 7 || c.attrs.int('broadcast', 0) !== 1 || !c.attrs.has('axis')) return plain();
  const axis = c.attrs.int('axis', 0);
  const rankA = c.inputShape(0)?.length;
  const rankB = c.inputShape(1)?.length;
  if (rankA === undefined || rankB === undefined) {
    throw new UnsupportedUse(`opset ${c.opset} broadcast=1 with axis=${axis} on inputs of undeclared rank`);
  }
  const trailing = rankA - (axis < 0 ? axis + rankA : axis) - rankB;
  if (trailing < 0) throw new UnsupportedUse(`opset ${c.opset} broadcast=1 with axis=${axis}: B of rank ${rankB} does not fit A of rank ${rankA} there`);
  if (trailing === 0) return plain();
  const constantB = c.constantInput(1);
  if (constantB) {
    const reshaped = c.constant('b', { ...constantB, shape: [...constantB.shape, ...new Array<number>(trailing).fill(1)] });
    return node(c, op, noAttrs as AttrsByOp[Op], [a, reshaped]);
  }
  const axes = c.constant('b_axes', tensor('int64', [trailing], Array.from({ length: trailing }, (_, k) => rankB + k)));
  const unsqueezed = `${c.name}/b`;
  return [
    { op: 'Unsqueeze', name: `${c.name}/align_b`, inputs: [b, axes], outputs: [unsqueezed], attrs: noAttrs },
    ...node(c, op, noAttrs as AttrsByOp[Op], [a, unsqueezed]),
  ];
}

/** Before opset 11 (Clip) or 10 (Pad, Slice, ...), values now given as inputs were attributes. */
export function floatScalarInput(c: ConvertContext, suffix: string, value: number): string {
  return c.constant(suffix, tensor('float32', [], [value]));
}
