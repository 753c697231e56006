// TF.js graph node → IR nodes, NHWC throughout: TF's spatial ops become NHWC Conv/pools with
// [Cout, kh, kw, Cin/group] weights, the layout the int8 path runs, so no transposes appear.
// Fused forms (_FusedConv2D, FusedDepthwiseConv2dNative, _FusedMatMul) split into the IR's Conv /
// Gemm with the bias as input and Relu/Relu6 as the node's clamp; a fused batch norm is folded
// into the weights here, where its four constants are at hand.

import type { AutoPad, Clamp, Dim, Node, OpType } from '../ir/graph.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import { TfAttrs, UnsupportedTfUse } from './tfjs-attrs.ts';
import type { TfNode } from './tfjs-model.ts';

export interface TfContext {
  node: TfNode;
  name: string;
  attrs: TfAttrs;
  /** IR tensor names of the data inputs (control inputs dropped). */
  inputs: string[];
  /** The value of input i when it is a constant. */
  constant(i: number): Tensor | undefined;
  /** The static shape of input i, when known. */
  shape(i: number): Dim[] | undefined;
  /** Registers a constant tensor and returns its name. */
  addConstant(suffix: string, value: Tensor): string;
}

export type TfConverter = (c: TfContext) => Node[];

const noAttrs = {} as Record<string, never>;

function node<Op extends OpType>(op: Op, name: string, inputs: string[], output: string, attrs: Node['attrs']): Node {
  return { op, name, inputs, outputs: [output], attrs } as Node;
}

function need(c: TfContext, i: number, what: string): Tensor {
  const t = c.constant(i);
  if (!t) throw new UnsupportedTfUse(`a ${what} (input ${i}) that is not a constant`);
  return t;
}

const ints = (t: Tensor): number[] => Array.from(t.data, Number);
const i64 = (values: number[]): Tensor => tensor('int64', [values.length], values);

function padding(c: TfContext): { autoPad: AutoPad; pads: [number, number, number, number] } {
  const p = c.attrs.string('padding', 'VALID');
  if (p === 'SAME') return { autoPad: 'SAME_UPPER', pads: [0, 0, 0, 0] };
  if (p === 'VALID') return { autoPad: 'VALID', pads: [0, 0, 0, 0] };
  if (p === 'EXPLICIT') {
    const e = c.attrs.ints('explicit_paddings') ?? [];
    if (e.length !== 8 || e[0] || e[1] || e[6] || e[7]) throw new UnsupportedTfUse(`explicit_paddings [${e}] (only spatial padding is supported)`);
    return { autoPad: 'NOTSET', pads: [e[2]!, e[4]!, e[3]!, e[5]!] };
  }
  throw new UnsupportedTfUse(`padding "${p}"`);
}

/** HWIO (Conv2D) or HWCM (depthwise, channel multiplier M) → OHWI with O = C·M for depthwise. */
function filterToOhwi(filter: Tensor, depthwise: boolean): Tensor {
  if (filter.shape.length !== 4) throw new UnsupportedTfUse(`a ${filter.shape.length}-D filter`);
  const [kh, kw, cin, m] = filter.shape as [number, number, number, number];
  const out = tensor('float32', depthwise ? [cin * m, kh, kw, 1] : [m, kh, kw, cin]);
  const src = filter.data;
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cin; i++) {
        for (let o = 0; o < m; o++) {
          const from = ((y * kw + x) * cin + i) * m + o;
          const to = depthwise ? ((i * m + o) * kh + y) * kw + x : ((o * kh + y) * kw + x) * cin + i;
          out.data[to] = src[from]!;
        }
      }
    }
  }
  return out;
}

const CLAMPS: Record<string, Clamp> = { Relu: { min: 0, max: Infinity }, Relu6: { min: 0, max: 6 } };

interface Epilogue {
  bias?: Float64Array;
  /** Per-output-channel factor from a folded batch norm. */
  scale?: Float64Array;
  clamp: Clamp | null;
}

/** Reads `fused_ops` (BiasAdd or FusedBatchNorm, then at most one activation) and their arguments. */
function epilogue(c: TfContext, channels: number, firstArg: number): Epilogue {
  const ops = c.attrs.strings('fused_ops');
  const arg = (k: number, what: string): Float64Array => {
    const t = need(c, firstArg + k, what);
    if (t.data.length !== channels) throw new UnsupportedTfUse(`a ${what} of ${t.data.length} values for ${channels} channels`);
    return Float64Array.from(t.data);
  };
  const result: Epilogue = { clamp: null };
  let rest = ops;
  if (ops[0] === 'BiasAdd') {
    result.bias = arg(0, 'bias');
    rest = ops.slice(1);
  } else if (ops[0] === 'FusedBatchNorm') {
    const [scale, offset, mean, variance] = [arg(0, 'scale'), arg(1, 'offset'), arg(2, 'mean'), arg(3, 'variance')];
    const epsilon = c.attrs.float('epsilon', 1e-3);
    result.scale = scale.map((g, i) => g / Math.sqrt(variance[i]! + epsilon));
    result.bias = offset.map((b, i) => b - mean[i]! * result.scale![i]!);
    rest = ops.slice(1);
  }
  if (rest.length > 1 || (rest.length === 1 && !CLAMPS[rest[0]!])) throw new UnsupportedTfUse(`fused_ops [${ops.join(', ')}]`);
  result.clamp = rest.length === 1 ? CLAMPS[rest[0]!]! : null;
  return result;
}

