// ONNX QDQ import: a model with QuantizeLinear/DequantizeLinear (onnxruntime's `quantize_static`
// QDQ format, our own exportQdq(), …) → the float graph without them, plus the quantization the
// model gives (src/quant/qdq-import.ts), so that quantizeGraph() needs no calibration and uses
// exactly the model's scales and zero points (docs/quantization.md, "QDQ import").
//
// On the decoded ModelProto, before the normal import:
// - QuantizeLinear → DequantizeLinear on a float tensor t (an activation): both removed, readers of
//   the dequantized tensor read t; t's (s, z) recorded, per tensor only, int8 as is, uint8 as the
//   int8 (s, z − 128) (q_u − 128 = clamp(round(x/s) + z − 128, −128, 127): the same values).
// - DequantizeLinear of a constant (int8/uint8 weights, int32 bias, per tensor or per axis), or
//   QuantizeLinear → DequantizeLinear of a float constant: replaced by the dequantized float32
//   constant (so the float reference runs the model's own weights); for the weights and bias of a
//   Conv, Gemm or MatMul the integers and scales are recorded. Weights must be symmetric (int8
//   with zero point 0, uint8 with zero point 128) and quantized per output channel or per tensor.
// - Relu, Clip, MaxPool and layout ops whose input is quantized and whose output is not hand the
//   input's (s, z) on: their float output holds exactly the dequantized values of the input.
// What cannot be honoured is refused with an UnsupportedModelError naming the tensor and node.

import { ModelFormatError, UnsupportedModelError } from '../errors.ts';
import type { Graph } from '../ir/graph.ts';
import { isOpType, OP_TRAITS } from '../ir/op-traits.ts';
import { tensor } from '../ir/tensor.ts';
import type { GivenBias, GivenLinear, GivenQuantization } from '../quant/qdq-import.ts';
import type { QParams } from '../quant/qparams.ts';
import { OnnxAttrs } from './onnx-attrs.ts';
import { decodeModel, ModelProtoCoder, type GraphProto, type NodeProto, type TensorProto } from './onnx-proto.ts';
import { OnnxDataType as T } from './onnx-schema.ts';
import { constantNodeValue, forEachAxisIndex, lazyConstant, outputType, quantizeConstant, sameParams, typeName, type Constant, type QuantizedConstant, type QuantParams } from './onnx-qdq-constants.ts';
import { resolveExternalData } from './onnx-external.ts';
import { importOnnx, type OnnxImportOptions } from './onnx.ts';

export interface QdqImport {
  /** The float graph: Q/DQ removed, quantized constants dequantized. */
  graph: Graph;
  /** The model's own quantization, for quantizeGraph(graph, new Map(), { given }); null for a model without Q/DQ. */
  given: GivenQuantization | null;
}


const standard = (n: NodeProto) => n.domain === '' || n.domain === 'ai.onnx';
// onnxruntime's contrib Q/DQ (com.microsoft) computes the same for int8 and uint8.
const isQ = (n: NodeProto) => n.opType === 'QuantizeLinear' && (standard(n) || n.domain === 'com.microsoft');
const isDQ = (n: NodeProto) => n.opType === 'DequantizeLinear' && (standard(n) || n.domain === 'com.microsoft');

/** Whether an ONNX model has QuantizeLinear/DequantizeLinear nodes. */
export function isQdqModel(bytes: Uint8Array): boolean {
  return decodeModel(bytes).graph?.node.some((n) => isQ(n) || isDQ(n)) ?? false;
}

/** Imports an ONNX model; a QDQ model comes back as its float graph and the quantization it gives. */
export function importOnnxQdq(bytes: Uint8Array, options: OnnxImportOptions = {}): QdqImport {
  const model = decodeModel(bytes);
  const g = model.graph;
  if (!g || !g.node.some((n) => isQ(n) || isDQ(n))) return { graph: importOnnx(bytes, options), given: null };
  // The Q/DQ constants are read before the import: external ones need their bytes first.
  resolveExternalData(model, options.externalData);
  const given = stripQdq(g);
  const graph = importOnnx(ModelProtoCoder.encode(model).finish());
  return { graph, given };
}

