// ONNX node → IR node, one converter per supported op type (opsets 11–21). The op families'
// converters are in ./onnx-*.ts (see ir/graph.ts AttrsByOp); the ones here are the original core set.

import { tensor, type Tensor } from '../ir/tensor.ts';
import { axesAsInput, floatScalarInput, legacyBinary, node, noAttrs, simple, singleOutput, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';
import { controlConverters } from './onnx-control.ts';
import { elementwiseConverters } from './onnx-elementwise.ts';
import { indexingConverters } from './onnx-indexing.ts';
import { recurrentConverters } from './onnx-recurrent.ts';
import { reduceConverters } from './onnx-reduce.ts';
import { quantizeConverters } from './onnx-quantize.ts';
import { signalConverters } from './onnx-signal.ts';
import { spatialConverters } from './onnx-spatial.ts';

export { UnsupportedUse, type ConvertContext } from './onnx-convert.ts';

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

const binaryOp = (op: 'Add' | 'Sub' | 'Mul' | 'Div'): Converter => (c) => legacyBinary(c, op);

export const onnxConverters: Record<string, Converter> = {
  BatchNormalization: (c) => {
    if (c.attrs.int('training_mode', 0) !== 0) throw new UnsupportedUse('training_mode=1');
    // Before opset 9, spatial=0 meant a mean and variance per element rather than per channel.
    if (c.opset < 9 && c.attrs.int('spatial', 1) !== 1) throw new UnsupportedUse('spatial=0 (statistics per element)');
    singleOutput(c, 'running mean/var');
    return node(c, 'BatchNormalization', { epsilon: c.attrs.float('epsilon', 1e-5) });
  },
  Relu: simple('Relu'),
  LeakyRelu: (c) => node(c, 'LeakyRelu', { alpha: c.attrs.float('alpha', 0.01) }),
  Sigmoid: simple('Sigmoid'),
  HardSigmoid: (c) => node(c, 'HardSigmoid', { alpha: c.attrs.float('alpha', 0.2), beta: c.attrs.float('beta', 0.5) }),
  HardSwish: simple('HardSwish'),
  Clip: (c) => {
    if (c.opset >= 11) return node(c, 'Clip', noAttrs);
    // Before opset 11 the bounds were attributes; infinite defaults keep the input 1 and 2 form.
    const min = floatScalarInput(c, 'min', c.attrs.float('min', -Infinity));
    const max = floatScalarInput(c, 'max', c.attrs.float('max', Infinity));
    return node(c, 'Clip', noAttrs, [c.proto.input[0]!, min, max]);
  },
  Add: binaryOp('Add'),
  Sub: binaryOp('Sub'),
  Mul: binaryOp('Mul'),
  Div: binaryOp('Div'),
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
  Reshape: (c) => {
    const allowZero = c.attrs.int('allowzero', 0) === 1;
    // Before opset 5 the target shape was an attribute.
    const shape = c.opset < 5 ? c.attrs.ints('shape') : undefined;
    if (!shape) return node(c, 'Reshape', { allowZero });
    return node(c, 'Reshape', { allowZero }, [c.proto.input[0]!, c.constant('shape', tensor('int64', [shape.length], shape))]);
  },
  Transpose: (c) => node(c, 'Transpose', { perm: c.attrs.ints('perm') ?? null }),
  // Before opset 4, axis was optional and defaulted to 1.
  Concat: (c) => node(c, 'Concat', { axis: c.attrs.int('axis', c.opset < 4 ? 1 : 0) }),
  Softmax: (c) =>
    c.opset >= 13
      ? node(c, 'Softmax', { axis: c.attrs.int('axis', -1), coerce2d: false })
      : node(c, 'Softmax', { axis: c.attrs.int('axis', 1), coerce2d: true }),
  Identity: simple('Identity'),
  Dropout: (c) => {
    const trainingMode = c.proto.input[2];
    if (trainingMode && c.constantInput(2)?.data[0] !== 0) throw new UnsupportedUse('training_mode that is not a constant false');
    const [x, [y, mask]] = [c.proto.input[0]!, c.proto.output as [string, string | undefined]];
    const dropout = node(c, 'Dropout', noAttrs, [x], [y]);
    if (!mask) return dropout;
    // In inference nothing is dropped: the mask is all true (bool from opset 10, the input's type before).
    const shape = `${c.name}/mask_shape`;
    return [
      ...dropout,
      { op: 'Shape', name: `${c.name}/shape`, inputs: [x], outputs: [shape], attrs: { start: 0, end: null } },
      { op: 'ConstantOfShape', name: `${c.name}/mask`, inputs: [shape], outputs: [mask], attrs: { value: 1, dtype: c.opset >= 10 ? 'bool' : 'float32' } },
    ];
  },
  Constant: (c) => {
    if (c.proto.output.length !== 1) throw new UnsupportedUse('a Constant without exactly one output');
    return { constants: { [c.proto.output[0]!]: constantValue(c) } };
  },
  Pad: (c) => {
    const mode = c.attrs.string('mode', 'constant');
    if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') throw new UnsupportedUse(`mode "${mode}"`);
    if (c.opset >= 11) return node(c, 'Pad', { mode });
    // Before opset 11, pads (opset 1: paddings) and the fill value were attributes.
    const pads = c.attrs.ints('pads') ?? c.attrs.ints('paddings');
    if (!pads) throw new UnsupportedUse('no pads attribute');
    const padsInput = c.constant('pads', tensor('int64', [pads.length], pads));
    return node(c, 'Pad', { mode }, [c.proto.input[0]!, padsInput, floatScalarInput(c, 'value', c.attrs.float('value', 0))]);
  },
  Squeeze: (c) => node(c, 'Squeeze', noAttrs, axesAsInput(c)),
  Unsqueeze: (c) => node(c, 'Unsqueeze', noAttrs, axesAsInput(c)),
  Shape: (c) => node(c, 'Shape', { start: c.attrs.int('start', 0), end: c.attrs.has('end') ? c.attrs.int('end', 0) : null }),
  Gather: (c) => node(c, 'Gather', { axis: c.attrs.int('axis', 0) }),
  ...spatialConverters,
  ...elementwiseConverters,
  ...reduceConverters,
  ...indexingConverters,
  ...recurrentConverters,
  ...controlConverters,
  ...signalConverters,
  ...quantizeConverters,
};
