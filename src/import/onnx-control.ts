// ONNX converters of the control-flow family (ir/ops/control.ts).

import { capturedNames } from '../ir/ops/control.ts';
import { node, UnsupportedUse, type Converter } from './onnx-convert.ts';

export const controlConverters: Record<string, Converter> = {
  If: (c) => {
    const thenBranch = c.branch('then_branch');
    const elseBranch = c.branch('else_branch');
    const captured = [...new Set([...capturedNames(thenBranch), ...capturedNames(elseBranch)])];
    return node(c, 'If', { captured, thenBranch, elseBranch }, [c.proto.input[0]!, ...captured]);
  },
  Loop: (c) => {
    const body = c.branch('body');
    const bodyInputs = c.branchInputs('body');
    const carried = c.proto.input.length - 2;
    if (bodyInputs.length !== carried + 2) throw new UnsupportedUse(`a body with ${bodyInputs.length} inputs for ${carried} loop-carried values`);
    const captured = capturedNames(body, bodyInputs);
    const inputs = [c.proto.input[0] ?? '', c.proto.input[1] ?? '', ...c.proto.input.slice(2), ...captured];
    return node(c, 'Loop', { captured, body, bodyInputs, carried }, inputs);
  },
};
