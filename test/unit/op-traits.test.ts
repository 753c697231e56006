// The op-traits table (src/ir/op-traits.ts) against what the stages did before it: every string set
// it replaced is derived here from the table and compared with the literal that stood in the code
// (so the move changed no behaviour), plus the invariants that tie the columns together.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ModelFormatError } from '../../src/errors.ts';
import { onnxConverters, UnsupportedUse, type ConvertContext } from '../../src/import/onnx-ops.ts';
import { OnnxAttrs } from '../../src/import/onnx-attrs.ts';
import type { NodeProto } from '../../src/import/onnx-proto.ts';
import type { Node, OpType } from '../../src/ir/graph.ts';
import { isOpType, nodeWith, OP_TRAITS, OP_TYPES, opsWhere, type OpsWith } from '../../src/ir/op-traits.ts';
import { floatKernels } from '../../src/ref/float/ops.ts';

const sorted = (ops: readonly string[]) => [...ops].sort();

// The ops as they stood before the table (git 7ee64cc): the sets below are compared over these,
// so ops added since (in their families, ir/ops/*.ts) do not change what the comparison means.
const ORIGINAL_OPS = [
  'Conv', 'BatchNormalization', 'Relu', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Clip', 'Add', 'Sub', 'Mul', 'Div',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Gemm', 'MatMul', 'Flatten', 'Reshape', 'Transpose', 'Concat',
  'Softmax', 'Identity', 'Dropout', 'Pad', 'Squeeze', 'Unsqueeze', 'Shape', 'Gather', 'DepthToSpace', 'Resize',
] as const satisfies readonly OpType[];
const original = (ops: readonly OpType[]) => ops.filter((op) => (ORIGINAL_OPS as readonly string[]).includes(op));

