// Float reference kernels of the spatial op family (ir/ops/spatial.ts).

import type { SpatialAttrs } from '../../ir/ops/spatial.ts';
import { scalarValues } from '../../ir/tensor.ts';
import { conv } from './conv.ts';
import { need, type Kernels } from './kernel.ts';
import { globalPool, pool } from './pool.ts';
import { depthToSpace, resize } from './resample.ts';

export const spatialKernels: Kernels<keyof SpatialAttrs> = {
  Conv: (i, a) => [conv(need(i, 0), need(i, 1), i[2], a)],
  MaxPool: (i, a) => [pool(need(i, 0), a, 'max')],
  AveragePool: (i, a) => [pool(need(i, 0), a, a.countIncludePad ? 'avgIncludePad' : 'avg')],
  GlobalAveragePool: (i, a) => [globalPool(need(i, 0), a.layout, 'avg')],
  GlobalMaxPool: (i, a) => [globalPool(need(i, 0), a.layout, 'max')],
  DepthToSpace: (i, a) => [depthToSpace(need(i, 0), a)],
  Resize: (i, a) => [resize(need(i, 0), scalarValues(need(i, 1)), a)],
};
