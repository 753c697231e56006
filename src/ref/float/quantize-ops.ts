// Float reference kernels of the quantize op family (ir/ops/quantize.ts).

import type { QuantizeAttrs } from '../../ir/ops/quantize.ts';
import type { Kernels } from './kernel.ts';

export const quantizeKernels: Kernels<keyof QuantizeAttrs> = {};
