// Static shape inference. Dims are numbers where known, a symbolic name where the model names
// them (e.g. "batch"), and '?' where they depend on data the graph does not fix.

import { ModelFormatError, nodeError } from '../errors.ts';
import type { Dim, Graph, Node, NodeOf } from './graph.ts';
import type { Branch } from './ops/control.ts';
import { broadcastDims, isNum, normAxis, product, sumDims, UNKNOWN, type ShapeInputs, type ShapeRule } from './dims.ts';
import { ELEMENTWISE_SHAPES } from './ops/elementwise.ts';
import { INDEXING_SHAPES } from './ops/indexing.ts';
import { RECURRENT_SHAPES } from './ops/recurrent.ts';
import { REDUCE_SHAPES } from './ops/reduce.ts';
import { QUANTIZE_SHAPES } from './ops/quantize.ts';
import { SIGNAL_SHAPES } from './ops/signal.ts';
import { SPATIAL_SHAPES } from './ops/spatial.ts';
import { scalarValues, type Tensor } from './tensor.ts';

export type ShapeMap = Map<string, Dim[]>;

const FAMILY_SHAPES: Partial<Record<string, ShapeRule<never>>> = {
  ...ELEMENTWISE_SHAPES,
  ...REDUCE_SHAPES,
  ...INDEXING_SHAPES,
  ...SPATIAL_SHAPES,
  ...RECURRENT_SHAPES,
  ...SIGNAL_SHAPES,
  ...QUANTIZE_SHAPES,
};

/** Computes a node's outputs from constant inputs (the float reference's kernels, given by the caller). */
export type Evaluate = (node: Node, inputs: (Tensor | undefined)[]) => Tensor[];

/**
 * Values this small are shape arithmetic (Shape → Gather → Concat → Reshape): with `evaluate`,
 * inference computes them, as ONNX's shape inference propagates data, so a shape a model builds at
 * run time from static dims is known statically.
 */
const PROPAGATED_ELEMENTS = 64;

export function inferShapes(graph: Graph, evaluate?: Evaluate): ShapeMap {
  const shapes: ShapeMap = new Map();
  const constants = evaluate ? new Map(graph.initializers) : graph.initializers;
  for (const [name, t] of graph.initializers) shapes.set(name, [...t.shape]);
  for (const input of graph.inputs) shapes.set(input.name, [...input.shape]);
  for (const node of graph.nodes) {
    const outs = inferNode(node, shapes, constants);
    node.outputs.forEach((name, i) => {
      const s = outs[i];
      if (name !== '' && s) shapes.set(name, s);
    });
    if (evaluate) propagate(node, shapes, constants, evaluate);
  }
  return shapes;
}

function propagate(node: Node, shapes: ShapeMap, constants: Map<string, Tensor>, evaluate: Evaluate): void {
  const static_ = (name: string) => shapes.get(name)?.every(isNum);
  const inputs = node.inputs.map((name) => (name === '' ? undefined : constants.get(name)));
  const small = node.inputs.every((name, i) => name === '' || (inputs[i] !== undefined && inputs[i]!.data.length <= PROPAGATED_ELEMENTS));
  let values: Tensor[];
  // Shape reads only its input's shape: a stand-in without data, not a tensor of that size.
  if (node.op === 'Shape' && static_(node.inputs[0]!)) values = evaluate(node, [{ dtype: 'float32', shape: shapes.get(node.inputs[0]!) as number[], data: new Float32Array(0) }]);
  else if (small && node.inputs.some((n) => n !== '')) values = evaluate(node, inputs);
  else return;
  node.outputs.forEach((name, i) => {
    const v = values[i];
    if (name === '' || !v) return;
    constants.set(name, v);
    shapes.set(name, [...v.shape]);
  });
}

/**
 * Output shapes of one node; undefined where they cannot be inferred. Shapes the node cannot take
 * (a window larger than its input, a Reshape that cannot hold) are a ModelFormatError naming it.
 */
export function inferNode(node: Node, shapes: ShapeMap, constants: Map<string, Tensor>): (Dim[] | undefined)[] {
  try {
    return outputShapes(node, shapes, constants);
  } catch (e) {
    throw nodeError(`${node.op} node "${node.name}"`, e);
  }
}

