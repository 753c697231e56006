// "Bring your own calibration": the quantization an imported QDQ model gives (src/import/onnx-qdq.ts),
// honoured by quantizeGraph() instead of calibrated ranges (docs/quantization.md, "QDQ import").
//
// - Activations: the (s, z) of each float tensor that the model quantizes (a QuantizeLinear →
//   DequantizeLinear pair), uint8 (s, z) held as the int8 (s, z − 128). qparamsFor() returns them.
// - Conv / Gemm / MatMul weights behind a DequantizeLinear: the per-output-channel scales. The
//   float graph holds the dequantized weights W = fround(s_w[c] · q[c,k]); q is recovered exactly
//   as round(W / s_w[c]) and checked to give W back, so the program's int8 weights are the model's.
// - Their int32 bias behind a DequantizeLinear: used as given where its scale is
//   fround(s_in · s_w[c]) (the scale the accumulator has, as onnxruntime's quantizer writes it),
//   otherwise re-derived from the dequantized float bias by (Q4).
//
// A node runs in int8 only where the model quantizes it: every activation it reads and writes
// has given (s, z) (ops that keep (s, z) need equal ones on both sides), and a Conv/Gemm/MatMul
// has given weights. Everything else runs in float, as the QDQ model says.

import { UnsupportedModelError } from '../errors.ts';
import type { Graph, Node } from '../ir/graph.ts';
import { OP_TRAITS, unhandledTrait } from '../ir/op-traits.ts';
import type { QuantizedModel } from './program.ts';
import { quantizeBias, type QParams, type QuantizedWeights } from './qparams.ts';

export interface GivenBias {
  /** The quantized initializer and its DequantizeLinear node, for messages. */
  tensor: string;
  /** The integers q − z, one per output channel (or one for all). */
  values: Int32Array;
  /** float32 scale per value (or one for all). */
  scales: Float32Array;
}

export interface GivenLinear {
  /** The quantized initializer of the weights and the DequantizeLinear node that reads it. */
  tensor: string;
  node: string;
  /** float32 weight scale per output channel. */
  scales: Float32Array;
  bias?: GivenBias;
}

export interface GivenQuantization {
  /** Float tensor of the imported graph → the int8 (s, z) the model gives it. */
  activations: Map<string, QParams>;
  /** Conv/Gemm/MatMul node name → its given weight quantization. */
  linear: Map<string, GivenLinear>;
}

const NHWC_SUFFIX = ':nhwc';

/** The given (s, z) of a tensor of the optimized graph: its own name, or the tensor it is the NHWC twin of. */
export function givenQParams(given: GivenQuantization, name: string): QParams | undefined {
  return given.activations.get(name) ?? (name.endsWith(NHWC_SUFFIX) ? given.activations.get(name.slice(0, -NHWC_SUFFIX.length)) : undefined);
}

const sameQ = (a: QParams | undefined, b: QParams | undefined) => !!a && !!b && a.scale === b.scale && a.zeroPoint === b.zeroPoint;

/**
 * Whether the model quantizes this node: only then may quantizeGraph() give it an int8 step.
 * By the op's int8 form (src/ir/op-traits.ts); the forms that keep (s, z) (Q17, Q18) need equal
 * given (s, z) on both sides, and only for the ops whose givenSameQParams trait says so.
 */
export function givenCovers(given: GivenQuantization, graph: Graph, node: Node): boolean {
  const q = (t: string) => givenQParams(given, t);
  const x = node.inputs[0] ?? '';
  const y = node.outputs[0] ?? '';
  const traits = OP_TRAITS[node.op];
  const form = traits.int8;
  switch (form) {
    case 'conv':
    case 'gemm':
      return given.linear.has(node.name) && !!q(x) && !!q(y);
    case 'add':
    case 'mul':
    case 'concat':
      return node.inputs.every((i) => i === '' || graph.initializers.has(i) || !!q(i)) && !!q(y);
    case 'lut':
      return !!q(x) && !!q(y);
    case 'pool':
    case 'global-pool':
    case 'clamp':
    case 'layout':
      return traits.givenSameQParams && sameQ(q(x), q(y));
    case 'float-only':
      return false;
    default:
      return unhandledTrait(form, 'int8');
  }
}

/**
 * The given int8 weights and int32 bias of a Conv/Gemm/MatMul, or undefined when the model gives
 * none for this node. `weights` are the float weights the node now has, output channel c at
 * [c·K, (c+1)·K); `bias` its float bias (or undefined).
 */
export function givenLinearWeights(
  given: GivenQuantization,
  node: Node,
  weights: ArrayLike<number>,
  channels: number,
  bias: ArrayLike<number> | undefined,
  inputScale: number,
): { weights: QuantizedWeights; bias: Float64Array } | undefined {
  const g = given.linear.get(node.name);
  if (!g) return undefined;
  const where = `${node.op} node "${node.name}"`;
  if (g.scales.length !== channels) {
    throw new UnsupportedModelError(`${where}: weights "${g.tensor}" have ${g.scales.length} scales for ${channels} output channels`);
  }
  const k = weights.length / channels;
  const values = new Int8Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const s = g.scales[Math.floor(i / k)]!;
    const w = weights[i]!;
    const q = Math.round(w / s);
    // Only the model's own dequantized weights give back an integer: a pass that changed them
    // (BatchNormalization folded into the node, Gemm alpha) leaves nothing to honour.
    if (Math.fround(q * s) !== w || q < -128 || q > 127) {
      throw new UnsupportedModelError(
        `${where}: its weights are no longer the int8 weights "${g.tensor}" (DequantizeLinear "${g.node}") — a graph pass changed them ` +
          `(BatchNormalization folded into the node, or Gemm alpha ≠ 1), so they cannot be used as given; fold them into the weights before quantizing`,
      );
    }
    values[i] = q;
  }
  const w: QuantizedWeights = { values, scales: Float32Array.from(g.scales) };
  const derived = quantizeBias(bias, inputScale, w.scales);
  const b = g.bias;
  if (!b || !bias) return { weights: w, bias: derived };
  const at = (a: ArrayLike<number>, c: number) => a[a.length === 1 ? 0 : c]!;
  // The given integers where the float bias is still their dequantized value and their scale is
  // the accumulator's scale; elsewhere (Q4) from the float bias.
  const out = Float64Array.from(derived, (d, c) => {
    const q = at(b.values, c);
    const sb = at(b.scales, c);
    return Math.fround(q * sb) === bias[c] && sb === Math.fround(inputScale * w.scales[c]!) ? q : d;
  });
  return { weights: w, bias: out };
}

/** Given activations that no int8 tensor of the program holds (fused away, or their op runs in float). */
export function unusedGiven(given: GivenQuantization, model: QuantizedModel): string[] {
  const held = new Set<string>();
  for (const info of model.tensors.values()) {
    if (info.dtype !== 'int8') continue;
    held.add(info.source);
    if (info.source.endsWith(NHWC_SUFFIX)) held.add(info.source.slice(0, -NHWC_SUFFIX.length));
  }
  return [...given.activations.keys()].filter((t) => !held.has(t));
}
