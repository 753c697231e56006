// ONNX converters of the indexing op family (ir/ops/indexing.ts).

import { ModelFormatError } from '../errors.ts';
import type { ScatterReduction } from '../ir/ops/indexing.ts';
import { tensor } from '../ir/tensor.ts';
import { node, noAttrs, simple, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';
import { onnxDType } from './onnx-tensor.ts';

const intsInput = (c: ConvertContext, name: string, values: number[]): string => c.constant(name, tensor('int64', [values.length], values));

function requiredInts(c: ConvertContext, name: string): number[] {
  const v = c.attrs.ints(name);
  if (!v) throw new ModelFormatError(`node "${c.name}": ${c.proto.opType} at opset ${c.opset} needs the ${name} attribute`);
  return v;
}

/** Before opset 10, starts, ends and axes were attributes (and there were no steps). */
const slice: Converter = (c) => {
  if (c.opset >= 10) return node(c, 'Slice', noAttrs);
  const inputs = [c.proto.input[0]!, intsInput(c, 'starts', requiredInts(c, 'starts')), intsInput(c, 'ends', requiredInts(c, 'ends'))];
  const axes = c.attrs.ints('axes');
  if (axes) inputs.push(intsInput(c, 'axes', axes));
  return node(c, 'Slice', noAttrs, inputs);
};

/** Before opset 13 the part lengths could be the `split` attribute; from 18, num_outputs must name the outputs there are. */
const split: Converter = (c) => {
  const parts = c.proto.output.length;
  if (c.attrs.has('num_outputs') && c.attrs.int('num_outputs', 0) !== parts) {
    throw new ModelFormatError(`node "${c.name}": Split num_outputs=${c.attrs.int('num_outputs', 0)} with ${parts} outputs`);
  }
  const attrs = { axis: c.attrs.int('axis', 0), parts };
  const lengths = c.opset < 13 ? c.attrs.ints('split') : undefined;
  return node(c, 'Split', attrs, lengths ? [c.proto.input[0]!, intsInput(c, 'split', lengths)] : c.proto.input);
};

function reduction(c: ConvertContext): ScatterReduction {
  const r = c.attrs.string('reduction', 'none');
  if (r === 'none' || r === 'add' || r === 'mul' || r === 'max' || r === 'min') return r;
  throw new UnsupportedUse(`reduction "${r}"`);
}

const optionalInt = (c: ConvertContext, name: string): number | null => (c.attrs.has(name) ? c.attrs.int(name, 0) : null);

/**
 * "bij, bjk -> bik" → operands ['bij', 'bjk'], output 'bik', with '...' as '.'. Without '->', the
 * output is the ellipsis, then the letters used once, in alphabetical order (numpy's implicit form).
 */
export function parseEinsum(equation: string): { operands: string[]; output: string } {
  const [lhs, rhs, ...rest] = equation.replace(/\s+/g, '').replaceAll('...', '.').split('->');
  const operands = lhs!.split(',');
  const bad = [...operands, rhs ?? ''].find((s) => !/^[A-Za-z]*\.?[A-Za-z]*$/.test(s));
  if (rest.length > 0 || bad !== undefined) throw new ModelFormatError(`Einsum equation "${equation}" is not of the form "ab,bc->ac"`);
  if (rhs !== undefined) return { operands, output: rhs };
  const letters = operands.join('').replaceAll('.', '');
  const once = [...new Set(letters)].filter((l) => letters.indexOf(l) === letters.lastIndexOf(l)).sort();
  return { operands, output: (operands.some((s) => s.includes('.')) ? '.' : '') + once.join('') };
}

export const indexingConverters: Record<string, Converter> = {
  Slice: slice,
  Split: split,
  Expand: simple('Expand'),
  Tile: (c) => {
    if (c.proto.input.length > 2) throw new UnsupportedUse('the opset < 6 form (tiles and axis inputs)');
    return node(c, 'Tile', noAttrs);
  },
  Range: simple('Range'),
  ConstantOfShape: (c) => {
    const value = c.attrs.tensor('value');
    if (value && value.data.length !== 1) throw new ModelFormatError(`node "${c.name}": ConstantOfShape value has ${value.data.length} elements, expected 1`);
    return node(c, 'ConstantOfShape', { value: value?.data[0] ?? 0, dtype: value?.dtype ?? 'float32' });
  },
  Size: simple('Size'),
  GatherElements: (c) => node(c, 'GatherElements', { axis: c.attrs.int('axis', 0) }),
  GatherND: (c) => node(c, 'GatherND', { batchDims: c.attrs.int('batch_dims', 0) }),
  ScatterElements: (c) => node(c, 'ScatterElements', { axis: c.attrs.int('axis', 0), reduction: reduction(c) }),
  // Scatter (opsets 9-10) is ScatterElements under its first name.
  Scatter: (c) => node(c, 'ScatterElements', { axis: c.attrs.int('axis', 0), reduction: 'none' }),
  ScatterND: (c) => node(c, 'ScatterND', { reduction: reduction(c) }),
  OneHot: (c) => node(c, 'OneHot', { axis: c.attrs.int('axis', -1) }),
  Compress: (c) => node(c, 'Compress', { axis: optionalInt(c, 'axis') }),
  Trilu: (c) => node(c, 'Trilu', { upper: c.attrs.int('upper', 1) === 1 }),
  SpaceToDepth: (c) => {
    const blocksize = c.attrs.int('blocksize', 0);
    if (blocksize < 1) throw new ModelFormatError(`node "${c.name}": SpaceToDepth needs a blocksize of 1 or more`);
    return node(c, 'SpaceToDepth', { blocksize });
  },
  NonZero: simple('NonZero'),
  EyeLike: (c) => {
    const dtype = optionalInt(c, 'dtype');
    return node(c, 'EyeLike', { k: c.attrs.int('k', 0), dtype: dtype === null ? null : onnxDType(dtype, `EyeLike node "${c.name}" dtype`) });
  },
  Einsum: (c) => node(c, 'Einsum', parseEinsum(c.attrs.string('equation', ''))),
  NonMaxSuppression: (c) => node(c, 'NonMaxSuppression', { centerPointBox: c.attrs.int('center_point_box', 0) === 1 }),
  ReverseSequence: (c) => {
    const [batchAxis, timeAxis] = [c.attrs.int('batch_axis', 1), c.attrs.int('time_axis', 0)];
    if (batchAxis + timeAxis !== 1 || batchAxis * timeAxis !== 0) {
      throw new ModelFormatError(`node "${c.name}": ReverseSequence batch_axis=${batchAxis} time_axis=${timeAxis} (one must be 0, the other 1)`);
    }
    return node(c, 'ReverseSequence', { batchAxis, timeAxis });
  },
  Unique: (c) => node(c, 'Unique', { sorted: c.attrs.int('sorted', 1) === 1, axis: optionalInt(c, 'axis') }),
};
