// The int8 program as an ONNX QDQ model, so that other tools (onnxruntime, …) run our calibration.
//
// The fused NCHW float graph is written with:
// - QuantizeLinear → DequantizeLinear on every tensor the int8 program holds in int8, with its
//   (s, z) (Q2) as a float32 scalar and an int8 scalar; readers take the dequantized tensor, except
//   float ops that the program runs on the unquantized value (a float op's output that is also
//   quantized for an int8 reader), which keep reading the float tensor;
// - the weights of every Conv/Gemm/MatMul that the program runs in int8 as int8 initializers
//   (Q3, the same quantizeWeights()) behind a per-axis DequantizeLinear on the output-channel axis;
// - their bias as int32 (Q4, the same quantizeBias(), scale s_in · s_w[c], zero point 0) behind a
//   per-axis DequantizeLinear.
// Ops the program runs in float stay float. Opset 13 (per-axis DequantizeLinear).
//
// The program's int8 tensors are matched to the float graph by their `source`: the float tensor's
// name, or `<name>:nhwc` for the NHWC twin the layout pass made of it.

import type { Graph, Node } from '../ir/graph.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import type { ConvStep, GemmStep, QuantizedModel } from '../quant/program.ts';
import { biasScaleFloors, quantizeBias, quantizeWeights, type QParams } from '../quant/qparams.ts';
import { encodeModel, intAttr, NameScope, nodeToOnnx, OnnxWriteError, writeContext, type OnnxNode, type WriteContext } from './onnx-write.ts';

const NHWC_SUFFIX = ':nhwc';

export interface QdqActivation {
  qparams: QParams;
  /** The program's int8 tensors that hold it. */
  int8Names: string[];
  /**
   * Nodes of the fused graph that read the float tensor itself: float ops that the program runs on
   * the unquantized value (e.g. on a graph input it also quantizes). Every other reader takes the
   * dequantized tensor.
   */
  floatReaders: Set<string>;
  /** For a graph output: the program returns the float tensor itself, not its dequantized form. */
  floatOutput: boolean;
}

export interface QdqPlan {
  /** Tensor of the fused NCHW graph → its quantization. */
  activations: Map<string, QdqActivation>;
  /** Node name → the int8 step that runs it, for the Conv/Gemm/MatMul nodes run in int8. */
  linear: Map<string, ConvStep | GemmStep>;
  /** int8 tensors of the program whose source is no tensor of the fused graph. */
  unmapped: string[];
  /** Fused-graph tensors held by several int8 tensors with different (s, z); the first is used. */
  conflicts: { tensor: string; int8Names: string[] }[];
}

/** The layout pass's own transposes (`<x>:to_nhwc`, `<x>:to_nchw`) only move data between twins. */
const isTwinTranspose = (node: Node) => node.op === 'Transpose' && /:to_(nhwc|nchw)$/.test(node.name);

