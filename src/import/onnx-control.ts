// ONNX converters of the control-flow family (ir/ops/control.ts).

import { capturedNames } from '../ir/ops/control.ts';
import { node, type Converter } from './onnx-convert.ts';

export const controlConverters: Record<string, Converter> = {
  If: (c) => {
    const thenBranch = c.branch('then_branch');
    const elseBranch = c.branch('else_branch');
    const captured = [...new Set([...capturedNames(thenBranch), ...capturedNames(elseBranch)])];
    return node(c, 'If', { captured, thenBranch, elseBranch }, [c.proto.input[0]!, ...captured]);
  },
};
