// ONNX bytes → ir.Graph. Every unsupported op is collected and reported at once.

import { ModelFormatError, UnsupportedModelError, UnsupportedOpError, type UnsupportedOpSite } from '../errors.ts';
import type { Dim, Graph, Node, ValueInfo } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { OnnxAttrs } from './onnx-attrs.ts';
import { onnxConverters, UnsupportedUse, type ConvertContext } from './onnx-ops.ts';
import { decodeModel, toNumber, type GraphProto, type NodeProto, type ValueInfoProto } from './onnx-proto.ts';
import { decodeTensorProto, onnxDType } from './onnx-tensor.ts';

export const SUPPORTED_OPSETS = { min: 1, max: 21 } as const;

export function importOnnx(bytes: Uint8Array): Graph {
  const model = decodeModel(bytes);
  const g = model.graph;
  if (!g) throw new ModelFormatError('ONNX model has no graph (is this an .onnx file?)');
  const opsets = new Map(model.opsetImport.map((o) => [o.domain === 'ai.onnx' ? '' : o.domain, toNumber(o.version)]));
  const opset = opsets.get('') ?? 0;
  const initializers = new Map<string, Tensor>();
  for (const t of g.initializer) initializers.set(t.name, decodeTensorProto(t, `initializer "${t.name}"`));
  if (g.sparseInitializer.length > 0) throw new UnsupportedModelError('sparse initializers are not supported');

  if (g.node.some((n) => !n.domain || n.domain === 'ai.onnx')) checkOpset(opset);
  const nodes: Node[] = [];
  const unsupported: UnsupportedOpSite[] = [];
  g.node.forEach((proto, index) => {
    const name = proto.name || `${proto.opType}_${index}`;
    const domain = proto.domain === 'ai.onnx' ? '' : proto.domain;
    const site = { op: proto.opType, node: name, opset: opsets.get(domain) ?? 0, ...(domain ? { domain } : {}) };
    const convert = domain ? undefined : onnxConverters[proto.opType];
    if (!convert) return unsupported.push(site);
    const context = contextFor(proto, name, opset, initializers);
    try {
      const converted = convert(context);
      if (Array.isArray(converted)) nodes.push(...converted);
      else for (const [k, v] of Object.entries(converted.constants)) initializers.set(k, v);
    } catch (e) {
      if (!(e instanceof UnsupportedUse)) throw e;
      unsupported.push({ ...site, reason: e.message });
    }
  });
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

function contextFor(proto: NodeProto, name: string, opset: number, initializers: Map<string, Tensor>): ConvertContext {
  return {
    proto,
    name,
    opset,
    attrs: new OnnxAttrs(proto),
    constantInput: (i) => initializers.get(proto.input[i] ?? ''),
    constant(suffix, value) {
      const key = `${name}/${suffix}`;
      initializers.set(key, value);
      return key;
    },
  };
}

function valueInfo(v: ValueInfoProto): ValueInfo {
  const t = v.type?.tensorType;
  if (!t) throw new UnsupportedModelError(`graph input/output "${v.name}" is not a tensor (sequence, map and optional types are not supported)`);
  const shape: Dim[] = (t.shape?.dim ?? []).map((d) => d.dimParam || (d.dimValue !== undefined && toNumber(d.dimValue) > 0 ? toNumber(d.dimValue) : '?'));
  return { name: v.name, dtype: onnxDType(t.elemType, `graph input/output "${v.name}"`), shape };
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
