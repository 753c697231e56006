// Float reference kernels of the reduce op family (ir/ops/reduce.ts).

import type { ReduceAttrs } from '../../ir/ops/reduce.ts';
import type { Kernels } from './kernel.ts';

export const reduceKernels: Kernels<keyof ReduceAttrs> = {};