class Stripper {
  readonly constants = new Map<string, Constant>();
  readonly producer = new Map<string, NodeProto>();
  readonly readers = new Map<string, NodeProto[]>();
  readonly outputs: Set<string>;
  readonly inputs: Set<string>;
  /** Dequantized activation → the float tensor it stands for. */
  readonly alias = new Map<string, string>();
  /** Float tensor → its int8 (s, z) and the QuantizeLinear that gave it. */
  readonly activations = new Map<string, { q: QParams; node: string }>();
  /** DequantizeLinear output of a constant → its integers. */
  readonly quantized = new Map<string, QuantizedConstant>();

  constructor(readonly g: GraphProto) {
    const initializers = new Map(g.initializer.map((t) => [t.name, t]));
    for (const [name, t] of initializers) this.constants.set(name, lazyConstant(t, `initializer "${name}"`));
    this.outputs = new Set(g.output.map((o) => o.name));
    this.inputs = new Set(g.input.map((i) => i.name).filter((n) => !initializers.has(n)));
    for (const n of g.node) {
      for (const o of n.output) if (o) this.producer.set(o, n);
      for (const i of n.input) if (i) this.readers.set(i, [...(this.readers.get(i) ?? []), n]);
      if (n.opType === 'Constant' && standard(n) && n.output.length === 1) {
        const c = constantNodeValue(n);
        if (c) this.constants.set(n.output[0]!, c);
      }
    }
  }

  resolve = (name: string): string => this.alias.get(name) ?? name;

  constant(name: string): Constant | undefined {
    return this.constants.get(name);
  }

  /** Scale, zero point, type and axis of a Q or DQ node. `type` is the integer type when no zero point says. */
  params(n: NodeProto, where: string, type: number): QuantParams {
    const attrs = new OnnxAttrs(n);
    if (attrs.int('block_size', 0) !== 0) throw new UnsupportedModelError(`${where}: blocked quantization (block_size) is not supported`);
    const scaleName = n.input[1];
    const scale = scaleName ? this.constant(scaleName) : undefined;
    if (!scale) throw new UnsupportedModelError(`${where}: its scale "${scaleName ?? ''}" is not a constant`);
    if (scale.tensor.dtype !== 'float32') throw new UnsupportedModelError(`${where}: scale "${scaleName}" is not a float tensor`);
    const s = Float32Array.from(scale.tensor.data);
    if (s.length === 0 || s.some((v) => !(v > 0) || !Number.isFinite(v))) {
      throw new UnsupportedModelError(`${where}: scale "${scaleName}" must be positive and finite, got [${Array.from(s).slice(0, 4).join(', ')}${s.length > 4 ? ', …' : ''}]`);
    }
    const zpName = n.input[2];
    let zeroPoint = new Float64Array(s.length);
    let dataType = type;
    if (zpName) {
      const zp = this.constant(zpName);
      if (!zp) throw new UnsupportedModelError(`${where}: its zero point "${zpName}" is not a constant`);
      if (zp.tensor.data.length !== s.length) throw new ModelFormatError(`${where}: ${zp.tensor.data.length} zero points for ${s.length} scales`);
      zeroPoint = Float64Array.from(zp.tensor.data);
      dataType = zp.dataType;
    }
    const perTensor = s.length === 1 && scale.tensor.shape.length <= 1;
    return { scale: s, zeroPoint, dataType, axis: perTensor ? null : attrs.int('axis', 1) };
  }

