// The int8 program: what the quantizer produces, the .q8 file stores, the int8 reference runs and
// the GPU runtime will execute. Plain data; int8 activations are NHWC where they are 4-D.

import type { ConvAttrs, Node, PoolAttrs } from '../ir/graph.ts';
import type { DType, Tensor } from '../ir/tensor.ts';
import type { QParams } from './qparams.ts';
import type { QuantizedMultiplier } from './fixed-point.ts';

/** Per-output-channel requantization: (Q8) multipliers and (Q12) clamp bounds. */
export interface OutputStage {
  m0: Int32Array;
  exponent: Int32Array;
  zeroPoint: number;
  lo: number;
  hi: number;
  /** (Q12b) Per-channel upper bounds in [lo, hi] (a ReLU6 that equalization scaled per channel); absent: hi for all. */
  channelHi?: Int32Array;
}

/** The float Conv's window attributes; layout (always NHWC here) and clamp (in OutputStage) dropped. */
export type ConvGeometry = Omit<ConvAttrs, 'layout' | 'clamp'>;

export interface ConvStep {
  op: 'conv';
  name: string;
  input: string;
  output: string;
  /** [Cout, kh, kw, Cin/group] int8, (Q3). */
  weights: Int8Array;
  weightShape: [number, number, number, number];
  /** (Q6): q_b − z_x · Σ q_w, int32. */
  bias: Int32Array;
  inputZeroPoint: number;
  geometry: ConvGeometry;
  out: OutputStage;
}

/** Fully connected: [M, K] × [N, K]ᵀ. */
export interface GemmStep {
  op: 'gemm';
  name: string;
  input: string;
  output: string;
  /** [N, K] int8. */
  weights: Int8Array;
  weightShape: [number, number];
  bias: Int32Array;
  inputZeroPoint: number;
  out: OutputStage;
}

/** (Q13) */
export interface AddStep {
  op: 'add';
  name: string;
  inputs: [string, string];
  output: string;
  zeroPoints: [number, number];
  multipliers: [QuantizedMultiplier, QuantizedMultiplier];
  outMultiplier: QuantizedMultiplier;
  zeroPoint: number;
  lo: number;
  hi: number;
}

/** (Q21): the product of two int8 tensors (numpy broadcasting), requantized once. */
export interface MulStep {
  op: 'mul';
  name: string;
  inputs: [string, string];
  output: string;
  zeroPoints: [number, number];
  /** s_a · s_b / s_out. */
  multiplier: QuantizedMultiplier;
  zeroPoint: number;
  lo: number;
  hi: number;
}

/** (Q16): requant[i] is null where input i already has the output's (s, z). */
export interface ConcatStep {
  op: 'concat';
  name: string;
  inputs: string[];
  output: string;
  axis: number;
  requant: ({ multiplier: QuantizedMultiplier; inputZeroPoint: number } | null)[];
  zeroPoint: number;
}

/** (Q17): the float pool's window attributes (layout is always NHWC here). */
export interface PoolStep extends Omit<PoolAttrs, 'layout'> {
  op: 'maxpool' | 'avgpool';
  name: string;
  input: string;
  output: string;
  countIncludePad: boolean;
  zeroPoint: number;
}

export interface GlobalPoolStep {
  op: 'globalavgpool' | 'globalmaxpool';
  name: string;
  input: string;
  output: string;
}

/** (Q18): a standalone Relu/Clip on int8 data. */
export interface ClampStep {
  op: 'clamp';
  name: string;
  input: string;
  output: string;
  lo: number;
  hi: number;
}

/** (Q20): an elementwise float function of int8 data, as a table: output q = table[input q + 128]. */
export interface LutStep {
  op: 'lut';
  name: string;
  input: string;
  output: string;
  /** The output code for each input code −128 … 127, in that order (256 entries). */
  table: Int8Array;
}

/** (Q18): Transpose, Reshape, Flatten, Squeeze, Unsqueeze on int8 data: the float graph's node, run on int8 values. */
export interface LayoutStep {
  op: 'layout';
  name: string;
  node: Node;
}

/** (Q14) */
export interface QuantizeStep {
  op: 'quantize';
  name: string;
  input: string;
  output: string;
}

/** (Q15) */
export interface DequantizeStep {
  op: 'dequantize';
  name: string;
  input: string;
  output: string;
}

/** A node with no int8 form, run in float32 between dequantize and quantize steps. */
export interface FloatStep {
  op: 'float';
  name: string;
  node: Node;
}

export type Step =
  | ConvStep | GemmStep | AddStep | MulStep | ConcatStep | PoolStep | GlobalPoolStep | ClampStep | LutStep
  | LayoutStep | QuantizeStep | DequantizeStep | FloatStep;

export interface Int8TensorInfo {
  dtype: 'int8';
  qparams: QParams;
  /** The float tensor this one approximates (for per-layer error reports). */
  source: string;
}

export interface FloatTensorInfo {
  dtype: 'float32';
}

export type TensorInfo = Int8TensorInfo | FloatTensorInfo;

export interface QuantizedModel {
  name: string;
  /** `dtype`: an integer or bool input (token ids, masks), carried as f32 on the GPU; absent: float32. */
  inputs: { name: string; shape: (number | string)[]; dtype?: DType }[];
  outputs: { name: string; shape: (number | string)[] }[];
  tensors: Map<string, TensorInfo>;
  steps: Step[];
  /** Constants read by layout and float steps (shapes, axes, float weights of float ops). */
  constants: Map<string, Tensor>;
  /** How the ranges were calibrated, for the record. */
  calibration: { method: string; samples: number; perTensorWeights: boolean; symmetricActivations: boolean };
}
