// A float ONNX file for onnxruntime-web from a graph our importer produced. src/export/onnx-write.ts
// writes NCHW graphs only (ONNX ops are NCHW), while TF.js models import NHWC. So every NHWC
// spatial node is wrapped in Transposes (NHWC → NCHW → op → NHWC) and Conv weights are re-laid out
// from [Cout, kh, kw, Cin/g] to ONNX's [Cout, Cin/g, kh, kw]. The graph's input and outputs keep
// their NHWC shapes, so every engine is fed the same tensor. onnxruntime's own layout optimizer
// is free to cancel the transposes; that is its business, as for any converted TF model.

import { writeOnnx } from '../../src/export/onnx-write.ts';
import type { Graph, Node } from '../../src/ir/graph.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { transpose } from '../../src/ref/float/shape-ops.ts';

const OPSET = 17;
const TO_NCHW = [0, 3, 1, 2];
const TO_NHWC = [0, 2, 3, 1];
const SPATIAL = new Set(['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']);

const isNhwcSpatial = (n: Node): boolean => SPATIAL.has(n.op) && 'layout' in n.attrs && n.attrs.layout === 'NHWC';

function transposeNode(name: string, input: string, output: string, perm: number[]): Node {
  return { op: 'Transpose', name, inputs: [input], outputs: [output], attrs: { perm } };
}

/** One NHWC spatial node → Transpose, the node in NCHW, Transpose back. */
function toNchw(node: Node, initializers: Map<string, Tensor>): Node[] {
  const [x, w, ...rest] = node.inputs;
  const out = node.outputs[0]!;
  const xNchw = `${node.name}/input_nchw`;
  const yNchw = `${node.name}/output_nchw`;
  const inputs = [xNchw];
  if (node.op === 'Conv') {
    const weights = initializers.get(w!);
    if (!weights) throw new Error(`Conv "${node.name}": weights "${w}" are not a constant`);
    const oihw = `${w}/oihw`;
    initializers.set(oihw, transpose(weights, TO_NCHW));
    inputs.push(oihw, ...rest);
  }
  const inner = { ...node, inputs, outputs: [yNchw], attrs: { ...node.attrs, layout: 'NCHW' } } as Node;
  return [transposeNode(`${node.name}/to_nchw`, x!, xNchw, TO_NCHW), inner, transposeNode(`${node.name}/to_nhwc`, yNchw, out, TO_NHWC)];
}

/** ONNX bytes (opset 17: TF.js Reshapes import with allowzero, which needs 14) of a float graph in either layout. */
export function onnxOf(graph: Graph): Uint8Array {
  if (!graph.nodes.some(isNhwcSpatial)) return writeOnnx(graph, OPSET);
  const initializers = new Map(graph.initializers);
  const nodes = graph.nodes.flatMap((n) => (isNhwcSpatial(n) ? toNchw(n, initializers) : [n]));
  // The [Cout, kh, kw, Cin/g] originals are read by nothing now: keep them out of the file.
  const used = new Set(nodes.flatMap((n) => n.inputs));
  for (const name of [...initializers.keys()]) if (!used.has(name)) initializers.delete(name);
  return writeOnnx({ ...graph, initializers, nodes }, OPSET);
}