// The literals as they stood before the table (git 7ee64cc).
const BEFORE = {
  // quant/quantize-graph.ts: the ops quantizeNode's default sent to layoutStep.
  LAYOUT_OPS: ['Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout', 'Pad'],
  // quant/quantize-graph.ts: quantizeNode's own cases (everything else returned false: float).
  QUANTIZE_NODE_CASES: ['Conv', 'Gemm', 'MatMul', 'Add', 'Concat', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Relu', 'Clip'],
  // calibrate/calibrator.ts
  PASS_THROUGH: ['Reshape', 'Identity', 'Squeeze', 'Unsqueeze', 'Flatten', 'Transpose', 'Concat', 'Softmax', 'Sigmoid'],
  // import/onnx-qdq.ts (ONNX op types; each is the IR op of the same name)
  PASSES_QPARAMS: ['Relu', 'Clip', 'MaxPool', 'GlobalMaxPool', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout'],
  // quant/qdq-import.ts
  KEEPS_QPARAMS: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Relu', 'Clip', 'Transpose', 'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout'],
  // passes/to-nhwc.ts (plus its `node.op === 'Concat'` and `node.op === 'Flatten'` branches)
  SPATIAL: ['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool'],
  UNARY: ['Relu', 'Clip', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Identity', 'Dropout'],
  BINARY: ['Add', 'Sub', 'Mul', 'Div'],
  // kernels/float/registry.ts (FLOAT_GPU_OPS was exported and read nowhere: deleted)
  FLOAT_ALIAS_OPS: ['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout'],
  FLOAT_GPU_OPS: [
    'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout',
    'Conv', 'Gemm', 'MatMul', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
    'Add', 'Sub', 'Mul', 'Div', 'Relu', 'Clip', 'Sigmoid', 'HardSwish', 'HardSigmoid', 'LeakyRelu',
    'Concat', 'Transpose', 'Softmax', 'Pad',
  ],
  // kernels/float/registry.ts: the ops that may bind a constant as their data input.
  CONSTANT_DATA: ['Add', 'Sub', 'Mul', 'Div', 'Concat'],
};

/**
 * Original ops whose int8 form came after the sets below (git 7ee64cc), and what it is now: the
 * activations and Sub / Div by a constant became 256-entry tables (Q20), Mul an int8 step of its
 * own (Q21), nearest Resize and DepthToSpace layout steps (Q18). The comparison with the old sets leaves them out.
 */
const INT8_SINCE: Partial<Record<OpType, string>> = {
  LeakyRelu: 'lut', Sigmoid: 'lut', HardSigmoid: 'lut', HardSwish: 'lut', Sub: 'lut', Div: 'lut', Mul: 'mul', Resize: 'layout', DepthToSpace: 'layout',
};
const unchanged = (ops: readonly OpType[]) => original(ops).filter((op) => !(op in INT8_SINCE) && !(op in GPU_SINCE));

/** Original ops that took an fp32 GPU kernel after the sets above, and which (gather_f32 moves; BatchNormalization a binary_f32 chain). */
const GPU_SINCE: Partial<Record<OpType, string>> = { Gather: 'gather', DepthToSpace: 'gather', BatchNormalization: 'binary' };

describe('OP_TRAITS', () => {
  it('has one row per IR op: the ops the float reference implements', () => {
    expect(sorted(OP_TYPES)).toEqual(sorted(Object.keys(floatKernels)));
    expectTypeOf<keyof typeof OP_TRAITS>().toEqualTypeOf<OpType>();
  });

  it('gives the sets the stages used before, unchanged', () => {
    const derived = {
      LAYOUT_OPS: opsWhere((t) => t.int8 === 'layout'),
      QUANTIZE_NODE_CASES: opsWhere((t) => t.int8 !== 'float-only' && t.int8 !== 'layout'),
      PASS_THROUGH: opsWhere((t) => t.showsInputs !== 'none'),
      PASSES_QPARAMS: opsWhere((t) => t.valuesFromInput),
      KEEPS_QPARAMS: opsWhere((t) => t.givenSameQParams),
      SPATIAL: opsWhere((t) => t.nhwc === 'spatial'),
      UNARY: opsWhere((t) => t.nhwc === 'elementwise'),
      BINARY: opsWhere((t) => t.nhwc === 'broadcast'),
      FLOAT_ALIAS_OPS: opsWhere((t) => t.gpu === 'alias'),
      FLOAT_GPU_OPS: opsWhere((t) => t.gpu !== 'none'),
      CONSTANT_DATA: opsWhere((t) => t.gpu === 'binary' || t.gpu === 'concat'),
    };
    for (const [name, ops] of Object.entries(derived)) {
      expect(sorted(unchanged(ops)), name).toEqual(sorted(BEFORE[name as keyof typeof BEFORE].filter((op) => !(op in INT8_SINCE) && !(op in GPU_SINCE))));
    }
    for (const [op, gpu] of Object.entries(GPU_SINCE)) expect(OP_TRAITS[op as OpType].gpu, op).toBe(gpu);
    expect(opsWhere((t) => t.nhwc === 'concat')).toEqual(['Concat']);
    expect(opsWhere((t) => t.nhwc === 'flatten-pooled')).toEqual(['Flatten']);
    expect(opsWhere((t) => t.showsInputs === 'all')).toEqual(['Concat']); // the calibrator's Concat case
  });

  it('sends to float exactly the ops quantizeNode sent there before, each by declaration', () => {
    const quantized = new Set([...BEFORE.QUANTIZE_NODE_CASES, ...BEFORE.LAYOUT_OPS, ...Object.keys(INT8_SINCE)]);
    expect(sorted(original(opsWhere((t) => t.int8 === 'float-only')))).toEqual(sorted(ORIGINAL_OPS.filter((op) => !quantized.has(op))));
  });

  it('gives the original ops of INT8_SINCE their new int8 forms, and nothing new to the other original ops', () => {
    for (const [op, form] of Object.entries(INT8_SINCE)) expect(OP_TRAITS[op as OpType].int8, op).toBe(form);
    expect(sorted(original(opsWhere((t) => t.int8 === 'lut' || t.int8 === 'mul')))).toEqual(sorted(Object.keys(INT8_SINCE).filter((op) => op !== 'Resize' && op !== 'DepthToSpace')));
  });

  it('ties the columns together', () => {
    const keepsQParams = new Set(['pool', 'global-pool', 'clamp', 'layout']);
    for (const op of OP_TYPES) {
      const t = OP_TRAITS[op];
      // A QDQ model's equal (s, z) on both sides means something only to an int8 step that keeps them.
      if (t.givenSameQParams) expect(keepsQParams, `${op}: givenSameQParams with int8 ${t.int8}`).toContain(t.int8);
      // An op whose float output is its input's values has an int8 form with the input's (s, z).
      if (t.valuesFromInput) expect(keepsQParams, `${op}: valuesFromInput with int8 ${t.int8}`).toContain(t.int8);
      // Aliases on the GPU are moves of the elements in order: the int8 path moves them as layout steps.
      if (t.gpu === 'alias') expect(t.int8, `${op}: a GPU alias`).toBe('layout');
      // An op the GPU float path cannot run has no int8 step either, but a table (the lut kernel
      // runs any table, whatever float function made it) or a move (Resize).
      if (t.gpu === 'none') expect(['float-only', 'lut', 'layout'], `${op}: no GPU float kernel`).toContain(t.int8);
    }
  });

  it('types the ops of a trait value', () => {
    expectTypeOf<OpsWith<'gpu', 'alias'>>().toEqualTypeOf<'Reshape' | 'Flatten' | 'Squeeze' | 'Unsqueeze' | 'Identity' | 'Dropout'>();
    expectTypeOf<OpsWith<'int8', 'gemm'>>().toEqualTypeOf<'Gemm' | 'MatMul'>();
    const node: Node = { op: 'Relu', name: 'r', inputs: ['x'], outputs: ['y'], attrs: {} };
    expect(nodeWith(node, 'int8', 'clamp')).toBe(node);
    expect(() => nodeWith(node, 'int8', 'layout')).toThrow('Relu node "r": its int8 trait is clamp, not layout');
  });
});

describe('ONNX op types and the IR ops they become (why onnx-qdq.ts reads the IR table)', () => {
  it('every ONNX op the importer takes that has an IR op of its name becomes that op', () => {
    // The others (Constant, Upsample, ...) become other IR ops or constants: onnx-qdq.ts treats
    // them as ops that make new values.
    for (const [opType, convert] of Object.entries(onnxConverters)) {
      if (!isOpType(opType)) continue;
      const proto = { opType, name: 'n', domain: '', input: ['x', 'w', ''], output: ['y'], attribute: [{ name: 'kernel_shape', ints: [1, 1] }] } as unknown as NodeProto;
      const context: ConvertContext = { proto, name: 'n', opset: 13, attrs: new OnnxAttrs(proto), constantInput: () => undefined, constant: (suffix) => `n/${suffix}`, branch: () => { throw new UnsupportedUse('no subgraph here'); }, branchInputs: () => [], inputType: () => undefined, inputShape: () => undefined };
      let converted;
      try {
        converted = convert(context);
      } catch (e) {
        // This generic node (inputs x, w, '', no attributes but kernel_shape) is not a use every
        // converter takes; the ones that refuse it say why, as they would to a model.
        if (e instanceof UnsupportedUse || e instanceof ModelFormatError) continue;
        throw e;
      }
      // Legacy forms may add helper nodes (an Unsqueeze before a 1-D Conv), never a different op.
      expect(Array.isArray(converted) ? converted.map((n) => n.op) : converted, `ONNX ${opType}`).toContain(opType);
    }
    expect(['Constant', 'QLinearAdd', 'toString'].filter(isOpType)).toEqual([]);
  });
});
