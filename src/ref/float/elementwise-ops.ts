// Float reference kernels of the elementwise op family (ir/ops/elementwise.ts).

import type { ElementwiseAttrs } from '../../ir/ops/elementwise.ts';
import type { Kernels } from './kernel.ts';

export const elementwiseKernels: Kernels<keyof ElementwiseAttrs> = {};