function conv(depthwise: boolean, fused: boolean): TfConverter {
  return (c) => {
    c.attrs.requireNhwc();
    const filter = need(c, 1, 'filter');
    const weights = filterToOhwi(filter, depthwise);
    const channels = weights.shape[0]!;
    const e = fused ? epilogue(c, channels, 2) : { clamp: null };
    const perChannel = weights.data.length / channels;
    if (e.scale) for (let i = 0; i < weights.data.length; i++) weights.data[i]! *= e.scale[Math.floor(i / perChannel)]!;
    const inputs = [c.inputs[0]!, c.addConstant('weights:ohwi', weights)];
    if (e.bias) inputs.push(c.addConstant('bias', tensor('float32', [channels], e.bias)));
    const { autoPad, pads } = padding(c);
    const attrs = {
      strides: c.attrs.spatial('strides', 1),
      dilations: c.attrs.spatial('dilations', 1),
      pads,
      autoPad,
      group: depthwise ? filter.shape[2]! : 1,
      layout: 'NHWC' as const,
      clamp: e.clamp,
    };
    return [node('Conv', c.name, inputs, c.name, attrs)];
  };
}

function matmul(fused: boolean): TfConverter {
  return (c) => {
    const transA = c.attrs.bool('transpose_a', false);
    const transB = c.attrs.bool('transpose_b', false);
    const b = c.constant(1);
    if (!fused && !transA && !transB) return [node('MatMul', c.name, c.inputs.slice(0, 2), c.name, noAttrs)];
    if (!b || b.shape.length !== 2) throw new UnsupportedTfUse('a transposed or fused MatMul whose second operand is not a constant matrix');
    const e = fused ? epilogue(c, b.shape[transB ? 0 : 1]!, 2) : { clamp: null };
    if ('scale' in e && e.scale) throw new UnsupportedTfUse('a batch norm fused into MatMul');
    const inputs = c.inputs.slice(0, 2);
    if (e.bias) inputs.push(c.addConstant('bias', tensor('float32', [e.bias.length], e.bias)));
    return [node('Gemm', c.name, inputs, c.name, { transA, transB, alpha: 1, beta: 1, clamp: e.clamp })];
  };
}

function pool(op: 'MaxPool' | 'AveragePool'): TfConverter {
  return (c) => {
    c.attrs.requireNhwc();
    const base = { kernel: c.attrs.spatial('ksize', 1), strides: c.attrs.spatial('strides', 1), dilations: [1, 1] as [number, number], ceilMode: false, layout: 'NHWC' as const, ...padding(c) };
    // TF's average pool divides by the number of input pixels under the window, padding excluded.
    const attrs = op === 'AveragePool' ? { ...base, countIncludePad: false } : base;
    return [node(op, c.name, [c.inputs[0]!], c.name, attrs)];
  };
}

const simple = (op: OpType): TfConverter => (c) => [node(op, c.name, c.inputs, c.name, noAttrs)];

function binary(op: 'Add' | 'Sub' | 'Mul' | 'Div'): TfConverter {
  return (c) => {
    if (c.inputs.length !== 2) throw new UnsupportedTfUse(`${c.inputs.length} inputs`);
    return [node(op, c.name, c.inputs, c.name, noAttrs)];
  };
}

/** Global average pooling written as Mean over H and W of an NHWC tensor. */
const mean: TfConverter = (c) => {
  const axes = ints(need(c, 1, 'reduction axes')).map((a) => (a < 0 ? a + 4 : a)).sort();
  if (c.shape(0)?.length !== 4 || axes.join() !== '1,2') throw new UnsupportedTfUse(`reduction axes [${axes}] (only the spatial axes of a 4-D tensor, i.e. global average pooling)`);
  const keep = c.attrs.bool('keep_dims', false);
  const pooled = keep ? c.name : `${c.name}/pool`;
  const nodes = [node('GlobalAveragePool', keep ? c.name : `${c.name}/pool`, [c.inputs[0]!], pooled, { layout: 'NHWC' })];
  if (!keep) nodes.push(node('Squeeze', c.name, [pooled, c.addConstant('axes', i64([1, 2]))], c.name, noAttrs));
  return nodes;
};

