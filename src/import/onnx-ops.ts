// ONNX node → IR node, one converter per supported op type (opsets 11–21).
// Attributes are resolved to the IR's typed records here; the older attribute forms of inputs
// (Squeeze/Unsqueeze axes before opset 13) become constant inputs so the IR has one form.

import type { AttrsByOp, AutoPad, Node, OpType, PoolAttrs } from '../ir/graph.ts';
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
}

/** Thrown by a converter when the op is known but this use of it is not. */
export class UnsupportedUse extends Error {}

/** What a converter yields: IR nodes, or constants for nodes (like Constant) that fold away. */
export type Converted = Node[] | { constants: Record<string, Tensor> };

type Converter = (c: ConvertContext) => Converted;

function node<Op extends OpType>(c: ConvertContext, op: Op, attrs: AttrsByOp[Op], inputs = c.proto.input, outputs = c.proto.output): Node[] {
  return [{ op, name: c.name, inputs: [...inputs], outputs: [...outputs], attrs } as Node];
}

const noAttrs = {} as Record<string, never>;
const simple = (op: OpType): Converter => (c) => node(c, op, noAttrs as never);

function autoPad(c: ConvertContext): AutoPad {
  const v = c.attrs.string('auto_pad', 'NOTSET');
  if (v === 'NOTSET' || v === 'SAME_UPPER' || v === 'SAME_LOWER' || v === 'VALID') return v;
  throw new UnsupportedUse(`auto_pad "${v}"`);
}

/** Only 2-D windows (4-D NCHW tensors) are supported. */
function spatial2d(kernelRank: number | undefined): void {
  if (kernelRank !== undefined && kernelRank !== 2) throw new UnsupportedUse(`${kernelRank}-D window (only 2-D is supported)`);
}

function windowAttrs(c: ConvertContext) {
  return {
    strides: c.attrs.intsOfLength('strides', 2, 1) as [number, number],
    pads: c.attrs.intsOfLength('pads', 4, 0) as [number, number, number, number],
    autoPad: autoPad(c),
    dilations: c.attrs.intsOfLength('dilations', 2, 1) as [number, number],
    layout: 'NCHW' as const,
  };
}

function poolAttrs(c: ConvertContext): PoolAttrs {
  const kernel = c.attrs.ints('kernel_shape');
  if (!kernel) throw new UnsupportedUse('missing kernel_shape');
  spatial2d(kernel.length);
  return { ...windowAttrs(c), kernel: kernel as [number, number], ceilMode: c.attrs.int('ceil_mode', 0) === 1 };
}

function singleOutput(c: ConvertContext, what: string): void {
  if (c.proto.output.slice(1).some((o) => o !== '')) throw new UnsupportedUse(`the optional ${what} output`);
}

/** The opset < 13 attribute `axes` becomes input 1, the opset 13 form. */
function axesAsInput(c: ConvertContext): string[] {
  const axes = c.attrs.ints('axes');
  if (c.opset >= 13 || !axes) return c.proto.input;
  return [c.proto.input[0]!, c.constant('axes', tensor('int64', [axes.length], axes))];
}

function constantValue(c: ConvertContext): Tensor {
  const a = c.attrs;
  const t = a.tensor('value');
  if (t) return t;
  if (a.has('value_float')) return tensor('float32', [], [a.float('value_float', 0)]);
  if (a.has('value_int')) return tensor('int64', [], [a.int('value_int', 0)]);
  const floats = a.floats('value_floats');
  if (floats) return tensor('float32', [floats.length], floats);
  const ints = a.ints('value_ints');
  if (ints) return tensor('int64', [ints.length], ints);
  throw new UnsupportedUse('a value that is not a dense numeric tensor');
}

