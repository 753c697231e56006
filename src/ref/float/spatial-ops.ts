// Float reference kernels of the spatial op family (ir/ops/spatial.ts).

import type { SpatialAttrs } from '../../ir/ops/spatial.ts';
import { conv } from './conv.ts';
import { need, values, type Kernels } from './kernel.ts';
import { globalPool, maxPoolWithIndices, maxUnpool, pool } from './pool.ts';
import { depthToSpace, resize } from './resample.ts';
import { convTranspose } from './spatial-conv-transpose.ts';
import { gridSample } from './spatial-grid-sample.ts';
import { roiAlign } from './spatial-roi-align.ts';
import { conv3d, pool3d } from './spatial-volumetric.ts';

export const spatialKernels: Kernels<keyof SpatialAttrs> = {
  Conv: (i, a) => [conv(need(i, 0), need(i, 1), i[2], a)],
  ConvTranspose: (i, a) => [convTranspose(need(i, 0), need(i, 1), i[2], a)],
  Conv3D: (i, a) => [conv3d(need(i, 0), need(i, 1), i[2], a)],
  Pool3D: (i, a) => [pool3d(need(i, 0), a)],
  MaxPool: (i, a) => [pool(need(i, 0), a, 'max')],
  MaxPoolWithIndices: (i, a) => maxPoolWithIndices(need(i, 0), a, a.storageOrder),
  AveragePool: (i, a) => [pool(need(i, 0), a, a.countIncludePad ? 'avgIncludePad' : 'avg')],
  LpPool: (i, a) => [pool(need(i, 0), a, { p: a.p })],
  GlobalAveragePool: (i, a) => [globalPool(need(i, 0), a.layout, 'avg')],
  GlobalMaxPool: (i, a) => [globalPool(need(i, 0), a.layout, 'max')],
  GlobalLpPool: (i, a) => [globalPool(need(i, 0), 'NCHW', { p: a.p })],
  MaxUnpool: (i, a) => [maxUnpool(need(i, 0), need(i, 1), values(i[2]), a)],
  DepthToSpace: (i, a) => [depthToSpace(need(i, 0), a)],
  Resize: (i, a) => [resize(need(i, 0), { roi: values(i[1]), scales: values(i[2]), sizes: values(i[3]) }, a)],
  GridSample: (i, a) => [gridSample(need(i, 0), need(i, 1), a)],
  RoiAlign: (i, a) => [roiAlign(need(i, 0), need(i, 1), need(i, 2), a)],
};
