// ir.Graph → ONNX bytes, the inverse of src/import/onnx.ts for NCHW float graphs. Encoded by
// protobufjs's static coders generated from the importer's own schema (src/import/onnx-schema.ts); nothing here is written
// at the wire level. Typed IR attributes become ONNX attributes again; a Conv or Gemm with a fused
// clamp is written as the op followed by Relu or Clip.

import type { Graph, Node, ValueInfo } from '../ir/graph.ts';
import { inferShapes } from '../ir/shapes.ts';
import { tensor, type DType, type Tensor } from '../ir/tensor.ts';
import { ModelProtoCoder } from '../import/onnx-proto.ts';
import { OnnxDataType } from '../import/onnx-schema.ts';

const ModelProto = ModelProtoCoder;

/** The opsets the writer targets: the importer's range. */
export const WRITABLE_OPSETS = { min: 11, max: 21 } as const;

/** The IR version each opset shipped with (onnx/docs/Versioning.md). */
const IR_VERSION: Record<number, number> = { 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

/** AttributeProto.AttributeType */
const AttrType = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7 } as const;

export type OnnxAttribute =
  | { name: string; type: typeof AttrType.FLOAT; f: number }
  | { name: string; type: typeof AttrType.INT; i: number }
  | { name: string; type: typeof AttrType.STRING; s: Uint8Array }
  | { name: string; type: typeof AttrType.INTS; ints: number[] }
  | { name: string; type: typeof AttrType.FLOATS; floats: number[] };

export const intAttr = (name: string, i: number): OnnxAttribute => ({ name, type: AttrType.INT, i });
export const floatAttr = (name: string, f: number): OnnxAttribute => ({ name, type: AttrType.FLOAT, f });
export const intsAttr = (name: string, ints: readonly number[]): OnnxAttribute => ({ name, type: AttrType.INTS, ints: [...ints] });
export const stringAttr = (name: string, s: string): OnnxAttribute => ({ name, type: AttrType.STRING, s: new TextEncoder().encode(s) });

/** One ONNX node, default domain. */
export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

export interface OnnxModelParts {
  name: string;
  opset: number;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  initializers: Map<string, Tensor>;
  nodes: OnnxNode[];
  producer?: string;
}

/** Thrown for a graph (or a use of an op) that has no ONNX form at the requested opset. */
export class OnnxWriteError extends Error {
  override name = 'OnnxWriteError';
}

const DATA_TYPE: Record<DType, number> = {
  float32: OnnxDataType.FLOAT,
  float64: OnnxDataType.DOUBLE,
  int64: OnnxDataType.INT64,
  int32: OnnxDataType.INT32,
  int8: OnnxDataType.INT8,
  uint8: OnnxDataType.UINT8,
  bool: OnnxDataType.BOOL,
};

/** Little-endian raw_data of a tensor (int64 values, held as doubles, are written as 8-byte integers). */
export function rawData(t: Tensor): Uint8Array {
  const n = t.data.length;
  const width = { float32: 4, float64: 8, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1 }[t.dtype];
  const bytes = new Uint8Array(n * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < n; i++) {
    const v = t.data[i]!;
    switch (t.dtype) {
      case 'float32': view.setFloat32(i * 4, v, true); break;
      case 'float64': view.setFloat64(i * 8, v, true); break;
      case 'int64': view.setBigInt64(i * 8, BigInt(v), true); break;
      case 'int32': view.setInt32(i * 4, v, true); break;
      case 'int8': view.setInt8(i, v); break;
      case 'uint8': case 'bool': view.setUint8(i, v); break;
    }
  }
  return bytes;
}

/** An initializer's TensorProto fields: dims, data type and raw little-endian bytes. */
export function tensorProto(name: string, t: Tensor): object {
  return { name, dims: t.shape, dataType: DATA_TYPE[t.dtype], rawData: rawData(t) };
}

