// Float reference kernels of the recurrent op family (ir/ops/recurrent.ts).

import type { RecurrentAttrs } from '../../ir/ops/recurrent.ts';
import type { Kernels } from './kernel.ts';
import { gruCell, lstmCell, rnnCell } from './recurrent-cells.ts';
import { scan } from './recurrent-scan.ts';

export const recurrentKernels: Kernels<keyof RecurrentAttrs> = {
  LSTM: (i, a) => scan(i, a, 4, lstmCell(a.inputForget)),
  GRU: (i, a) => scan(i, a, 3, gruCell(a.linearBeforeReset)).slice(0, 2),
  RNN: (i, a) => scan(i, a, 1, rnnCell).slice(0, 2),
};
