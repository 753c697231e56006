// MaxPool / AveragePool / GlobalMaxPool / GlobalAveragePool over NHWC float32 → the pool_f32
// kernel. A global pool is the same kernel with one window covering the whole image.

import type { NodeOf } from '../../ir/graph.ts';
import type { PlannedKernel } from '../conv.ts';
import { globalWindow, poolWindow, type PoolWindow } from '../pool-window.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { formatShape } from './common.ts';

interface PoolPlan extends PoolWindow {
  label: string;
  input: string;
  output: string;
  max: boolean;
  countIncludePad: boolean;
  inputShape: readonly number[];
}

/**
 * Uniforms (20 words): N, H, W, C | OH, OW, kh, kw | stride y, x, dilation y, x |
 * pad top, left, bottom, right | dispatch width, 0, 0, 0.
 * Overrides: MAX (max pool, else average), COUNT_INCLUDE_PAD.
 */
function poolSpec(p: PoolPlan): PlannedKernel {
  const [n, h, w, c] = p.inputShape as [number, number, number, number];
  const [oh, ow] = p.out;
  const { workgroups, width } = dispatchFor(n * oh * ow * c);
  return {
    spec: {
      label: p.label,
      shader: 'pool_f32',
      constants: { WORKGROUP_SIZE, MAX: p.max ? 1 : 0, COUNT_INCLUDE_PAD: p.countIncludePad ? 1 : 0 },
      uniforms: uniformStruct({
        n, h, w, c,
        oh, ow, kh: p.kernel[0], kw: p.kernel[1],
        stride_y: p.strides[0], stride_x: p.strides[1], dilation_y: p.dilations[0], dilation_x: p.dilations[1],
        pad_top: p.pads[0], pad_left: p.pads[1], pad_bottom: p.pads[2], pad_right: p.pads[3],
        dispatch_width: width, _pad0: 0, _pad1: 0, _pad2: 0,
      }),
      storage: [{ tensor: p.input }, { tensor: p.output, write: true }],
      workgroups,
    },
    outputShape: [n, oh, ow, c],
  };
}

function checkNhwc(layout: string, inputShape: readonly number[]): void {
  if (layout !== 'NHWC') throw new RangeError('the GPU float path pools NHWC data: plan the graph of optimize(graph, { layout: \'NHWC\' })');
  if (inputShape.length !== 4) throw new RangeError(`pooling expects a 4-D input, got ${formatShape(inputShape)}`);
}

/** MaxPool / AveragePool: autoPad, pads, strides, dilations, ceil mode, count_include_pad. */
export function poolF32Kernel(node: NodeOf<'MaxPool'> | NodeOf<'AveragePool'>, inputShape: readonly number[]): PlannedKernel {
  const a = node.attrs;
  checkNhwc(a.layout, inputShape);
  return poolSpec({
    label: node.name,
    input: node.inputs[0]!,
    output: node.outputs[0]!,
    max: node.op === 'MaxPool',
    countIncludePad: node.op === 'AveragePool' && node.attrs.countIncludePad,
    inputShape,
    ...poolWindow(a, inputShape),
  });
}

/** GlobalAveragePool / GlobalMaxPool: NHWC [N, H, W, C] → [N, 1, 1, C]. */
export function globalPoolF32Kernel(node: NodeOf<'GlobalAveragePool'> | NodeOf<'GlobalMaxPool'>, inputShape: readonly number[]): PlannedKernel {
  checkNhwc(node.attrs.layout, inputShape);
  return poolSpec({
    label: node.name,
    input: node.inputs[0]!,
    output: node.outputs[0]!,
    max: node.op === 'GlobalMaxPool',
    countIncludePad: false,
    inputShape,
    ...globalWindow(inputShape),
  });
}
