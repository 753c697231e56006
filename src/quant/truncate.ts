// A program cut down to produce other tensors than its outputs: only the steps they need, in order.
// For reading an int8 program's intermediate tensors on the GPU (per-layer checks, debugging) with
// the same session as the whole program, e.g. the dequantized logits before a float Softmax.
// A session reads outputs as float32: name float tensors (a dequantize step's output), not `x:q`.

import { InputError } from '../errors.ts';
import type { QuantizedModel } from './program.ts';
import { stepInputs, stepOutputs } from './q8-file.ts';

/** `outputs`: tensor names the program computes (int8 `x:q` or float). */
export function withOutputs(model: QuantizedModel, outputs: readonly string[]): QuantizedModel {
  const needed = new Set(outputs);
  const kept = [...model.steps].reverse().filter((step) => {
    if (!stepOutputs(step).some((o) => needed.has(o))) return false;
    for (const i of stepInputs(step)) if (i !== '') needed.add(i);
    return true;
  });
  const produced = new Set([...model.inputs.map((i) => i.name), ...kept.flatMap(stepOutputs)]);
  const missing = outputs.find((o) => !produced.has(o));
  if (missing !== undefined) throw new InputError(`the program computes no tensor "${missing}"`);
  return { ...model, steps: kept.reverse(), outputs: outputs.map((name) => ({ name, shape: [] })) };
}
