// Constant folding: a node whose inputs are all constants is evaluated once, at optimise time,
// and a Shape of a tensor whose shape is fully static becomes a constant, so Shape/Gather/
// Concat/Reshape chains collapse to a fixed shape.

import type { Graph, Node, NodeOf } from '../ir/graph.ts';
import { inferNode, type ShapeMap } from '../ir/shapes.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import { evaluateNode } from '../ref/float/run.ts';
import { nodeError } from '../errors.ts';

function evaluate(node: Node, constants: Map<string, Tensor>): Tensor[] {
  const inputs = node.inputs.map((i) => (i === '' ? undefined : constants.get(i)));
  try {
    return evaluateNode(node, inputs);
  } catch (e) {
    throw nodeError(`${node.op} node "${node.name}" (folding its constant inputs)`, e);
  }
}

export function foldConstants(graph: Graph): Graph {
  const constants = new Map(graph.initializers);
  const shapes: ShapeMap = new Map();
  for (const [name, t] of constants) shapes.set(name, [...t.shape]);
  for (const input of graph.inputs) shapes.set(input.name, [...input.shape]);
  const nodes: Node[] = [];
  // A worklist, since an If whose condition folds is replaced by its branch's nodes, folded in turn.
  const pending = [...graph.nodes].reverse();
  for (let node = pending.pop(); node; node = pending.pop()) {
    if (node.op === 'If' && constants.has(node.inputs[0]!)) {
      pending.push(...inlineBranch(node, constants.get(node.inputs[0]!)!, constants).reverse());
      continue;
    }
    const folded = foldNode(node, constants, shapes);
    if (folded) {
      node.outputs.forEach((name, i) => {
        constants.set(name, folded[i]!);
        shapes.set(name, [...folded[i]!.shape]);
      });
      continue;
    }
    nodes.push(node);
    inferNode(node, shapes, constants).forEach((s, i) => s && shapes.set(node.outputs[i]!, s));
  }
  return { ...graph, initializers: constants, nodes };
}

function foldNode(node: Node, constants: Map<string, Tensor>, shapes: ShapeMap): Tensor[] | undefined {
  if (node.op === 'Shape') {
    const shape = shapes.get(node.inputs[0]!);
    if (shape?.every((d): d is number => typeof d === 'number')) {
      const rank = shape.length;
      const clampAxis = (v: number) => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
      const dims = shape.slice(clampAxis(node.attrs.start), node.attrs.end === null ? rank : clampAxis(node.attrs.end));
      return [tensor('int64', [dims.length], dims)];
    }
  }
  const live = node.inputs.filter((i) => i !== '');
  if (live.length === 0 || !live.every((i) => constants.has(i))) return undefined;
  return evaluate(node, constants);
}

/**
 * The chosen branch's nodes in place of an If whose condition is a constant: its constants join
 * the graph's, the captured names are bound to the If's inputs, and Identity nodes give its outputs
 * the If's names (remove-identities drops them after).
 */
function inlineBranch(node: NodeOf<'If'>, condition: Tensor, constants: Map<string, Tensor>): Node[] {
  const branch = condition.data[0] ? node.attrs.thenBranch : node.attrs.elseBranch;
  const rename = new Map<string, string>(node.attrs.captured.map((name, k) => [name, node.inputs[k + 1]!]));
  const renamed = (name: string) => rename.get(name) ?? name;
  for (const [name, t] of branch.initializers) constants.set(name, t);
  const body = branch.nodes.map((n) => ({ ...n, inputs: n.inputs.map(renamed) }) as Node);
  const outputs = branch.outputs.map((from, i): Node => ({ op: 'Identity', name: `${node.name}/output${i}`, inputs: [renamed(from)], outputs: [node.outputs[i]!], attrs: {} }));
  return [...body, ...outputs];
}
