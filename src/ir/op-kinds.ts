// The kinds an IR op can be to the stages that treat ops by kind (see op-traits.ts, which gives
// every op its row). Kept apart from the table so the op-family files (ir/ops/*.ts) can build
// their rows from these without importing the table they are part of.

/** What assignNhwcLayout (passes/to-nhwc.ts) does with the op. */
export type NhwcRole =
  /** Runs NHWC on 4-D input (Conv weights become [Cout, kh, kw, Cin/group]). */
  | 'spatial'
  /** Follows its data input into NHWC: elementwise on one tensor (other inputs are scalars). */
  | 'elementwise'
  /** Follows an NHWC operand; constant operands are re-laid out to broadcast the same way. */
  | 'broadcast'
  /** Follows when every input is NHWC; the axis is remapped. */
  | 'concat'
  /** Flatten(axis 1) of a global pool's output: the NHWC twin flattens to the same [N, C]. */
  | 'flatten-pooled'
  /** Resize of a 4-D NHWC tensor: the same node on the twin, its `axes` remapped to NHWC. */
  | 'resize'
  /** Stays NCHW: NHWC inputs are transposed back for it. */
  | 'nchw';

/** What quantizeNode (quant/quantize-graph.ts) makes of the op: its int8 step, or float. */
export type Int8Form =
  /** NHWC Conv with constant weights → a conv step (Q5–Q12). */
  | 'conv'
  /** 2-D Gemm / MatMul with constant weights → a gemm step. */
  | 'gemm'
  /** Two activations → an add step (Q13). */
  | 'add'
  /** Two activations → a mul step (Q21), or x · f(x) of a table on x → that table (Q20). */
  | 'mul'
  /** Activations → a concat step, requantizing inputs that differ (Q16). */
  | 'concat'
  /** NHWC window pool → a maxpool / avgpool step with the input's (s, z) (Q17). */
  | 'pool'
  /** NHWC global pool → a globalavgpool / globalmaxpool step with the input's (s, z) (Q17). */
  | 'global-pool'
  /** Relu / Clip with constant bounds on int8 data → a clamp step, or the preceding Add's bounds (Q18). */
  | 'clamp'
  /** Moves int8 values with constant other inputs → a layout step with the input's (s, z) (Q18). */
  | 'layout'
  /**
   * A float function of one int8 tensor, elementwise (other inputs constant) → a lut step: its
   * 256 outputs, one per input value, computed at quantization time by the op's float reference
   * kernel (Q20).
   */
  | 'lut'
  /** No int8 form: always a float step between dequantize and quantize (Q14, Q15). */
  | 'float-only';

/** The op's fp32 GPU kernel (kernels/float/registry.ts). */
export type FloatGpu =
  /** Keeps the element order: its output is its input's buffer, no dispatch. */
  | 'alias'
  | 'conv'
  | 'gemm'
  | 'matmul'
  | 'pool'
  | 'global-pool'
  | 'binary'
  | 'unary'
  | 'concat'
  /** A dispatch, or an alias where the permutation keeps the element order. */
  | 'transpose'
  | 'pad'
  | 'softmax'
  /** Over a set of axes (ReduceSum …), or the index of the extreme along one (ArgMax, ArgMin). */
  | 'reduce'
  /** Moves elements: a strided view of the input, or through a table of constant indices. */
  | 'gather'
  /** Layer / instance / group normalization: statistics per run of consecutive elements. */
  | 'norm'
  /** NegativeLogLikelihoodLoss / SoftmaxCrossEntropyLoss with constant targets. */
  | 'loss'
  /** Resize: one weighted-taps dispatch per resized axis. */
  | 'resize'
  /** GridSample of a constant grid: taps over each image's plane. */
  | 'grid-sample'
  /** A product with int8 weights whose activations are quantized on the GPU at run time (D1–D5). */
  | 'dynamic-int8'
  /** The GPU float path refuses it (the CPU reference runs it). */
  | 'none';

export interface OpTraits {
  nhwc: NhwcRole;
  int8: Int8Form;
  /**
   * A QDQ model's node runs in int8 where the model gives its input and its output the same
   * (s, z) (quant/qdq-import.ts, givenCovers). Only for the int8 forms that keep (s, z): pool,
   * global-pool, clamp, layout. (Conv/Gemm/MatMul need given weights, Add/Concat given tensors:
   * their rule follows from `int8` alone.)
   */
  givenSameQParams: boolean;
  /**
   * Every value of its float output is a value of its data input (selected, moved, or at a clamp
   * bound), so an output the QDQ model leaves unquantized takes the input's (s, z)
   * (import/onnx-qdq.ts). Averages are not: AveragePool makes new values.
   */
  valuesFromInput: boolean;
  /**
   * Which inputs' values its output still shows, as they are or in order (a monotonic Sigmoid or
   * Softmax): tensors a model output shows through it are calibrated min/max, never clipped
   * (calibrate/calibrator.ts, outputFacingTensors). 'first': the data input; 'all': every input.
   */
  showsInputs: 'none' | 'first' | 'all';
  gpu: FloatGpu;
}

// Shared rows for the ops that are nothing but a move of their input's elements.
export const LAYOUT = { int8: 'layout', givenSameQParams: true, valuesFromInput: true, showsInputs: 'first' } as const;
export const FLOAT_ONLY = { int8: 'float-only', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none' } as const;

/** Elementwise float functions of one tensor: int8 through a 256-entry table (Q20). */
export const LUT = { int8: 'lut', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none' } as const;

/** An op with no int8 form and no fp32 GPU kernel yet: the CPU reference runs it, in NCHW. */
export const CPU_FLOAT = { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' } as const;