function outputShapes(node: Node, shapes: ShapeMap, constants: Map<string, Tensor>): (Dim[] | undefined)[] {
  const s = (i: number) => shapes.get(node.inputs[i] ?? '');
  const c = (i: number) => {
    const t = constants.get(node.inputs[i] ?? '');
    return t ? scalarValues(t) : undefined;
  };
  const x = s(0);
  if (!x) return [];
  const rule = FAMILY_SHAPES[node.op] as ShapeRule<typeof node.op> | undefined;
  if (rule) {
    const inputs: ShapeInputs = { shape: s, values: c, count: node.inputs.length };
    return rule(node as never, x, inputs);
  }
  switch (node.op) {
    case 'If':
      return ifShapes(node, shapes, constants);
    case 'Loop':
      return loopShapes(node, shapes, constants);
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div': {
      const b = s(1);
      return [b ? broadcastDims(x, b) : undefined];
    }
    case 'Gemm': {
      const b = s(1);
      if (!b) return [];
      return [[node.attrs.transA ? x[1]! : x[0]!, node.attrs.transB ? b[0]! : b[1]!]];
    }
    case 'MatMul': {
      const b = s(1);
      if (!b || x.length < 2 || b.length < 2) return [];
      return [[...broadcastDims(x.slice(0, -2), b.slice(0, -2)), x[x.length - 2]!, b[b.length - 1]!]];
    }
    case 'Flatten': {
      const axis = normAxis(node.attrs.axis, x.length);
      return [[product(x.slice(0, axis)), product(x.slice(axis))]];
    }
    case 'Reshape': {
      const target = c(1);
      if (!target) return [];
      const dims: Dim[] = target.map((d, i) => (d === 0 && !node.attrs.allowZero ? x[i] ?? UNKNOWN : d));
      const unknown = dims.indexOf(-1);
      const total = product(x);
      // A reshape that cannot hold is refused here, at load, not after running the layers before it.
      const refuse = () => new ModelFormatError(`cannot reshape [${x}] to [${target}]`);
      if (unknown >= 0) {
        const known = product(dims.filter((_, i) => i !== unknown));
        if (isNum(total) && isNum(known) && known !== 0 && total % known !== 0) throw refuse();
        dims[unknown] = isNum(total) && isNum(known) && known !== 0 ? total / known : UNKNOWN;
      } else if (isNum(total) && dims.every(isNum) && product(dims) !== total) {
        throw refuse();
      }
      return [dims];
    }
    case 'Transpose': {
      const perm = node.attrs.perm ?? x.map((_, i) => x.length - 1 - i);
      return [perm.map((p) => x[p]!)];
    }
    case 'Concat': {
      const all = node.inputs.map((_, i) => s(i));
      if (all.some((a) => !a)) return [];
      const axis = normAxis(node.attrs.axis, x.length);
      const out = [...x];
      out[axis] = sumDims(all.map((a) => a![axis]!));
      return [out];
    }
    case 'Pad': {
      const pads = c(1);
      const axes = node.inputs[3] ? c(3) : x.map((_, i) => i);
      if (!pads || !axes) return [x.map(() => UNKNOWN)];
      const out = [...x];
      axes.forEach((a, i) => {
        const ax = normAxis(a, x.length);
        const d = out[ax];
        out[ax] = isNum(d) ? d + pads[i]! + pads[i + axes.length]! : UNKNOWN;
      });
      return [out];
    }
    case 'Squeeze': {
      const axes = node.inputs[1] ? c(1) : x.flatMap((d, i) => (d === 1 ? [i] : []));
      if (!axes) return [];
      const drop = new Set(axes.map((a) => normAxis(a, x.length)));
      return [x.filter((_, i) => !drop.has(i))];
    }
    case 'Unsqueeze': {
      const axes = c(1);
      if (!axes) return [];
      const rank = x.length + axes.length;
      const add = new Set(axes.map((a) => normAxis(a, rank)));
      const rest = [...x];
      return [Array.from({ length: rank }, (_, i) => (add.has(i) ? 1 : rest.shift()!))];
    }
    case 'Shape': {
      const rank = x.length;
      const clampAxis = (v: number) => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
      const end = node.attrs.end === null ? rank : clampAxis(node.attrs.end);
      return [[Math.max(0, end - clampAxis(node.attrs.start))]];
    }
    case 'Gather': {
      const idx = s(1);
      if (!idx) return [];
      const axis = normAxis(node.attrs.axis, x.length);
      return [[...x.slice(0, axis), ...idx, ...x.slice(axis + 1)]];
    }
    default:
      // Elementwise unary ops, Clip, BatchNormalization, Softmax, Identity, Dropout.
      return [x];
  }
}

