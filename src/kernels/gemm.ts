// GemmStep → an int8 conv kernel (any variant) as a 1×1 convolution: [M, K] packed rows are exactly an
// NHWC [M, 1, 1, K] tensor, and [N, K] weights a [N, 1, 1, K] filter bank.

import type { ConvStep, GemmStep } from '../quant/program.ts';
import { convKernel, type PlannedKernel } from './conv.ts';
import type { ConvVariant } from './conv-variants.ts';

export function gemmKernel(step: GemmStep, inputShape: readonly number[], variant?: ConvVariant): PlannedKernel {
  const [m, k] = inputShape as [number, number];
  const [n] = step.weightShape;
  const asConv: ConvStep = {
    ...step,
    op: 'conv',
    weightShape: [n, 1, 1, k],
    geometry: { strides: [1, 1], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], group: 1 },
  };
  const { spec } = convKernel(asConv, [m, 1, 1, k], variant);
  return { spec, outputShape: [m, n] };
}
