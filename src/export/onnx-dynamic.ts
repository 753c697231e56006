// A float ONNX model rewritten in onnxruntime's dynamic-quantization format, as its
// quantize_dynamic writes it: each MatMul (and Gemm without transA or alpha / beta) of a constant
// 2-D B becomes
//   DynamicQuantizeLinear(x) → MatMulInteger(q, W_q, z_x, z_W) → Cast(float) → Mul(·, Mul(s_x, s_W))
// (→ Add(C) for a Gemm), with W_q per output column (src/quant/dynamic-weights.ts). Every other node
// is left as the file has it, so any model the importer reads can be exported, whatever ops the
// writer (onnx-write.ts) knows. Importing the result back fuses each chain (passes/fuse-dynamic.ts)
// into the MatMulDynamicInt8 node quantizeDynamic makes of the same MatMul.

import { OnnxWriteError, tensorProto } from './onnx-write.ts';
import { decodeModel, ModelProtoCoder, toNumber, type NodeProto, type TensorProto } from '../import/onnx-proto.ts';
import { OnnxDataType } from '../import/onnx-schema.ts';
import { decodeTensorProto } from '../import/onnx-tensor.ts';
import { quantizeWeightsPerColumn, transpose2d } from '../quant/dynamic-weights.ts';

const node = (opType: string, name: string, input: string[], output: string[], attribute: object[] = []): object => ({ opType, name, domain: '', input, output, attribute });

/** Whether a Gemm is a plain x · B (+ C): no transA, alpha = beta = 1. */
function plainGemm(n: NodeProto): { transB: boolean } | undefined {
  const attr = (name: string) => n.attribute.find((a) => a.name === name);
  const int = (name: string, fallback: number) => { const a = attr(name); return a ? toNumber(a.i) : fallback; };
  const float = (name: string) => attr(name)?.f ?? 1;
  if (int('transA', 0) !== 0 || float('alpha') !== 1 || float('beta') !== 1) return undefined;
  return { transB: int('transB', 0) === 1 };
}

export interface DynamicExport {
  bytes: Uint8Array;
  /** The names of the nodes quantized. */
  quantized: string[];
}

/** `bytes`: a float ONNX model (opset ≥ 11, for DynamicQuantizeLinear). */
export function exportDynamicOnnx(bytes: Uint8Array): DynamicExport {
  const model = decodeModel(bytes);
  const graph = model.graph;
  if (!graph) throw new OnnxWriteError('the model has no graph');
  const opset = toNumber(model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0);
  if (opset < 11) throw new OnnxWriteError(`opset ${opset}: onnxruntime's dynamic format needs DynamicQuantizeLinear (opset 11 or later)`);
  const inits = new Map<string, TensorProto>(graph.initializer.map((t) => [t.name, t]));
  const inputNames = new Set(graph.input.map((i) => i.name));
  const used = new Set([...graph.node.flatMap((n) => [...n.input, ...n.output, n.name]), ...inits.keys(), ...inputNames]);
  const fresh = (base: string) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
  const nodes: object[] = [];
  const quantized: string[] = [];
  graph.node.forEach((n, index) => {
    const gemm = n.opType === 'Gemm' ? plainGemm(n) : undefined;
    const b = inits.get(n.input[1] ?? '');
    const bTensor = b && !inputNames.has(b.name) && b.dataType === OnnxDataType.FLOAT ? decodeTensorProto(b) : undefined;
    if ((n.opType !== 'MatMul' && !gemm) || !bTensor || bTensor.shape.length !== 2) {
      nodes.push(n);
      return;
    }
    const base = n.name || `${n.opType}_${index}`;
    const w = quantizeWeightsPerColumn(gemm?.transB ? transpose2d(bTensor) : bTensor);
    const [wq, ws, wz] = [fresh(`${base}_W_quantized`), fresh(`${base}_W_scale`), fresh(`${base}_W_zero_point`)];
    for (const [name, t] of [[wq, w.q], [ws, w.scale], [wz, w.zero!]] as const) graph.initializer.push(tensorProto(name, t) as TensorProto);
    const [q, s, z] = [fresh(`${base}_x_quantized`), fresh(`${base}_x_scale`), fresh(`${base}_x_zero_point`)];
    const [acc, cast, scales] = [fresh(`${base}_output_quantized`), fresh(`${base}_output_quantized_cast_output`), fresh(`${base}_scales_mul:0`)];
    const hasC = gemm !== undefined && (n.input[2] ?? '') !== '';
    const product = hasC ? fresh(`${base}_product`) : n.output[0]!;
    nodes.push(
      node('DynamicQuantizeLinear', fresh(`${base}_QuantizeLinear`), [n.input[0]!], [q, s, z]),
      node('MatMulInteger', fresh(`${base}_quant`), [q, wq, z, wz], [acc]),
      node('Cast', fresh(`${base}_cast`), [acc], [cast], [{ name: 'to', type: 2, i: OnnxDataType.FLOAT }]),
      node('Mul', fresh(`${base}_scales_mul`), [s, ws], [scales]),
      node('Mul', fresh(`${base}_output_scale_mul`), [cast, scales], [product]),
      ...(hasC ? [node('Add', fresh(`${base}_bias_add`), [product, n.input[2]!], [n.output[0]!])] : []),
    );
    quantized.push(base);
  });
  graph.node = nodes as NodeProto[];
  // The float weights nothing reads any more.
  const read = new Set(graph.node.flatMap((n) => n.input));
  graph.initializer = graph.initializer.filter((t) => read.has(t.name) || graph.output.some((o) => o.name === t.name));
  graph.input = graph.input.filter((i) => !inits.has(i.name) || read.has(i.name));
  return { bytes: ModelProtoCoder.encode(model as never).finish(), quantized };
}
