// PoolStep / GlobalPoolStep + NHWC input shape → the pool_int8 kernel (shaders/pool_int8.wgsl).
// A global pool is the same kernel with one window covering the whole image.

import type { GlobalPoolStep, PoolStep } from '../quant/program.ts';
import type { PlannedKernel } from './conv.ts';
import { globalWindow, poolWindow, type PoolWindow } from './pool-window.ts';
import { wordsFor } from './pack.ts';
import { dispatchFor, WORKGROUP_SIZE } from './spec.ts';
import { uniformStruct } from './uniforms.ts';

interface PoolPlan extends PoolWindow {
  label: string;
  input: string;
  output: string;
  max: boolean;
  countIncludePad: boolean;
  zeroPoint: number;
  inputShape: readonly number[];
}

/**
 * Uniforms (20 words): N, H, W, ceil(C/4) | OH, OW, kh, kw | stride y, x, dilation y, x |
 * pad top, left, bottom, right | z, dispatch width, 0, 0.
 * Overrides: MAX (max pool, else average), COUNT_INCLUDE_PAD.
 */
function poolSpec(p: PoolPlan): PlannedKernel {
  const [n, h, w, c] = p.inputShape as [number, number, number, number];
  const words = wordsFor(c);
  const [oh, ow] = p.out;
  const { workgroups, width } = dispatchFor(n * oh * ow * words);
  return {
    spec: {
      label: p.label,
      shader: 'pool_int8',
      constants: { WORKGROUP_SIZE, MAX: p.max ? 1 : 0, COUNT_INCLUDE_PAD: p.countIncludePad ? 1 : 0 },
      uniforms: uniformStruct({
        n, h, w, words,
        oh, ow, kh: p.kernel[0], kw: p.kernel[1],
        stride_y: p.strides[0], stride_x: p.strides[1], dilation_y: p.dilations[0], dilation_x: p.dilations[1],
        pad_top: p.pads[0], pad_left: p.pads[1], pad_bottom: p.pads[2], pad_right: p.pads[3],
        zero_point: p.zeroPoint, dispatch_width: width, _pad0: 0, _pad1: 0,
      }),
      storage: [{ tensor: p.input }, { tensor: p.output, write: true }],
      workgroups,
    },
    outputShape: [n, oh, ow, c],
  };
}

/** (Q17) MaxPool / AveragePool over NHWC int8 (autoPad, pads, strides, dilations, ceil mode, count_include_pad). */
export function poolKernel(step: PoolStep, inputShape: readonly number[]): PlannedKernel {
  return poolSpec({
    label: step.name,
    input: step.input,
    output: step.output,
    max: step.op === 'maxpool',
    countIncludePad: step.op === 'avgpool' && step.countIncludePad,
    zeroPoint: step.zeroPoint,
    inputShape,
    ...poolWindow(step, inputShape),
  });
}

/** (Q17) GlobalAveragePool / GlobalMaxPool: NHWC [N, H, W, C] → [N, 1, 1, C]. */
export function globalPoolKernel(step: GlobalPoolStep, inputShape: readonly number[]): PlannedKernel {
  return poolSpec({
    label: step.name,
    input: step.input,
    output: step.output,
    max: step.op === 'globalmaxpool',
    countIncludePad: false,
    zeroPoint: 0,
    inputShape,
    ...globalWindow(inputShape),
  });
}