const pad: TfConverter = (c) => {
  const paddings = need(c, 1, 'paddings');
  const p = ints(paddings);
  const rank = paddings.shape[0]!;
  if (paddings.shape.length !== 2 || paddings.shape[1] !== 2) throw new UnsupportedTfUse(`paddings of shape [${paddings.shape}]`);
  const onnxPads = [...Array.from({ length: rank }, (_, i) => p[2 * i]!), ...Array.from({ length: rank }, (_, i) => p[2 * i + 1]!)];
  const inputs = [c.inputs[0]!, c.addConstant('pads', i64(onnxPads))];
  if (c.node.op === 'PadV2') inputs.push(c.addConstant('value', tensor('float32', [], [need(c, 2, 'constant value').data[0]!])));
  return [node('Pad', c.name, inputs, c.name, { mode: 'constant' })];
};

const reshape: TfConverter = (c) => [
  // TF's shape has no "0 copies the input dim" rule: a 0 is a zero-sized dim (ONNX allowzero).
  node('Reshape', c.name, [c.inputs[0]!, c.addConstant('shape', i64(ints(need(c, 1, 'shape'))))], c.name, { allowZero: true }),
];

const squeeze: TfConverter = (c) => {
  const axes = c.attrs.ints('squeeze_dims') ?? c.attrs.ints('axis') ?? [];
  const inputs = axes.length > 0 ? [c.inputs[0]!, c.addConstant('axes', i64(axes))] : [c.inputs[0]!];
  return [node('Squeeze', c.name, inputs, c.name, noAttrs)];
};

const concat: TfConverter = (c) => {
  const axis = need(c, c.inputs.length - 1, 'axis').data[0]!;
  return [node('Concat', c.name, c.inputs.slice(0, -1), c.name, { axis })];
};

const relu6: TfConverter = (c) => [
  node('Clip', c.name, [c.inputs[0]!, c.addConstant('min', tensor('float32', [], [0])), c.addConstant('max', tensor('float32', [], [6]))], c.name, noAttrs),
];

const resizeBilinear: TfConverter = (c) => {
  const size = ints(need(c, 1, 'size'));
  const coordinates = c.attrs.bool('align_corners', false) ? 'align_corners' : c.attrs.bool('half_pixel_centers', false) ? 'half_pixel' : 'asymmetric';
  // ONNX Resize's sizes of the NHWC height and width axes.
  const attrs = { mode: 'linear', coordinates, nearest: 'round_prefer_floor', cubicA: -0.75, excludeOutside: false, extrapolation: 0, keepAspect: 'stretch' } as const;
  return [node('Resize', c.name, [c.inputs[0]!, '', '', c.addConstant('size', i64(size))], c.name, { ...attrs, axes: [1, 2] })];
};

const depthToSpace: TfConverter = (c) => {
  c.attrs.requireNhwc();
  return [node('DepthToSpace', c.name, [c.inputs[0]!], c.name, { blocksize: c.attrs.int('block_size', 0), mode: 'DCR', layout: 'NHWC' })];
};

/** A chain of Adds for AddN. */
const addN: TfConverter = (c) => {
  if (c.inputs.length === 1) return [node('Identity', c.name, c.inputs, c.name, noAttrs)];
  const nodes: Node[] = [];
  let sum = c.inputs[0]!;
  c.inputs.slice(1).forEach((x, i) => {
    const out = i === c.inputs.length - 2 ? c.name : `${c.name}/sum${i}`;
    nodes.push(node('Add', out, [sum, x], out, noAttrs));
    sum = out;
  });
  return nodes;
};

export const tfjsConverters: Record<string, TfConverter> = {
  Conv2D: conv(false, false),
  _FusedConv2D: conv(false, true),
  DepthwiseConv2dNative: conv(true, false),
  FusedDepthwiseConv2dNative: conv(true, true),
  MatMul: matmul(false),
  _FusedMatMul: matmul(true),
  MaxPool: pool('MaxPool'),
  AvgPool: pool('AveragePool'),
  Mean: mean,
  BiasAdd: (c) => {
    c.attrs.requireNhwc();
    return binary('Add')(c);
  },
  Add: binary('Add'),
  AddV2: binary('Add'),
  AddN: addN,
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  RealDiv: binary('Div'),
  Relu: simple('Relu'),
  Relu6: relu6,
  Sigmoid: simple('Sigmoid'),
  Softmax: (c) => [node('Softmax', c.name, c.inputs, c.name, { axis: -1, coerce2d: false })],
  Pad: pad,
  PadV2: pad,
  Reshape: reshape,
  Squeeze: squeeze,
  ExpandDims: (c) => [node('Unsqueeze', c.name, [c.inputs[0]!, c.addConstant('axes', i64(ints(need(c, 1, 'axis'))))], c.name, noAttrs)],
  ConcatV2: concat,
  Identity: simple('Identity'),
  StopGradient: simple('Identity'),
  Snapshot: simple('Identity'),
  ResizeBilinear: resizeBilinear,
  DepthToSpace: depthToSpace,
};