export const onnxConverters: Record<string, Converter> = {
  Conv: (c) => {
    spatial2d(c.attrs.ints('kernel_shape')?.length);
    return node(c, 'Conv', { ...windowAttrs(c), group: c.attrs.int('group', 1), clamp: null });
  },
  BatchNormalization: (c) => {
    if (c.attrs.int('training_mode', 0) !== 0) throw new UnsupportedUse('training_mode=1');
    singleOutput(c, 'running mean/var');
    return node(c, 'BatchNormalization', { epsilon: c.attrs.float('epsilon', 1e-5) });
  },
  Relu: simple('Relu'),
  LeakyRelu: (c) => node(c, 'LeakyRelu', { alpha: c.attrs.float('alpha', 0.01) }),
  Sigmoid: simple('Sigmoid'),
  HardSigmoid: (c) => node(c, 'HardSigmoid', { alpha: c.attrs.float('alpha', 0.2), beta: c.attrs.float('beta', 0.5) }),
  HardSwish: simple('HardSwish'),
  Clip: simple('Clip'),
  Add: simple('Add'),
  Sub: simple('Sub'),
  Mul: simple('Mul'),
  Div: simple('Div'),
  MaxPool: (c) => {
    singleOutput(c, 'Indices');
    if (c.attrs.int('storage_order', 0) !== 0) throw new UnsupportedUse('storage_order=1');
    return node(c, 'MaxPool', poolAttrs(c));
  },
  AveragePool: (c) => node(c, 'AveragePool', { ...poolAttrs(c), countIncludePad: c.attrs.int('count_include_pad', 0) === 1 }),
  GlobalAveragePool: (c) => node(c, 'GlobalAveragePool', { layout: 'NCHW' }),
  GlobalMaxPool: (c) => node(c, 'GlobalMaxPool', { layout: 'NCHW' }),
  Gemm: (c) =>
    node(c, 'Gemm', {
      transA: c.attrs.int('transA', 0) === 1,
      transB: c.attrs.int('transB', 0) === 1,
      alpha: c.attrs.float('alpha', 1),
      beta: c.attrs.float('beta', 1),
      clamp: null,
    }),
  MatMul: simple('MatMul'),
  Flatten: (c) => node(c, 'Flatten', { axis: c.attrs.int('axis', 1) }),
  Reshape: (c) => node(c, 'Reshape', { allowZero: c.attrs.int('allowzero', 0) === 1 }),
  Transpose: (c) => node(c, 'Transpose', { perm: c.attrs.ints('perm') ?? null }),
  Concat: (c) => node(c, 'Concat', { axis: c.attrs.int('axis', 0) }),
  Softmax: (c) =>
    c.opset >= 13
      ? node(c, 'Softmax', { axis: c.attrs.int('axis', -1), coerce2d: false })
      : node(c, 'Softmax', { axis: c.attrs.int('axis', 1), coerce2d: true }),
  Identity: simple('Identity'),
  Dropout: (c) => {
    singleOutput(c, 'mask');
    const trainingMode = c.proto.input[2];
    if (trainingMode && c.constantInput(2)?.data[0] !== 0) throw new UnsupportedUse('training_mode that is not a constant false');
    return node(c, 'Dropout', noAttrs, [c.proto.input[0]!]);
  },
  Constant: (c) => {
    if (c.proto.output.length !== 1) throw new UnsupportedUse('a Constant without exactly one output');
    return { constants: { [c.proto.output[0]!]: constantValue(c) } };
  },
  Pad: (c) => {
    const mode = c.attrs.string('mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new UnsupportedUse(`mode "${mode}"`);
    return node(c, 'Pad', { mode });
  },
  Squeeze: (c) => node(c, 'Squeeze', noAttrs, axesAsInput(c)),
  Unsqueeze: (c) => node(c, 'Unsqueeze', noAttrs, axesAsInput(c)),
  Shape: (c) => node(c, 'Shape', { start: c.attrs.int('start', 0), end: c.attrs.has('end') ? c.attrs.int('end', 0) : null }),
  Gather: (c) => node(c, 'Gather', { axis: c.attrs.int('axis', 0) }),
};
