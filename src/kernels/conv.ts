// ConvStep + NHWC input shape → the conv2d_int8 kernel (shaders/conv2d_int8.wgsl).

import { planAxis } from '../ir/spatial.ts';
import type { ConvStep } from '../quant/program.ts';
import { packedZero, packRows, wordsFor } from './pack.ts';
import { dispatchFor, uniformWords, WORKGROUP_SIZE, type KernelSpec } from './spec.ts';

export interface PlannedKernel {
  spec: KernelSpec;
  outputShape: number[];
}

export function convKernel(step: ConvStep, inputShape: readonly number[]): PlannedKernel {
  const [n, h, w, c] = inputShape as [number, number, number, number];
  const [cout, kh, kw, cinPerGroup] = step.weightShape;
  const { group, strides, dilations } = step.geometry;
  const window = { ...step.geometry, kernel: [kh, kw] as [number, number] };
  const py = planAxis(window, 0, h);
  const px = planAxis(window, 1, w);
  const outWords = wordsFor(cout);
  const { workgroups, width } = dispatchFor(n * py.out * px.out * outWords);
  const params = new Int32Array(cout * 4);
  for (let oc = 0; oc < cout; oc++) params.set([step.bias[oc]!, step.out.m0[oc]!, step.out.exponent[oc]!, 0], oc * 4);
  const uniforms = uniformWords([
    n, h, w, wordsFor(c),
    py.out, px.out, cout, outWords,
    kh, kw, strides[0], strides[1],
    dilations[0], dilations[1], py.padBefore, px.padBefore,
    cinPerGroup, cout / group, wordsFor(cinPerGroup), packedZero(step.inputZeroPoint),
    step.inputZeroPoint, step.out.zeroPoint, step.out.lo, step.out.hi,
    width, 0, 0, 0,
  ]);
  return {
    spec: {
      label: step.name,
      shader: 'conv2d_int8',
      constants: { WORKGROUP_SIZE, ALIGNED: group === 1 || cinPerGroup % 4 === 0 ? 1 : 0 },
      uniforms,
      storage: [
        { tensor: step.input },
        { data: packRows(step.weights, cinPerGroup), label: `${step.name}/weights` },
        { data: params, label: `${step.name}/params` },
        { tensor: step.output, write: true },
      ],
      workgroups,
    },
    outputShape: [n, py.out, px.out, cout],
  };
}
