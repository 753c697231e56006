// Float reference kernels of the signal op family (ir/ops/signal.ts).

import type { SignalAttrs } from '../../ir/ops/signal.ts';
import type { Kernels } from './kernel.ts';

export const signalKernels: Kernels<keyof SignalAttrs> = {};
