// Float reference kernels of the indexing op family (ir/ops/indexing.ts).

import type { IndexingAttrs } from '../../ir/ops/indexing.ts';
import type { Kernels } from './kernel.ts';

export const indexingKernels: Kernels<keyof IndexingAttrs> = {};