  /** The int8 (s, z) of an activation's Q/DQ parameters. */
  activationQParams(p: QuantParams, tensorName: string, where: string): QParams {
    if (p.axis !== null) {
      throw new UnsupportedModelError(`${where}: per-axis quantization of activation "${tensorName}" (${p.scale.length} scales on axis ${p.axis}) is not supported — activations are quantized per tensor (Q2)`);
    }
    const z = p.zeroPoint[0]!;
    if (p.dataType === T.INT8) return { scale: p.scale[0]!, zeroPoint: z };
    if (p.dataType === T.UINT8) return { scale: p.scale[0]!, zeroPoint: z - 128 };
    throw new UnsupportedModelError(`${where}: activation "${tensorName}" is quantized to ${typeName(p.dataType)}; only int8 and uint8 activations are supported`);
  }

  record(t: string, q: QParams, node: string): void {
    const existing = this.activations.get(t);
    if (existing && (existing.q.scale !== q.scale || existing.q.zeroPoint !== q.zeroPoint)) {
      const show = (p: QParams) => `(s ${p.scale}, z ${p.zeroPoint})`;
      throw new UnsupportedModelError(
        `tensor "${t}" is quantized twice with different parameters: ${show(existing.q)} by QuantizeLinear "${existing.node}" and ${show(q)} by "${node}" (int8 terms)`,
      );
    }
    if (!existing) this.activations.set(t, { q, node });
  }

  quantizeLinear(n: NodeProto, name: string): void {
    const where = `QuantizeLinear node "${name}"`;
    const out = n.output[0]!;
    if (this.outputs.has(out)) {
      throw new UnsupportedModelError(`${where} makes graph output "${out}" an integer tensor: integer model outputs are not supported (end the graph with a DequantizeLinear)`);
    }
    const other = (this.readers.get(out) ?? []).find((r) => !isDQ(r));
    if (other) {
      throw new UnsupportedModelError(
        `${where}: its integer output "${out}" is read by ${other.opType} node "${other.name}", which is not a DequantizeLinear — an int8 tensor crossing into an op ` +
          `that runs in float (QOperator-format ops such as QLinearConv are not supported: use the QDQ format)`,
      );
    }
    const source = this.resolve(n.input[0]!);
    if (this.constant(source)) return; // a float constant quantized: handled at its DequantizeLinear
    const p = this.params(n, where, outputType(n));
    this.record(source, this.activationQParams(p, source, where), name);
  }

  dequantizeLinear(n: NodeProto, name: string): void {
    const where = `DequantizeLinear node "${name}"`;
    const x = n.input[0]!;
    const y = n.output[0]!;
    const q = this.producer.get(x);
    if (q && isQ(q)) {
      const qName = q.name || 'QuantizeLinear';
      const qp = this.params(q, `QuantizeLinear node "${qName}"`, outputType(q));
      const dqp = this.params(n, where, qp.dataType);
      if (!sameParams(qp, dqp)) {
        throw new UnsupportedModelError(`${where} dequantizes "${x}" with other parameters than QuantizeLinear "${qName}" quantized it (a requantization); Q/DQ pairs must share scale and zero point`);
      }
      const source = this.resolve(q.input[0]!);
      const c = this.constant(source);
      if (c) {
        // A float constant quantized then dequantized ("fake-quantized" weights): quantize it here.
        if (c.tensor.dtype !== 'float32') throw new UnsupportedModelError(`${where}: "${source}" is not a float constant`);
        this.addConstant(y, quantizeConstant(c.tensor, qp), c.tensor.shape, qp, source, name);
      } else {
        this.alias.set(y, source);
      }
      return;
    }
    const c = this.constant(x);
    if (!c) {
      const from = this.inputs.has(x) ? 'an integer graph input' : q ? `the output of ${q.opType} node "${q.name}"` : 'an unknown tensor';
      throw new UnsupportedModelError(`${where} reads "${x}", ${from}: only constants and QuantizeLinear outputs can be dequantized (integer model inputs and integer ops are not supported)`);
    }
    if (c.tensor.dtype !== 'int8' && c.tensor.dtype !== 'uint8' && c.tensor.dtype !== 'int32') {
      throw new UnsupportedModelError(`${where}: constant "${x}" is ${typeName(c.dataType)}; int8, uint8 and int32 constants are supported`);
    }
    const p = this.params(n, where, c.dataType);
    if (p.dataType !== c.dataType) throw new ModelFormatError(`${where}: zero point type ${typeName(p.dataType)} differs from "${x}"'s ${typeName(c.dataType)}`);
    const ints = Int32Array.from(c.tensor.data);
    forEachAxisIndex(c.tensor.shape, p, where, (i, a) => (ints[i] = ints[i]! - p.zeroPoint[a]!));
    this.addConstant(y, ints, c.tensor.shape, p, x, name);
  }

