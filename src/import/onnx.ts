// ONNX bytes → ir.Graph. Every unsupported op is collected and reported at once.

import { ModelFormatError, UnsupportedModelError, UnsupportedOpError, type UnsupportedOpSite } from '../errors.ts';
import type { Dim, Graph, Node, ValueInfo } from '../ir/graph.ts';
import type { Branch } from '../ir/ops/control.ts';
import type { Tensor } from '../ir/tensor.ts';
import { OnnxAttrs } from './onnx-attrs.ts';
import { onnxConverters, UnsupportedUse, type ConvertContext } from './onnx-ops.ts';
import { resolveExternalData, type ExternalData } from './onnx-external.ts';
import { decodeModel, toNumber, type GraphProto, type NodeProto, type ValueInfoProto } from './onnx-proto.ts';
import { decodeTensorProto, onnxDType } from './onnx-tensor.ts';

export const SUPPORTED_OPSETS = { min: 1, max: 21 } as const;

export interface OnnxImportOptions {
  /** The sidecar files of a model with external data, by the location the model gives (onnx-external.ts). */
  externalData?: ExternalData;
}

export function importOnnx(bytes: Uint8Array, options: OnnxImportOptions = {}): Graph {
  const model = decodeModel(bytes);
  resolveExternalData(model, options.externalData);
  const g = model.graph;
  if (!g) throw new ModelFormatError('ONNX model has no graph (is this an .onnx file?)');
  const opsets = new Map<string, number>(model.opsetImport.map((o) => [o.domain === 'ai.onnx' ? '' : o.domain, toNumber(o.version)]));
  const opset = opsets.get('') ?? 0;
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer) initializers.set(t.name, decodeTensorProto(t, `initializer "${t.name}"`));
  if (g.sparseInitializer.length > 0) throw new UnsupportedModelError('sparse initializers are not supported');

  if (g.node.some((n) => !n.domain || n.domain === 'ai.onnx')) checkOpset(opset);
  const unsupported: UnsupportedOpSite[] = [];
  const nodes = convertNodes(g.node, { opsets, opset, scope: initializers, own: initializers, unsupported, types: declaredTypes(g), shapes: declaredShapes(g) });
  if (unsupported.length > 0) throw new UnsupportedOpError(unsupported);

  const graph: Graph = {
    name: g.name || 'graph',
    // Before IR version 4 initializers were also listed as inputs; they are not real inputs.
    inputs: g.input.filter((v) => !initializers.has(v.name)).map(valueInfo),
    outputs: g.output.map(valueInfo),
    initializers,
    nodes,
  };
  checkWiring(graph, g);
  return graph;
}

function checkOpset(opset: number): void {
  if (opset === 0) throw new ModelFormatError('ONNX model uses default-domain ops but declares no opset for that domain');
  if (opset < SUPPORTED_OPSETS.min || opset > SUPPORTED_OPSETS.max) {
    throw new UnsupportedModelError(`ONNX opset ${opset} is not supported (supported: ${SUPPORTED_OPSETS.min} to ${SUPPORTED_OPSETS.max})`);
  }
}

/** What converting one graph (the model's, or a subgraph of it) shares with its nodes' converters. */
interface GraphScope {
  opsets: Map<string, number>;
  opset: number;
  /** The constants a node may read: this graph's and (for a subgraph) the enclosing graphs'. */
  scope: ReadonlyMap<string, Tensor>;
  /** Where this graph's own constants go. */
  own: Map<string, Tensor>;
  /** The ONNX element types the model declares, by tensor name. */
  types: ReadonlyMap<string, number>;
  /** The shapes the model declares (graph inputs, outputs, value_info), by tensor name. */
  shapes: ReadonlyMap<string, Dim[]>;
  /** Every unsupported op met, subgraphs included. */
  unsupported: UnsupportedOpSite[];
  /** The subgraph's place, e.g. 'If_25/else_branch'; absent for the model's graph. */
  subgraph?: string;
}

function convertNodes(protos: readonly NodeProto[], s: GraphScope): Node[] {
  const nodes: Node[] = [];
  protos.forEach((proto, index) => {
    const name = proto.name || `${proto.opType}_${index}`;
    const domain = proto.domain === 'ai.onnx' ? '' : proto.domain;
    const site = { op: proto.opType, node: name, opset: s.opsets.get(domain) ?? 0, ...(domain ? { domain } : {}), ...(s.subgraph ? { subgraph: s.subgraph } : {}) };
    const convert = domain ? undefined : onnxConverters[proto.opType];
    if (!convert) {
      s.unsupported.push(site);
      listSubgraphOps(proto, name, s);
      return;
    }
    try {
      const converted = convert(contextFor(proto, name, s));
      if (Array.isArray(converted)) nodes.push(...converted);
      else for (const [k, v] of Object.entries(converted.constants)) s.own.set(k, v);
    } catch (e) {
      if (!(e instanceof UnsupportedUse)) throw e;
      s.unsupported.push({ ...site, reason: e.message });
    }
  });
  return nodes;
}

