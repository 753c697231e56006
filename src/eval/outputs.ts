// What int8 and fp32 outputs are compared on, with no dependency on image decoding or datasets:
// the quantizer's target search (src/quant/sensitivity.ts) uses these in the page too.

import type { Tensor } from '../ir/tensor.ts';
import type { QuantizedModel } from '../quant/program.ts';

/** The float tensor holding the logits: the input of a Softmax that makes the first output, else that output. */
export function logitsOf(model: QuantizedModel): string {
  const output = model.outputs[0]!.name;
  const last = model.steps.find((s) => s.op === 'float' && s.node.op === 'Softmax' && s.node.outputs[0] === output);
  return last?.op === 'float' ? last.node.inputs[0]! : output;
}

/** Cosine similarity of two tensors of one shape (1 when both are zero). */
export function cosineOf(x: Tensor, y: Tensor): number {
  let dot = 0;
  let a = 0;
  let b = 0;
  for (let i = 0; i < y.data.length; i++) {
    dot += x.data[i]! * y.data[i]!;
    a += x.data[i]! ** 2;
    b += y.data[i]! ** 2;
  }
  return a === 0 || b === 0 ? (a === b ? 1 : 0) : dot / Math.sqrt(a * b);
}