/** Matches the program's int8 tensors and steps to the fused NCHW graph. */
export function planQdq(fused: Graph, model: QuantizedModel): QdqPlan {
  const tensors = new Set<string>([...fused.inputs.map((i) => i.name), ...fused.nodes.flatMap((n) => n.outputs)]);
  tensors.delete('');
  /** The fused-graph tensor a program tensor (`x` or its NHWC twin `x:nhwc`) stands for. */
  const toFused = (name: string): string | undefined =>
    tensors.has(name) ? name : name.endsWith(NHWC_SUFFIX) && tensors.has(name.slice(0, -NHWC_SUFFIX.length)) ? name.slice(0, -NHWC_SUFFIX.length) : undefined;

  const activations = new Map<string, QdqActivation>();
  const unmapped: string[] = [];
  const conflicts: QdqPlan['conflicts'] = [];
  // NHWC twins first, so that where both exist the one the spatial ops produced wins.
  const int8 = [...model.tensors].flatMap(([name, info]) => (info.dtype === 'int8' ? [{ name, info }] : []));
  int8.sort((a, b) => Number(b.info.source.endsWith(NHWC_SUFFIX)) - Number(a.info.source.endsWith(NHWC_SUFFIX)));
  for (const { name, info } of int8) {
    const target = toFused(info.source);
    if (target === undefined) {
      unmapped.push(name);
      continue;
    }
    const existing = activations.get(target);
    if (!existing) {
      activations.set(target, { qparams: info.qparams, int8Names: [name], floatReaders: new Set(), floatOutput: false });
      continue;
    }
    existing.int8Names.push(name);
    const q = existing.qparams;
    if (q.scale !== info.qparams.scale || q.zeroPoint !== info.qparams.zeroPoint) {
      const conflict = conflicts.find((c) => c.tensor === target);
      if (conflict) conflict.int8Names.push(name);
      else conflicts.push({ tensor: target, int8Names: [...existing.int8Names] });
    }
  }

  // Float tensors of the program that hold dequantized values: dequantize outputs, and the layout
  // pass's transposes of them. Any other float tensor holds the unquantized value.
  const dequantized = new Set<string>();
  const linear = new Map<string, ConvStep | GemmStep>();
  const floatSteps = new Map<string, Node>();
  for (const s of model.steps) {
    if (s.op === 'dequantize') dequantized.add(s.output);
    else if (s.op === 'conv' || s.op === 'gemm') linear.set(s.name, s);
    else if (s.op === 'float') {
      floatSteps.set(s.name, s.node);
      if (isTwinTranspose(s.node) && dequantized.has(s.node.inputs[0]!)) dequantized.add(s.node.outputs[0]!);
    }
  }
  for (const node of fused.nodes) {
    const step = floatSteps.get(node.name);
    if (!step) continue;
    node.inputs.forEach((t, i) => {
      const read = step.inputs[i];
      if (read !== undefined && !dequantized.has(read) && toFused(read) === t) activations.get(t)?.floatReaders.add(node.name);
    });
  }
  for (const o of fused.outputs) {
    const a = activations.get(o.name);
    if (a) a.floatOutput = !dequantized.has(o.name);
  }
  return { activations, linear, unmapped, conflicts };
}

export interface QdqOptions {
  /** ≥ 13 (per-axis DequantizeLinear). */
  opset?: number;
}

/** The ONNX QDQ form of an int8 program; `fused` is the NCHW graph it was quantized from (optimize(graph)). */
export function exportQdq(fused: Graph, model: QuantizedModel, options: QdqOptions = {}): Uint8Array {
  const opset = options.opset ?? 13;
  if (opset < 13) throw new OnnxWriteError(`QDQ export needs opset 13 or later (per-axis DequantizeLinear), got ${opset}`);
  const plan = planQdq(fused, model);
  const names = new NameScope(fused);
  const initializers = new Map(fused.initializers);
  const c = writeContext(fused, opset, initializers, names);
  const nodes: OnnxNode[] = [];
  const outputs = new Set(fused.outputs.map((o) => o.name));

  /** The dequantized form of each quantized tensor, which its readers (but floatReaders) take. */
  const dequantized = new Map<string, string>();
  /** Producer outputs renamed because the graph output is the dequantized tensor. */
  const producerOutput = new Map<string, string>();

  const qdqPair = (t: string, a: QdqActivation): OnnxNode[] => {
    const scale = c.constant(`${t}/scale`, tensor('float32', [], [a.qparams.scale]));
    const zeroPoint = c.constant(`${t}/zero_point`, tensor('int8', [], [a.qparams.zeroPoint]));
    const q = names.fresh(`${t}/quantized`);
    const floatIn = producerOutput.get(t) ?? t;
    const dq = dequantized.get(t)!;
    return [
      { opType: 'QuantizeLinear', name: `${t}/QuantizeLinear`, inputs: [floatIn, scale, zeroPoint], outputs: [q], attributes: [] },
      { opType: 'DequantizeLinear', name: `${t}/DequantizeLinear`, inputs: [q, scale, zeroPoint], outputs: [dq], attributes: [] },
    ];
  };

  for (const [t, a] of plan.activations) {
    // An int8-origin graph output is the dequantized tensor itself; its producer writes a fresh name.
    if (outputs.has(t) && !a.floatOutput) {
      producerOutput.set(t, names.fresh(`${t}/float`));
      dequantized.set(t, t);
    } else {
      dequantized.set(t, names.fresh(`${t}/dequantized`));
    }
  }

  for (const input of fused.inputs) {
    const a = plan.activations.get(input.name);
    if (a) nodes.push(...qdqPair(input.name, a));
  }

  for (const node of fused.nodes) {
    const inputs = node.inputs.map((i) => {
      const a = plan.activations.get(i);
      if (!a) return i;
      return a.floatReaders.has(node.name) ? (producerOutput.get(i) ?? i) : dequantized.get(i)!;
    });
    const renamed = { ...node, outputs: node.outputs.map((o) => producerOutput.get(o) ?? o) } as Node;
    const step = plan.linear.get(node.name);
    if (step && (node.op === 'Conv' || node.op === 'Gemm' || node.op === 'MatMul')) {
      nodes.push(...linearNodes(c, plan, renamed, inputs, step, model.calibration.perTensorWeights));
    } else {
      nodes.push(...nodeToOnnx(c, renamed, inputs));
    }
    for (const o of node.outputs) {
      const a = plan.activations.get(o);
      if (a) nodes.push(...qdqPair(o, a));
    }
  }

  // Node names unique (a weight shared by two nodes gets two DequantizeLinear nodes).
  const nodeNames = new Set<string>();
  for (const n of nodes) {
    let name = n.name;
    for (let k = 1; nodeNames.has(name); k++) name = `${n.name}_${k}`;
    nodeNames.add((n.name = name));
  }
  // Only the initializers some node still reads (float weights replaced by int8 ones are dropped).
  const read = new Set(nodes.flatMap((n) => n.inputs));
  for (const name of [...initializers.keys()]) if (!read.has(name)) initializers.delete(name);
  return encodeModel({ name: `${fused.name}_qdq`, opset, inputs: fused.inputs, outputs: fused.outputs, initializers, nodes });
}