function valueInfoProto(v: ValueInfo): object {
  const dim = v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : d === '?' ? {} : { dimParam: d }));
  return { name: v.name, type: { tensorType: { elemType: DATA_TYPE[v.dtype], shape: { dim } } } };
}

export function checkOpset(opset: number): void {
  if (!Number.isInteger(opset) || opset < WRITABLE_OPSETS.min || opset > WRITABLE_OPSETS.max) {
    throw new OnnxWriteError(`cannot write ONNX opset ${opset} (supported: ${WRITABLE_OPSETS.min} to ${WRITABLE_OPSETS.max})`);
  }
}

/** Encodes ONNX nodes and initializers as a ModelProto. */
export function encodeModel(parts: OnnxModelParts): Uint8Array {
  checkOpset(parts.opset);
  const model = {
    irVersion: IR_VERSION[parts.opset]!,
    producerName: parts.producer ?? 'webgpu-int8',
    opsetImport: [{ domain: '', version: parts.opset }],
    graph: {
      name: parts.name,
      node: parts.nodes.map((n) => ({
        opType: n.opType,
        name: n.name,
        domain: '',
        // Omitted optional inputs at the end are dropped; inner ones stay as ''.
        input: trimTrailingEmpty(n.inputs),
        output: n.outputs,
        attribute: n.attributes,
      })),
      input: parts.inputs.map(valueInfoProto),
      output: parts.outputs.map(valueInfoProto),
      initializer: [...parts.initializers].map(([name, t]) => tensorProto(name, t)),
    },
  };
  const err = ModelProto.verify(model);
  if (err) throw new OnnxWriteError(`internal error encoding the ONNX model: ${err}`);
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

function trimTrailingEmpty(inputs: string[]): string[] {
  let end = inputs.length;
  while (end > 0 && inputs[end - 1] === '') end--;
  return inputs.slice(0, end);
}

/** Fresh tensor names that collide with no name of the graph. */
export class NameScope {
  private readonly used: Set<string>;

  constructor(graph: Graph) {
    this.used = new Set([...graph.initializers.keys(), ...graph.inputs.map((i) => i.name), ...graph.outputs.map((o) => o.name)]);
    for (const n of graph.nodes) for (const t of [...n.inputs, ...n.outputs]) this.used.add(t);
  }

  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }
}

/** What a node converter may ask for: new constants, fresh names, input ranks. */
export interface WriteContext {
  opset: number;
  names: NameScope;
  /** Adds a constant initializer under a fresh name derived from `base`; returns the name. */
  constant(base: string, value: Tensor): string;
  /** A constant initializer of the graph being written, if `name` is one. */
  initializer(name: string): Tensor | undefined;
  /** The rank of a tensor, when shape inference knows it. */
  rank(name: string): number | undefined;
}

const fail = (node: Node, why: string): never => {
  throw new OnnxWriteError(`cannot write ${node.op} node "${node.name}" as ONNX: ${why}`);
};

function requireOpset(c: WriteContext, node: Node, min: number, what: string): void {
  if (c.opset < min) fail(node, `${what} needs opset ${min} or later (writing opset ${c.opset})`);
}

const isDefault = (v: readonly number[], d: number) => v.every((x) => x === d);

/** strides, pads, dilations and auto_pad, omitting the defaults. */
function windowAttributes(a: { strides: number[]; pads: number[]; dilations: number[]; autoPad: string }): OnnxAttribute[] {
  const out: OnnxAttribute[] = [];
  if (a.autoPad !== 'NOTSET') out.push(stringAttr('auto_pad', a.autoPad));
  else if (!isDefault(a.pads, 0)) out.push(intsAttr('pads', a.pads));
  if (!isDefault(a.strides, 1)) out.push(intsAttr('strides', a.strides));
  if (!isDefault(a.dilations, 1)) out.push(intsAttr('dilations', a.dilations));
  return out;
}