/** A branch's output shapes, given what it reads of the outer graph (`bound`: name → outer tensor). */
function branchShapes(branch: Branch, bound: [string, string][], shapes: ShapeMap, constants: Map<string, Tensor>, formals: [string, Dim[]][] = []): (Dim[] | undefined)[] {
  const inner: ShapeMap = new Map(formals);
  const innerConstants = new Map(branch.initializers);
  for (const [name, outer] of bound) {
    const s = shapes.get(outer);
    if (s) inner.set(name, s);
    const t = constants.get(outer);
    if (t) innerConstants.set(name, t);
  }
  for (const [name, t] of branch.initializers) inner.set(name, [...t.shape]);
  for (const n of branch.nodes) inferNode(n, inner, innerConstants).forEach((s, i) => s && inner.set(n.outputs[i]!, s));
  return branch.outputs.map((o) => inner.get(o));
}

const captures = (node: Node & { attrs: { captured: string[] } }, first: number): [string, string][] =>
  node.attrs.captured.map((name, k) => [name, node.inputs[first + k]!]);

/** The chosen branch's shapes when the condition is a constant; else the dims both branches agree on. */
function ifShapes(node: NodeOf<'If'>, shapes: ShapeMap, constants: Map<string, Tensor>): (Dim[] | undefined)[] {
  const { thenBranch, elseBranch } = node.attrs;
  const bound = captures(node, 1);
  const cond = constants.get(node.inputs[0]!);
  if (cond) return branchShapes(cond.data[0] ? thenBranch : elseBranch, bound, shapes, constants);
  const a = branchShapes(thenBranch, bound, shapes, constants);
  const b = branchShapes(elseBranch, bound, shapes, constants);
  return a.map((s, i) => {
    const t = b[i];
    if (!s || !t || s.length !== t.length) return undefined;
    return s.map((d, k) => (d === t[k] ? d : UNKNOWN));
  });
}

/**
 * Carried values keep the dims one pass of the body leaves as they were (the others are unknown); a scan output stacks the body's per-iteration shape over the iterations,
 * known when the trip count is a constant and nothing can stop the loop early.
 */
function loopShapes(node: NodeOf<'Loop'>, shapes: ShapeMap, constants: Map<string, Tensor>): (Dim[] | undefined)[] {
  const { body, bodyInputs, carried } = node.attrs;
  const initial = node.inputs.slice(2, 2 + carried).map((name) => shapes.get(name));
  const formals: [string, Dim[]][] = [[bodyInputs[0]!, []], [bodyInputs[1]!, []]];
  initial.forEach((s, k) => s && formals.push([bodyInputs[2 + k]!, s]));
  const out = branchShapes(body, captures(node, 2 + carried), shapes, constants, formals);
  const final = initial.map((s, k) => {
    const t = out[1 + k];
    // A dim the body keeps is known after any number of iterations; one it changes is not.
    return s && t && s.length === t.length ? s.map((d, i) => (d === t[i] ? d : UNKNOWN)) : undefined;
  });
  const trips = constants.get(node.inputs[0]!)?.data[0];
  const startCond = node.inputs[1] ? constants.get(node.inputs[1])?.data[0] : 1;
  const iterations: Dim = trips !== undefined && startCond === 1 && conditionKept(body, bodyInputs[1]!) ? trips : UNKNOWN;
  return [...final, ...out.slice(1 + carried).map((s) => (s ? [iterations, ...s] : undefined))];
}

/** Whether the body's condition output is its condition input, through Identity nodes only. */
function conditionKept(body: Branch, condIn: string): boolean {
  let name = body.outputs[0];
  for (;;) {
    if (name === condIn) return true;
    const producer = body.nodes.find((n) => n.outputs.includes(name!));
    if (producer?.op !== 'Identity') return false;
    name = producer.inputs[0];
  }
}