interface QuantizedInitializer {
  /** The DequantizeLinear node and the name of its float output. */
  node: OnnxNode;
  output: string;
}

/** An int8/int32 initializer with per-axis scales behind a DequantizeLinear. */
function dequantizeInitializer(c: WriteContext, base: string, values: Tensor, scales: Float32Array, axis: number): QuantizedInitializer {
  const q = c.constant(`${base}/quantized`, values);
  const scale = c.constant(`${base}/scale`, tensor('float32', [scales.length], scales));
  const zeroPoint = c.constant(`${base}/zero_point`, tensor(values.dtype, [scales.length]));
  const output = c.names.fresh(`${base}/dequantized`);
  return {
    node: { opType: 'DequantizeLinear', name: `${base}/DequantizeLinear`, inputs: [q, scale, zeroPoint], outputs: [output], attributes: [intAttr('axis', axis)] },
    output,
  };
}

/** Conv / Gemm / MatMul run in int8: int8 weights and int32 bias behind DequantizeLinear. */
function linearNodes(
  c: WriteContext,
  plan: QdqPlan,
  node: Node,
  inputs: string[],
  step: ConvStep | GemmStep,
  perTensor: boolean,
): OnnxNode[] {
  const where = `${node.op} node "${node.name}"`;
  const x = plan.activations.get(node.inputs[0]!);
  if (!x) throw new OnnxWriteError(`${where}: the int8 program runs it in int8 but its input "${node.inputs[0]}" has no int8 form`);
  const w = c.initializer(node.inputs[1]!);
  if (!w) throw new OnnxWriteError(`${where}: weights "${node.inputs[1]}" are not a constant`);
  const biasName = node.inputs[2] || undefined;
  const b = biasName ? c.initializer(biasName) : undefined;
  if (biasName && !b) throw new OnnxWriteError(`${where}: bias "${biasName}" is not a constant`);

  let written: Node = node;
  let weights: Tensor; // int8, laid out as the node reads them
  let axis: number; // the output-channel axis of the weights
  let scales: Float32Array;
  let bias: Float64Array | undefined;
  let channelMajor: Int8Array; // [channels, K], to check against the program's step

  if (node.op === 'Conv') {
    const qw = quantizeWeights(w.data, w.shape[0]!, perTensor, biasScaleFloors(b?.data, x.qparams.scale, w.shape[0]!));
    weights = tensor('int8', w.shape, qw.values);
    axis = 0;
    scales = qw.scales;
    bias = b ? quantizeBias(b.data, x.qparams.scale, qw.scales) : undefined;
    // The program holds OHWI weights; ours are OIHW.
    const [o, i, h, k] = w.shape as [number, number, number, number];
    channelMajor = new Int8Array(qw.values.length);
    for (let co = 0; co < o; co++) for (let ci = 0; ci < i; ci++) for (let y = 0; y < h; y++) for (let z = 0; z < k; z++) {
      channelMajor[((co * h + y) * k + z) * i + ci] = qw.values[((co * i + ci) * h + y) * k + z]!;
    }
  } else {
    if (w.shape.length !== 2) throw new OnnxWriteError(`${where}: weights of rank ${w.shape.length}`);
    const gemm = node.op === 'Gemm' ? node.attrs : { transA: false, transB: false, alpha: 1, beta: 1, clamp: null };
    if (gemm.transA) throw new OnnxWriteError(`${where}: transA=1`);
    const [rows, cols] = w.shape as [number, number];
    const [n, k] = gemm.transB ? [rows, cols] : [cols, rows];
    // [N, K] float with alpha folded in, as gemmStep quantizes it.
    const nk = new Float32Array(n * k);
    for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) nk[j * k + i] = gemm.alpha * w.data[gemm.transB ? j * k + i : i * n + j]!;
    const nBias = b ? Float64Array.from({ length: n }, (_, j) => gemm.beta * b.data[b.data.length === 1 ? 0 : j]!) : undefined;
    const qw = quantizeWeights(nk, n, perTensor, biasScaleFloors(nBias, x.qparams.scale, n));
    channelMajor = qw.values;
    scales = qw.scales;
    axis = gemm.transB ? 0 : 1;
    const laid = new Int8Array(n * k);
    for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) laid[gemm.transB ? j * k + i : i * n + j] = qw.values[j * k + i]!;
    weights = tensor('int8', w.shape, laid);
    if (b && b.data.length !== 1 && b.data.length !== n) throw new OnnxWriteError(`${where}: bias of ${b.data.length} values for ${n} outputs`);
    bias = nBias ? quantizeBias(nBias, x.qparams.scale, qw.scales) : undefined;
    // alpha and beta are folded into the quantized weights and bias.
    if (node.op === 'Gemm') written = { ...node, attrs: { ...node.attrs, alpha: 1, beta: 1 } };
  }

  // The same integers as the program: q_w (Q3) and the folded bias (Q6).
  const k = channelMajor.length / scales.length;
  const mismatch = channelMajor.length !== step.weights.length || channelMajor.some((v, i) => v !== step.weights[i]);
  if (mismatch) throw new OnnxWriteError(`${where}: re-quantized weights differ from the int8 program's (was it quantized from this graph, with these options?)`);
  for (let ch = 0; ch < scales.length; ch++) {
    let sum = 0;
    for (let i = ch * k; i < (ch + 1) * k; i++) sum += channelMajor[i]!;
    const folded = (bias?.[ch] ?? 0) - x.qparams.zeroPoint * sum;
    if (folded !== step.bias[ch]) throw new OnnxWriteError(`${where}: re-quantized bias of channel ${ch} differs from the int8 program's`);
  }

  const dqW = dequantizeInitializer(c, node.inputs[1]!, weights, scales, axis);
  const nodes: OnnxNode[] = [dqW.node];
  const newInputs = [inputs[0]!, dqW.output];
  if (bias && biasName) {
    const biasScales = Float32Array.from(scales, (sw) => x.qparams.scale * sw);
    const dqB = dequantizeInitializer(c, biasName, tensor('int32', [bias.length], bias), biasScales, 0);
    nodes.push(dqB.node);
    newInputs.push(dqB.output);
  }
  return [...nodes, ...nodeToOnnx(c, written, newInputs)];
}