function requireNchw(node: Node): void {
  if ('layout' in node.attrs && node.attrs.layout !== 'NCHW') fail(node, `layout ${node.attrs.layout} (ONNX ops are NCHW; write the graph before the NHWC pass)`);
}

/** Relu, or Clip with constant bounds, after a Conv/Gemm whose output is clamped. */
function clampNodes(c: WriteContext, node: Node, clamp: { min: number; max: number }, preact: string, output: string): OnnxNode[] {
  const name = `${node.name}/clamp`;
  if (clamp.min === 0 && clamp.max === Infinity) return [{ opType: 'Relu', name, inputs: [preact], outputs: [output], attributes: [] }];
  const bound = (v: number, which: string) => (Number.isFinite(v) ? c.constant(`${node.name}/clamp_${which}`, tensor('float32', [], [v])) : '');
  if (Number.isNaN(clamp.min) || Number.isNaN(clamp.max)) fail(node, `clamp [${clamp.min}, ${clamp.max}]`);
  return [{ opType: 'Clip', name, inputs: [preact, bound(clamp.min, 'min'), bound(clamp.max, 'max')], outputs: [output], attributes: [] }];
}

/**
 * The ONNX node(s) for one IR node. `inputs` (default: the node's) lets a caller rewire the node's
 * inputs, as the QDQ exporter does.
 */
