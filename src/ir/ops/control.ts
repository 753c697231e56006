// The control-flow op family: If and Loop. Attributes and traits (see graph.ts AttrsByOp); its shape rule
// is in shapes.ts, which infers the branch's shapes as it does a graph's.
//
// A branch reads tensors of the graph around it by name (ONNX's outer scope). The IR makes those
// reads explicit: the If node's inputs are [condition, ...captured], and a branch sees input
// k + 1 under the name captured[k], so the passes that rename or re-lay out tensors (which only
// rewrite node inputs) cannot break a branch.

import type { Node } from '../graph.ts';
import { CPU_FLOAT, type OpTraits } from '../op-kinds.ts';
import type { Tensor } from '../tensor.ts';

/** A subgraph: its own constants and nodes; it yields `outputs`, in order, as the If's outputs. */
export interface Branch {
  initializers: Map<string, Tensor>;
  nodes: Node[];
  outputs: string[];
}

export interface ControlAttrs {
  If: { captured: string[]; thenBranch: Branch; elseBranch: Branch };
  /**
   * Inputs: [trip count M or '', condition or '', ...initial loop-carried values, ...captured].
   * The body reads (iteration, condition, ...carried) under `bodyInputs` and yields
   * (condition, ...carried, ...scan outputs); the Loop yields the final carried values, then
   * each scan output stacked over the iterations.
   */
  Loop: { captured: string[]; body: Branch; bodyInputs: string[]; carried: number };
}

export const CONTROL_TRAITS = {
  If: CPU_FLOAT,
  Loop: CPU_FLOAT,
} as const satisfies Record<keyof ControlAttrs, OpTraits>;

/** The outer-scope names `branch` reads: what no node of it makes, none of its constants is, and it is not given as `formals`. */
export function capturedNames(branch: Branch, formals: readonly string[] = []): string[] {
  const made = new Set<string>([...branch.initializers.keys(), ...formals, '']);
  const read = new Set<string>();
  for (const node of branch.nodes) {
    for (const name of node.inputs) if (!made.has(name)) read.add(name);
    for (const name of node.outputs) made.add(name);
  }
  for (const name of branch.outputs) if (!made.has(name)) read.add(name);
  return [...read];
}