  addConstant(y: string, ints: Int32Array, shape: number[], params: QuantParams, tensorName: string, node: string): void {
    const values = new Float32Array(ints.length);
    forEachAxisIndex(shape, params, `DequantizeLinear node "${node}"`, (i, a) => (values[i] = Math.fround(ints[i]! * params.scale[a]!)));
    this.constants.set(y, { tensor: tensor('float32', shape, values), dataType: T.FLOAT });
    this.quantized.set(y, { ints, shape, params, tensor: tensorName, node });
  }
}

/**
 * Whether an ONNX node's float output holds exactly the dequantized values of its quantized input:
 * the valuesFromInput trait of the IR op it becomes (src/ir/op-traits.ts). The ONNX node is seen
 * here before import, but every ONNX op type the importer takes becomes the IR op of the same
 * name (src/import/onnx-ops.ts: one converter per ONNX op, each making its namesake; only Constant
 * folds away), with the same semantics, so the IR's row answers for it and no second table keyed
 * by ONNX name can drift from it. A name that is no IR op (Constant, an op the import refuses)
 * passes nothing.
 */
const passesQParams = (n: NodeProto): boolean => standard(n) && isOpType(n.opType) && OP_TRAITS[n.opType].valuesFromInput;

/** Rewrites the graph in place without Q/DQ and returns the quantization it gave. */
function stripQdq(g: GraphProto): GivenQuantization {
  const s = new Stripper(g);
  const kept: NodeProto[] = [];
  g.node.forEach((n, index) => {
    const name = n.name || `${n.opType}_${index}`;
    if (isQ(n)) s.quantizeLinear(n, name);
    else if (isDQ(n)) s.dequantizeLinear(n, name);
    else {
      // The name importOnnx() would give it in the original model.
      n.name = name;
      kept.push(n);
    }
  });

  // A dequantized tensor that is a graph output keeps its name: the float tensor's producer writes
  // it (readers of the float tensor follow), or an Identity copies it when that cannot be.
  const renamed = new Map<string, string>();
  const copies: NodeProto[] = [];
  for (const o of g.output) {
    const source = s.alias.get(o.name);
    if (source === undefined) continue;
    if (!renamed.has(source) && !s.inputs.has(source) && !s.outputs.has(source) && s.producer.has(source)) renamed.set(source, o.name);
    else copies.push({ opType: 'Identity', name: `${o.name}/identity`, domain: '', input: [source], output: [o.name], attribute: [] } as unknown as NodeProto);
  }
  const canonical = (t: string) => {
    const a = s.resolve(t);
    return renamed.get(a) ?? a;
  };
  for (const n of kept) {
    n.input = n.input.map((i) => (i ? canonical(i) : i));
    n.output = n.output.map((o) => renamed.get(o) ?? o);
  }
  for (const c of copies) c.input = c.input.map(canonical);
  const nodes = [...kept, ...copies];

  const activations = new Map<string, QParams>();
  for (const [t, a] of s.activations) activations.set(renamed.get(t) ?? t, a.q);
  for (const c of copies) {
    const q = activations.get(c.input[0]!);
    if (q) activations.set(c.output[0]!, q);
  }

  const linear = new Map<string, GivenLinear>();
  for (const n of nodes) {
    if (!standard(n) || (n.opType !== 'Conv' && n.opType !== 'Gemm' && n.opType !== 'MatMul')) continue;
    const w = s.quantized.get(n.input[1] ?? '');
    if (!w) continue;
    const given = givenLinear(n, w, n.input[2] ? s.quantized.get(n.input[2]) : undefined);
    if (given) linear.set(n.name, given);
  }

  // Ops that keep their input's values hand its (s, z) to an output the model leaves unquantized.
  for (const n of nodes) {
    if (!passesQParams(n)) continue;
    const q = activations.get(n.input[0] ?? '');
    const y = n.output[0];
    if (q && y && !activations.has(y)) activations.set(y, q);
  }

  // Dequantized constants become float initializers; integer ones only Q/DQ read are dropped.
  const read = new Set([...nodes.flatMap((n) => n.input), ...g.output.map((o) => o.name)]);
  const initializers = g.initializer.filter((t) => read.has(t.name));
  for (const [name, q] of s.quantized) {
    if (!read.has(name)) continue;
    const t = s.constant(name)!.tensor;
    const raw = new Uint8Array(t.data.buffer.slice(t.data.byteOffset, t.data.byteOffset + t.data.byteLength));
    initializers.push({ name, dims: q.shape, dataType: T.FLOAT, rawData: raw } as unknown as TensorProto);
  }
  const dropped = new Set(g.initializer.filter((t) => !read.has(t.name)).map((t) => t.name));
  g.input = g.input.filter((i) => !dropped.has(i.name));
  g.initializer = initializers;
  g.node = nodes;
  return { activations, linear };
}