export function nodeToOnnx(c: WriteContext, node: Node, inputs: string[] = node.inputs): OnnxNode[] {
  requireNchw(node);
  const base = { opType: node.op as string, name: node.name, inputs: [...inputs], outputs: [...node.outputs], attributes: [] as OnnxAttribute[] };
  const one = (attributes: OnnxAttribute[] = []): OnnxNode[] => [{ ...base, attributes }];
  /** The op writes a fresh pre-activation tensor, then the clamp writes the node's output. */
  const withClamp = (attributes: OnnxAttribute[], clamp: { min: number; max: number } | null): OnnxNode[] => {
    if (!clamp) return one(attributes);
    const output = node.outputs[0]!;
    const preact = c.names.fresh(`${output}/preact`);
    return [{ ...base, outputs: [preact], attributes }, ...clampNodes(c, node, clamp, preact, output)];
  };

  switch (node.op) {
    case 'Conv': {
      const a = node.attrs;
      const attributes = windowAttributes(a);
      if (a.group !== 1) attributes.push(intAttr('group', a.group));
      const w = c.initializer(inputs[1] ?? '');
      if (w && w.shape.length === 4) attributes.push(intsAttr('kernel_shape', w.shape.slice(2)));
      return withClamp(attributes, a.clamp);
    }
    case 'Gemm': {
      const a = node.attrs;
      const attributes: OnnxAttribute[] = [];
      if (a.transA) attributes.push(intAttr('transA', 1));
      if (a.transB) attributes.push(intAttr('transB', 1));
      if (a.alpha !== 1) attributes.push(floatAttr('alpha', a.alpha));
      if (a.beta !== 1) attributes.push(floatAttr('beta', a.beta));
      return withClamp(attributes, a.clamp);
    }
    case 'MaxPool':
    case 'AveragePool': {
      const a = node.attrs;
      const avg = node.op === 'AveragePool';
      if (avg && !isDefault(a.dilations, 1)) requireOpset(c, node, 19, 'AveragePool with dilations');
      const attributes = [intsAttr('kernel_shape', a.kernel), ...windowAttributes(a)];
      if (a.ceilMode) attributes.push(intAttr('ceil_mode', 1));
      if (node.op === 'AveragePool' && node.attrs.countIncludePad) attributes.push(intAttr('count_include_pad', 1));
      return one(attributes);
    }
    case 'BatchNormalization':
      return one([floatAttr('epsilon', node.attrs.epsilon)]);
    case 'LeakyRelu':
      return one([floatAttr('alpha', node.attrs.alpha)]);
    case 'HardSigmoid':
      return one([floatAttr('alpha', node.attrs.alpha), floatAttr('beta', node.attrs.beta)]);
    case 'HardSwish':
      requireOpset(c, node, 14, 'HardSwish');
      return one();
    case 'Flatten':
      return one([intAttr('axis', node.attrs.axis)]);
    case 'Reshape':
      if (node.attrs.allowZero) requireOpset(c, node, 14, 'Reshape with allowzero=1');
      return one(node.attrs.allowZero ? [intAttr('allowzero', 1)] : []);
    case 'Transpose':
      return one(node.attrs.perm ? [intsAttr('perm', node.attrs.perm)] : []);
    case 'Concat':
      return one([intAttr('axis', node.attrs.axis)]);
    case 'Gather':
      return one([intAttr('axis', node.attrs.axis)]);
    case 'Softmax': {
      const { axis, coerce2d } = node.attrs;
      // Opset < 13 flattens from `axis` on; opset ≥ 13 normalizes along `axis` alone. The two
      // agree when `axis` is the last dimension.
      if (coerce2d !== c.opset < 13) {
        const rank = c.rank(node.inputs[0]!);
        const last = rank !== undefined && (axis === -1 || axis === rank - 1);
        if (!last) fail(node, `Softmax over axis ${axis} with ${coerce2d ? 'opset < 13' : 'opset ≥ 13'} semantics has no opset ${c.opset} form (axis is not known to be the last)`);
      }
      return one([intAttr('axis', axis)]);
    }
    case 'Pad':
      if (inputs.length > 3 && inputs[3] !== '') requireOpset(c, node, 18, 'Pad with an axes input');
      return one(node.attrs.mode === 'constant' ? [] : [stringAttr('mode', node.attrs.mode)]);
    case 'Squeeze':
    case 'Unsqueeze': {
      if (c.opset >= 13) return one();
      // Before opset 13 the axes are an attribute.
      const axesName = inputs[1];
      if (!axesName) return [{ ...base, inputs: [inputs[0]!] }];
      const axes = c.initializer(axesName);
      if (!axes) return fail(node, `axes computed at run time need opset 13 (writing opset ${c.opset})`);
      return [{ ...base, inputs: [inputs[0]!], attributes: [intsAttr('axes', Array.from(axes.data))] }];
    }
    case 'Shape': {
      const { start, end } = node.attrs;
      if (start !== 0 || end !== null) requireOpset(c, node, 15, 'Shape with start/end');
      const attributes: OnnxAttribute[] = [];
      if (start !== 0) attributes.push(intAttr('start', start));
      if (end !== null) attributes.push(intAttr('end', end));
      return one(attributes);
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'Relu':
    case 'Sigmoid':
    case 'Clip':
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'MatMul':
    case 'Identity':
    case 'Dropout':
      return one();
    default: {
      const unknown: Node = node;
      return fail(unknown, 'the writer has no ONNX form for this op');
    }
  }
}

/** A WriteContext over a graph whose new constants go into `initializers`. */
export function writeContext(graph: Graph, opset: number, initializers: Map<string, Tensor>, names = new NameScope(graph)): WriteContext {
  let shapes: ReturnType<typeof inferShapes> | undefined;
  return {
    opset,
    names,
    constant(base, value) {
      const name = names.fresh(base);
      initializers.set(name, value);
      return name;
    },
    initializer: (name) => graph.initializers.get(name),
    rank(name) {
      shapes ??= inferShapes(graph);
      return shapes.get(name)?.length;
    },
  };
}

/** Encodes an NCHW float graph as an ONNX model (default opset 13). */
export function writeOnnx(graph: Graph, opset = 13): Uint8Array {
  checkOpset(opset);
  const initializers = new Map(graph.initializers);
  const c = writeContext(graph, opset, initializers);
  const nodes = graph.nodes.flatMap((n) => nodeToOnnx(c, n));
  return encodeModel({ name: graph.name, opset, inputs: graph.inputs, outputs: graph.outputs, initializers, nodes });
}
