// Float reference kernels of the control-flow family (ir/ops/control.ts).

import type { Branch, ControlAttrs } from '../../ir/ops/control.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';
import { concat } from './shape-ops.ts';
import { need, type Kernels } from './kernel.ts';
import { runNodes } from './run.ts';

export const controlKernels: Kernels<keyof ControlAttrs> = {
  If: (inputs, a) => {
    const branch = need(inputs, 0).data[0] ? a.thenBranch : a.elseBranch;
    const captured = a.captured.map((name, k): [string, Tensor] => [name, need(inputs, k + 1)]);
    return runBranch(branch, captured);
  },
  Loop: (inputs, a) => {
    const trips = inputs[0] ? inputs[0].data[0]! : Infinity;
    let go = inputs[1] ? inputs[1].data[0] !== 0 : true;
    let carried = inputs.slice(2, 2 + a.carried).map((t, k) => t ?? missing(`loop-carried value ${k}`));
    const captured = a.captured.map((name, k): [string, Tensor] => [name, need(inputs, 2 + a.carried + k)]);
    const scans: Tensor[][] = [];
    for (let i = 0; i < trips && go; i++) {
      const given: [string, Tensor][] = [[a.bodyInputs[0]!, tensor('int64', [], [i])], [a.bodyInputs[1]!, tensor('bool', [], [go ? 1 : 0])]];
      carried.forEach((t, k) => given.push([a.bodyInputs[2 + k]!, t]));
      const [cond, ...rest] = runBranch(a.body, [...captured, ...given]);
      go = cond!.data[0] !== 0;
      carried = rest.slice(0, a.carried);
      rest.slice(a.carried).forEach((t, k) => (scans[k] ??= []).push(t));
    }
    const scanCount = a.body.outputs.length - 1 - a.carried;
    // Each scan output gains a leading iterations axis; with no iteration it is empty.
    const stacked = Array.from({ length: scanCount }, (_, k) => {
      const steps = scans[k] ?? [];
      return steps.length === 0 ? tensor('float32', [0]) : concat(steps.map((t) => ({ ...t, shape: [1, ...t.shape] })), 0);
    });
    return [...carried, ...stacked];
  },
};

const missing = (what: string): never => {
  throw new RangeError(`${what} is required`);
};

/** Runs a subgraph with `given` bound to the names it reads; returns its outputs in order. */
function runBranch(branch: Branch, given: [string, Tensor][]): Tensor[] {
  const env = new Map<string, Tensor>([...branch.initializers, ...given]);
  runNodes(branch.nodes, env, branch.outputs, {}, new Set(env.keys()));
  return branch.outputs.map((name) => env.get(name) ?? missing(`branch output "${name}"`));
}