/** The output-channel axis of a Conv/Gemm/MatMul's weights, or undefined when it runs in float anyway. */
function outputAxis(n: NodeProto, rank: number): number | undefined {
  if (n.opType === 'Conv') return rank >= 3 ? 0 : undefined;
  if (rank !== 2) return undefined;
  if (n.opType === 'Gemm') return new OnnxAttrs(n).int('transB', 0) === 1 ? 0 : 1;
  return 1; // MatMul [K, N]
}

function givenLinear(n: NodeProto, w: QuantizedConstant, b: QuantizedConstant | undefined): GivenLinear | undefined {
  const where = `${n.opType} node "${n.name}"`;
  const axis = outputAxis(n, w.shape.length);
  if (axis === undefined) return undefined;
  const channels = w.shape[axis]!;
  const p = w.params;
  if (p.axis !== null && (p.axis < 0 ? p.axis + w.shape.length : p.axis) !== axis) {
    throw new UnsupportedModelError(
      `${where}: weights "${w.tensor}" are quantized per axis along axis ${p.axis} (DequantizeLinear "${w.node}"), not along the output-channel axis ${axis}; only per-output-channel or per-tensor weights are supported`,
    );
  }
  const symmetric = p.dataType === T.INT8 ? 0 : p.dataType === T.UINT8 ? 128 : undefined;
  if (symmetric === undefined) {
    throw new UnsupportedModelError(`${where}: weights "${w.tensor}" are ${typeName(p.dataType)}; only int8 and uint8 weights are supported`);
  }
  const asymmetric = p.zeroPoint.findIndex((z) => z !== symmetric);
  if (asymmetric >= 0) {
    throw new UnsupportedModelError(
      `${where}: weights "${w.tensor}" (DequantizeLinear "${w.node}") have zero point ${p.zeroPoint[asymmetric]} (${typeName(p.dataType)}) — ` +
        `the int8 kernels need symmetric weights: int8 with zero point 0, or uint8 with zero point 128`,
    );
  }
  const scales = p.axis === null ? new Float32Array(channels).fill(p.scale[0]!) : Float32Array.from(p.scale);
  let bias: GivenBias | undefined;
  if (b && n.opType !== 'MatMul' && (b.ints.length === channels || b.ints.length === 1)) {
    const bs = b.params.axis === null ? Float32Array.of(b.params.scale[0]!) : Float32Array.from(b.params.scale);
    bias = { tensor: b.tensor, values: Int32Array.from(b.ints), scales: bs };
  }
  return { tensor: w.tensor, node: w.node, scales, ...(bias ? { bias } : {}) };
}
