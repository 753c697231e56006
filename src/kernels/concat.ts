// ConcatStep + input shapes → one concat_int8 dispatch per input (shaders/concat_int8.wgsl),
// each writing its input's region of the output, requantized (Q16) where requant[i] is set.
// One dispatch per input keeps the binding count fixed whatever the number of inputs; inputs
// whose channel region shares packed words with a neighbour's read-modify-write those words,
// which is safe because WebGPU orders the dispatches of a pass.

import { sizeOf } from '../ir/tensor.ts';
import type { ConcatStep } from '../quant/program.ts';
import { wordsFor } from './pack.ts';
import { rowsOf } from './packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from './spec.ts';
import { uniformStruct } from './uniforms.ts';

export interface PlannedKernels {
  /** Run in order, in one pass. Empty inputs get no dispatch. */
  specs: KernelSpec[];
  outputShape: number[];
}

/**
 * Uniforms of each dispatch (16 words): rows, input words per row, output words per row,
 * dispatch width | block rows, output block rows, row offset, word offset | C_in, C_out,
 * channel offset, region words per row | M0, e, z_in, z_out.
 * Overrides: ALIGNED (whole-word copy, see the shader), REQUANT.
 */
export function concatKernels(step: ConcatStep, inputShapes: readonly (readonly number[])[]): PlannedKernels {
  const first = inputShapes[0];
  if (!first || first.length === 0) throw new RangeError(`concat "${step.name}": needs inputs of rank ≥ 1`);
  const rank = first.length;
  const axis = step.axis < 0 ? step.axis + rank : step.axis;
  if (axis < 0 || axis >= rank) throw new RangeError(`concat "${step.name}": axis ${step.axis} is out of range for rank ${rank}`);
  const total = inputShapes.reduce((s, shape) => s + shape[axis]!, 0);
  const outputShape = [...first];
  outputShape[axis] = total;
  const outChannels = outputShape[rank - 1]!;
  const outWords = wordsFor(outChannels);
  const channelAxis = axis === rank - 1;
  // Packed rows inside one step along the axis (0 < axis < rank - 1), e.g. W for an NHWC H-concat.
  const innerRows = channelAxis ? 1 : sizeOf(first.slice(axis + 1, rank - 1));
  const specs: KernelSpec[] = [];
  let offset = 0;
  inputShapes.forEach((shape, i) => {
    const extent = shape[axis]!;
    const at = offset;
    offset += extent;
    const rows = rowsOf(shape);
    const inChannels = shape[rank - 1]!;
    if (rows * inChannels === 0) return;
    const inWords = wordsFor(inChannels);
    const aligned = !channelAxis || (at % 4 === 0 && (inChannels % 4 === 0 || at + inChannels === outChannels));
    const regionWords = channelAxis ? Math.floor((at + inChannels - 1) / 4) - Math.floor(at / 4) + 1 : 0;
    const { workgroups, width } = dispatchFor(rows * (aligned ? inWords : regionWords));
    const requant = step.requant[i] ?? null;
    specs.push({
      label: `${step.name}/${i}`,
      shader: 'concat_int8',
      constants: { WORKGROUP_SIZE, ALIGNED: aligned ? 1 : 0, REQUANT: requant ? 1 : 0 },
      uniforms: uniformStruct({
        rows, in_words: inWords, out_words: outWords, dispatch_width: width,
        block_rows: channelAxis ? 1 : extent * innerRows, out_block_rows: channelAxis ? 1 : total * innerRows, row_offset: channelAxis ? 0 : at * innerRows, word_offset: channelAxis ? at / 4 : 0,
        in_channels: inChannels, out_channels: outChannels, channel_offset: at, region_words: regionWords,
        m0: requant?.multiplier.m0 ?? 0, exponent: requant?.multiplier.exponent ?? 0, input_zero: requant?.inputZeroPoint ?? 0, output_zero: step.zeroPoint,
      }),
      storage: [{ tensor: step.inputs[i]! }, { tensor: step.output, write: true }],
      workgroups,
    });
  });
  return { specs, outputShape };
}
