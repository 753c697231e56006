// Builds small ONNX models in tests, encoded by protobufjs from the importer's own schema.

import protobuf from 'protobufjs';
import { onnxSchema, OnnxDataType } from '../../src/import/onnx-schema.ts';

const root = protobuf.Root.fromJSON(onnxSchema);
const ModelProto = root.lookupType('onnx.ModelProto');

export interface OnnxNodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, number | number[] | string | OnnxGraphSpec>;
}

/** A graph attribute (an If's branch): its nodes and outputs, reading the outer graph's tensors by name. */
export interface OnnxGraphSpec {
  nodes: OnnxNodeSpec[];
  outputs: { name: string; shape?: (number | string)[] }[];
  initializers?: Record<string, { shape: number[]; data: number[] } | object>;
}

export interface OnnxModelSpec {
  opset?: number;
  /** elemType: an ONNX data type (default FLOAT). */
  inputs: { name: string; shape: (number | string)[]; elemType?: number }[];
  /** elemType: an ONNX data type (default FLOAT). */
  outputs: { name: string; shape?: (number | string)[]; elemType?: number }[];
  initializers?: Record<string, { shape: number[]; data: number[] } | object>;
  nodes: OnnxNodeSpec[];
}

const AttrType = { FLOAT: 1, INT: 2, STRING: 3, GRAPH: 5, FLOATS: 6, INTS: 7 } as const;

function attribute(name: string, v: number | number[] | string | OnnxGraphSpec): object {
  if (typeof v === 'object' && !Array.isArray(v)) return { name, type: AttrType.GRAPH, g: graph(name, v) };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  return Number.isInteger(v) ? { name, type: AttrType.INT, i: v } : { name, type: AttrType.FLOAT, f: v };
}

const valueInfo = (name: string, shape: (number | string)[] = [], elemType: number = OnnxDataType.FLOAT) => ({
  name,
  type: { tensorType: { elemType, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
});

/** Float initializers given as {shape, data} are stored as raw little-endian bytes; other objects are TensorProto fields as they are. */
function initializer(name: string, spec: { shape: number[]; data: number[] } | object): object {
  if (!('data' in spec)) return { name, ...spec };
  const { shape, data } = spec as { shape: number[]; data: number[] };
  return { name, dims: shape, dataType: OnnxDataType.FLOAT, rawData: new Uint8Array(Float32Array.from(data).buffer) };
}

/** `name` 'test' is the model's graph; a subgraph's nodes are named after its attribute. */
function graph(name: string, spec: OnnxGraphSpec & { inputs?: OnnxModelSpec['inputs'] }): object {
  return {
    name,
    node: spec.nodes.map((n, i) => ({
      opType: n.op,
      name: n.name ?? (name === 'test' ? `${n.op}_${i}` : `${name}/${n.op}_${i}`),
      domain: n.domain ?? '',
      input: n.inputs,
      output: n.outputs,
      attribute: Object.entries(n.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    })),
    input: (spec.inputs ?? []).map((i) => valueInfo(i.name, i.shape, i.elemType)),
    output: spec.outputs.map((o) => valueInfo(o.name, o.shape, (o as { elemType?: number }).elemType)),
    initializer: Object.entries(spec.initializers ?? {}).map(([k, v]) => initializer(k, v)),
  };
}

export function encodeOnnx(spec: OnnxModelSpec): Uint8Array {
  const model = { irVersion: 8, opsetImport: [{ domain: '', version: spec.opset ?? 13 }], graph: { ...graph('test', spec) } };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}
