// Float reference kernels of the control-flow family (ir/ops/control.ts).

import type { ControlAttrs } from '../../ir/ops/control.ts';
import type { Tensor } from '../../ir/tensor.ts';
import { need, type Kernels } from './kernel.ts';
import { runNodes } from './run.ts';

export const controlKernels: Kernels<keyof ControlAttrs> = {
  If: (inputs, a) => {
    const branch = need(inputs, 0).data[0] ? a.thenBranch : a.elseBranch;
    const env = new Map<string, Tensor>(branch.initializers);
    a.captured.forEach((name, k) => env.set(name, need(inputs, k + 1)));
    runNodes(branch.nodes, env, branch.outputs, {}, new Set(env.keys()));
    return branch.outputs.map((name) => {
      const t = env.get(name);
      if (!t) throw new Error(`branch output "${name}" is not computed`);
      return t;
    });
  },
};