/** An unsupported op's own subgraphs (a Loop's body) are listed too: they are work a model needs. */
function listSubgraphOps(proto: NodeProto, name: string, s: GraphScope): void {
  for (const a of proto.attribute) {
    for (const sub of a.g ? [a.g] : a.graphs) convertBranch(sub, `${name}/${a.name}`, s);
  }
}

function convertBranch(g: GraphProto, where: string, s: GraphScope): Branch {
  const own = new Map<string, Tensor>();
  for (const t of g.initializer) own.set(t.name, decodeTensorProto(t, `initializer "${t.name}" of ${where}`));
  const scope = new Map([...s.scope, ...own]);
  const nodes = convertNodes(g.node, { ...s, scope, own, subgraph: where });
  // Constants a branch's converters registered (e.g. legacy attributes) belong to the branch too.
  return { initializers: own, nodes, outputs: g.output.map((o) => o.name) };
}

/** Declared element types: graph inputs, outputs and value_info, then initializers (which win). */
function declaredTypes(g: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  for (const v of [...g.input, ...g.output, ...(g.valueInfo ?? [])]) {
    const t = v.type?.tensorType?.elemType;
    if (t) types.set(v.name, t);
  }
  for (const t of g.initializer) types.set(t.name, t.dataType);
  return types;
}

function declaredShapes(g: GraphProto): Map<string, Dim[]> {
  const shapes = new Map<string, Dim[]>();
  for (const v of [...g.input, ...g.output, ...(g.valueInfo ?? [])]) if (v.type?.tensorType?.shape) shapes.set(v.name, dimsOf(v));
  return shapes;
}

/** A declared shape: a named dim keeps its name, an unset or non-positive one is '?'. */
function dimsOf(v: ValueInfoProto): Dim[] {
  return (v.type?.tensorType?.shape?.dim ?? []).map((d) => d.dimParam || (d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : '?'));
}

function contextFor(proto: NodeProto, name: string, s: GraphScope): ConvertContext {
  return {
    proto,
    name,
    opset: s.opset,
    attrs: new OnnxAttrs(proto),
    constantInput: (i) => s.scope.get(proto.input[i] ?? '') ?? s.own.get(proto.input[i] ?? ''),
    constant(suffix, value) {
      const key = `${name}/${suffix}`;
      s.own.set(key, value);
      return key;
    },
    branch(attribute) {
      const g = proto.attribute.find((a) => a.name === attribute)?.g;
      if (!g) throw new UnsupportedUse(`no graph attribute ${attribute}`);
      return convertBranch(g, `${name}/${attribute}`, s);
    },
    inputType: (i) => s.types.get(proto.input[i] ?? ''),
    inputShape(i) {
      const name = proto.input[i] ?? '';
      const t = s.scope.get(name) ?? s.own.get(name);
      return t ? [...t.shape] : s.shapes.get(name);
    },
    branchInputs: (attribute) => proto.attribute.find((a) => a.name === attribute)?.g?.input.map((v) => v.name) ?? [],
  };
}

function valueInfo(v: ValueInfoProto): ValueInfo {
  const t = v.type?.tensorType;
  if (!t) throw new UnsupportedModelError(`graph input/output "${v.name}" is not a tensor (sequence, map and optional types are not supported)`);
  return { name: v.name, dtype: onnxDType(t.elemType, `graph input/output "${v.name}"`), shape: dimsOf(v) };
}

/** Every input a node reads must come from a graph input, an initializer or an earlier node. */
function checkWiring(graph: Graph, proto: GraphProto): void {
  const known = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), '']);
  for (const n of graph.nodes) {
    const missing = n.inputs.find((i) => !known.has(i));
    if (missing !== undefined) {
      throw new ModelFormatError(`node "${n.name}" (${n.op}) reads "${missing}", which no earlier node, input or initializer provides (nodes out of order, a cycle, or a dangling name)`);
    }
    n.outputs.forEach((o) => known.add(o));
  }
  const output = proto.output.find((o) => !known.has(o.name));
  if (output) throw new ModelFormatError(`graph output "${output.name}" is not produced by any node`);
}
