// Float reference kernels of the recurrent op family (ir/ops/recurrent.ts).

import type { RecurrentAttrs } from '../../ir/ops/recurrent.ts';
import type { Kernels } from './kernel.ts';

export const recurrentKernels: Kernels<keyof RecurrentAttrs> = {};
