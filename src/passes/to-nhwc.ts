// NCHW → NHWC layout assignment for the int8 path. Spatial ops (Conv, pools) switch to NHWC,
// Conv weights to [Cout, kh, kw, Cin/group]; ops between them that are layout-agnostic
// (activations, elementwise arithmetic, channel Concat) follow, so data stays NHWC from layer to
// layer. A Transpose back to NCHW is emitted for every converted tensor and kept only where an
// NCHW reader remains (eliminateDeadCode drops the rest).

import type { Graph, Node } from '../ir/graph.ts';
import { nodeWith, OP_TRAITS, unhandledTrait, type NodeWith } from '../ir/op-traits.ts';
import { inferShapes } from '../ir/shapes.ts';
import type { Tensor } from '../ir/tensor.ts';
import { transpose } from '../ref/float/shape-ops.ts';
import { cancelTransposes } from './cancel-transposes.ts';
import { eliminateDeadCode } from './eliminate-dead-code.ts';

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

interface State {
  graph: Graph;
  nodes: Node[];
  constants: Map<string, Tensor>;
  /** NCHW tensor name → the name of the same data in NHWC. */
  twin: Map<string, string>;
  rank: (name: string) => number | undefined;
}

export function assignNhwcLayout(graph: Graph): Graph {
  const shapes = inferShapes(graph);
  const s: State = {
    graph,
    nodes: [],
    constants: new Map(graph.initializers),
    twin: new Map(),
    rank: (name) => shapes.get(name)?.length,
  };
  for (const node of graph.nodes) convertNode(s, node);
  return eliminateDeadCode(cancelTransposes({ ...graph, nodes: s.nodes, initializers: s.constants }));
}

/** The node's NHWC form by its op's nhwc trait (src/ir/op-traits.ts), or undefined where it stays NCHW. */
function nhwcForm(s: State, node: Node): Node | undefined {
  const role = OP_TRAITS[node.op].nhwc;
  switch (role) {
    case 'spatial':
      return spatial(s, nodeWith(node, 'nhwc', role));
    case 'elementwise':
      return unary(s, nodeWith(node, 'nhwc', role));
    case 'broadcast':
      return binary(s, nodeWith(node, 'nhwc', role));
    case 'concat':
      return concat(s, nodeWith(node, 'nhwc', role));
    case 'flatten-pooled':
      return flatten(s, nodeWith(node, 'nhwc', role));
    case 'resize':
      return resize(s, nodeWith(node, 'nhwc', role));
    case 'nchw':
      return undefined;
    default:
      return unhandledTrait(role, 'nhwc');
  }
}

function convertNode(s: State, node: Node): void {
  const converted = nhwcForm(s, node);
  if (!converted) {
    s.nodes.push(node);
    return;
  }
  s.nodes.push(converted);
  // The NCHW name stays available for readers that are not converted.
  const out = node.outputs[0]!;
  if (converted.outputs[0] !== out) {
    s.twin.set(out, converted.outputs[0]!);
    s.nodes.push(transposeNode(`${out}:to_nchw`, converted.outputs[0]!, out, TO_NCHW));
  }
}

function transposeNode(name: string, input: string, output: string, perm: number[]): Node {
  return { op: 'Transpose', name, inputs: [input], outputs: [output], attrs: { perm } };
}

/** The NHWC version of a 4-D NCHW tensor, adding a Transpose when none exists yet. */
function nhwcOf(s: State, name: string): string {
  const existing = s.twin.get(name);
  if (existing) return existing;
  const nhwc = `${name}:nhwc`;
  s.nodes.push(transposeNode(`${name}:to_nhwc`, name, nhwc, TO_NHWC));
  s.twin.set(name, nhwc);
  return nhwc;
}

const withLayout = (node: Node, inputs: string[], attrs: object): Node =>
  ({ ...node, inputs, outputs: [`${node.outputs[0]}:nhwc`], attrs: { ...node.attrs, ...attrs } }) as Node;

function spatial(s: State, node: NodeWith<'nhwc', 'spatial'>): Node | undefined {
  // Graphs imported NHWC (TF.js) are already in the int8 path's layout.
  if (s.rank(node.inputs[0]!) !== 4 || node.attrs.layout === 'NHWC') return undefined;
  const inputs = [nhwcOf(s, node.inputs[0]!), ...node.inputs.slice(1)];
  if (node.op === 'Conv') {
    const w = s.constants.get(node.inputs[1]!);
    if (!w || w.shape.length !== 4) return undefined; // weights computed at run time stay NCHW
    const ohwi = `${node.inputs[1]}:ohwi`;
    s.constants.set(ohwi, transpose(w, TO_NHWC));
    inputs[1] = ohwi;
  }
  return withLayout(node, inputs, { layout: 'NHWC' });
}

function unary(s: State, node: NodeWith<'nhwc', 'elementwise'>): Node | undefined {
  const x = s.twin.get(node.inputs[0]!);
  return x ? withLayout(node, [x, ...node.inputs.slice(1)], {}) : undefined;
}

function binary(s: State, node: NodeWith<'nhwc', 'broadcast'>): Node | undefined {
  const inputs = node.inputs.map((name) => s.twin.get(name) ?? constantInNhwc(s, name));
  if (inputs.some((i) => i === undefined) || !node.inputs.some((i) => s.twin.has(i))) return undefined;
  return withLayout(node, inputs as string[], {});
}

/** A constant operand, re-laid out to broadcast against NHWC data the way it did against NCHW. */
function constantInNhwc(s: State, name: string): string | undefined {
  const c = s.constants.get(name);
  if (!c || c.shape.length > 4) return undefined;
  if (c.data.length === 1) return name;
  const aligned = { ...c, shape: [...new Array<number>(4 - c.shape.length).fill(1), ...c.shape] };
  const nhwc = `${name}:nhwc`;
  s.constants.set(nhwc, transpose(aligned, TO_NHWC));
  return nhwc;
}

function concat(s: State, node: NodeWith<'nhwc', 'concat'>): Node | undefined {
  const inputs = node.inputs.map((name) => s.twin.get(name));
  if (inputs.some((i) => i === undefined)) return undefined;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + 4 : node.attrs.axis;
  return withLayout(node, inputs as string[], { axis: TO_NHWC.indexOf(axis) });
}

/**
 * Resize lists roi / scales / sizes per axis in `axes` order: on the NHWC twin the same lists
 * hold with each NCHW axis renamed to its NHWC position (C → 3, H → 1, W → 2).
 */
function resize(s: State, node: NodeWith<'nhwc', 'resize'>): Node | undefined {
  const x = s.twin.get(node.inputs[0]!);
  if (!x || s.rank(node.inputs[0]!) !== 4) return undefined;
  const axes = (node.attrs.axes ?? [0, 1, 2, 3]).map((a) => TO_NHWC.indexOf(a < 0 ? a + 4 : a));
  return withLayout(node, [x, ...node.inputs.slice(1)], { axes });
}

/** Flatten(axis 1) of [N, C, 1, 1] and of [N, 1, 1, C] give the same [N, C]: read the NHWC twin. */
function flatten(s: State, node: NodeWith<'nhwc', 'flatten-pooled'>): Node | undefined {
  const x = s.twin.get(node.inputs[0]!);
  if (!x || node.attrs.axis !== 1) return undefined;
  const producer = s.nodes.find((n) => n.outputs.includes(x));
  if (producer?.op !== 'GlobalAveragePool' && producer?.op !== 'GlobalMaxPool') return undefined;
  return { ...node, inputs: [x] };
}
