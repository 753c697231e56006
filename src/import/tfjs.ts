// TF.js graph model (model.json + weight shards) → ir.Graph, NHWC. Every unsupported op is
// collected and reported at once, as for ONNX.
//
// Shapes are made static at import: a -1 batch dim becomes `batch` (default 1). TF graphs compute
// reshape targets from Shape ops, and only with static shapes do those chains fold to constants.

import { ModelFormatError, UnsupportedModelError, UnsupportedOpError, type UnsupportedOpSite } from '../errors.ts';
import type { Dim, Graph, Node, ValueInfo } from '../ir/graph.ts';
import { inferNode, type ShapeMap } from '../ir/shapes.ts';
import type { DType, Tensor } from '../ir/tensor.ts';
import { TfAttrs, UnsupportedTfUse } from './tfjs-attrs.ts';
import { tfjsEvaluators } from './tfjs-fold.ts';
import { decodeWeights, parseModelJson, type TfModelJson, type TfNode } from './tfjs-model.ts';
import { tfjsConverters, type TfContext } from './tfjs-ops.ts';

export interface TfjsImportOptions {
  /** The value of a -1 leading (batch) dimension. Default 1. */
  batch?: number;
  name?: string;
}

/** Ops with nothing to compute. */
const SKIPPED = new Set(['NoOp']);

const DTYPES: Record<string, DType> = { DT_FLOAT: 'float32', DT_INT32: 'int32' };

/** "node", "node:0" → "node"; "node:2" → "node:2"; control inputs ("^node") → undefined. */
export function tensorName(input: string): string | undefined {
  if (input.startsWith('^')) return undefined;
  return input.endsWith(':0') ? input.slice(0, -2) : input;
}

const producerOf = (tensor: string): string => tensor.replace(/:\d+$/, '');

/** `shards`: the weight files' bytes in manifest order (see shardPaths). */
export function importTfjs(modelJson: unknown, shards: Uint8Array | readonly Uint8Array[], options: TfjsImportOptions = {}): Graph {
  const model = parseModelJson(modelJson);
  const weights = decodeWeights(model, concat(shards));
  const initializers = new Map<string, Tensor>();
  const shapes: ShapeMap = new Map();
  const inputs: ValueInfo[] = [];
  const nodes: Node[] = [];
  const unsupported: UnsupportedOpSite[] = [];
  const tensorOf = (name: string): boolean => initializers.has(name) || shapes.has(name);

  for (const tf of topologicalOrder(model.modelTopology.node)) {
    if (SKIPPED.has(tf.op)) continue;
    const site: UnsupportedOpSite = { op: tf.op, node: tf.name };
    try {
      if (tf.op === 'Placeholder') {
        inputs.push(placeholder(tf, options.batch ?? 1));
        shapes.set(tf.name, inputs[inputs.length - 1]!.shape);
      } else if (tf.op === 'Const') {
        const value = weights.get(tf.name);
        if (!value) throw new ModelFormatError(`Const node "${tf.name}" has no entry in the weights manifest`);
        initializers.set(tf.name, value);
      } else {
        const c = contextFor(tf, initializers, shapes);
        const missing = c.inputs.find((i) => !tensorOf(i));
        // An input of an unsupported node: that node is already reported.
        if (missing !== undefined && unsupported.length > 0) continue;
        if (missing !== undefined) throw new ModelFormatError(`node "${tf.name}" (${tf.op}) reads "${missing}", which no node produces`);
        const evaluate = tfjsEvaluators[tf.op];
        const convert = tfjsConverters[tf.op];
        if (evaluate) initializers.set(tf.name, evaluate(c));
        else if (convert) for (const n of convert(c)) add(n, nodes, shapes, initializers);
        else unsupported.push(site);
      }
    } catch (e) {
      if (!(e instanceof UnsupportedTfUse)) throw e;
      unsupported.push({ ...site, reason: e.message });
    }
  }
  if (unsupported.length > 0) throw new UnsupportedOpError(unsupported);
  const outputs = outputNames(model).map((name): ValueInfo => {
    if (!tensorOf(name)) throw new ModelFormatError(`graph output "${name}" is not produced by any node`);
    return { name, dtype: 'float32', shape: shapes.get(name) ?? initializers.get(name)!.shape };
  });
  return { name: options.name ?? 'tfjs-graph', inputs, outputs, initializers, nodes };
}

function concat(shards: Uint8Array | readonly Uint8Array[]): Uint8Array {
  if (shards instanceof Uint8Array) return shards;
  const out = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let offset = 0;
  for (const s of shards) {
    out.set(s, offset);
    offset += s.byteLength;
  }
  return out;
}

function placeholder(tf: TfNode, batch: number): ValueInfo {
  const attrs = new TfAttrs(tf);
  const dtype = DTYPES[attrs.type('dtype') ?? 'DT_FLOAT'];
  if (!dtype) throw new UnsupportedModelError(`input "${tf.name}" has dtype ${attrs.type('dtype')} (supported: float32, int32)`);
  const dims = attrs.shape('shape');
  if (!dims) throw new UnsupportedModelError(`input "${tf.name}" has no fixed rank`);
  const shape: Dim[] = dims.map((d, i) => (d >= 0 ? d : i === 0 ? batch : '?'));
  if (shape.includes('?')) throw new UnsupportedModelError(`input "${tf.name}" has shape [${dims}]: only the batch dimension may be unknown`);
  return { name: tf.name, dtype, shape };
}

function contextFor(tf: TfNode, initializers: Map<string, Tensor>, shapes: ShapeMap): TfContext {
  const inputs = (tf.input ?? []).map(tensorName).filter((n): n is string => n !== undefined);
  return {
    node: tf,
    name: tf.name,
    attrs: new TfAttrs(tf),
    inputs,
    constant: (i) => initializers.get(inputs[i] ?? ''),
    shape: (i) => shapes.get(inputs[i] ?? '') ?? initializers.get(inputs[i] ?? '')?.shape,
    addConstant(suffix, value) {
      const key = `${tf.name}/${suffix}`;
      initializers.set(key, value);
      return key;
    },
  };
}

/** Appends an IR node and records its output shapes for the Shape ops that may follow. */
function add(node: Node, nodes: Node[], shapes: ShapeMap, constants: Map<string, Tensor>): void {
  nodes.push(node);
  for (const name of node.inputs) {
    const t = constants.get(name);
    if (t && !shapes.has(name)) shapes.set(name, t.shape);
  }
  inferNode(node, shapes, constants).forEach((s, i) => {
    const out = node.outputs[i];
    if (out && s) shapes.set(out, s);
  });
}

/**
 * Nodes in an order where each comes after its data inputs (GraphDef does not promise one).
 * Iterative depth-first search, so deep graphs do not exhaust the stack.
 */
function topologicalOrder(nodes: readonly TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: TfNode[] = [];
  for (const root of nodes) {
    const stack: [TfNode, number][] = [[root, 0]];
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [n, next] = top;
      if (next === 0) {
        if (state.get(n.name) === 'done') {
          stack.pop();
          continue;
        }
        state.set(n.name, 'visiting');
      }
      const inputs = (n.input ?? []).map(tensorName).filter((i): i is string => i !== undefined);
      if (next < inputs.length) {
        top[1]++;
        const dep = byName.get(producerOf(inputs[next]!));
        if (!dep || state.get(dep.name) === 'done') continue;
        if (state.get(dep.name) === 'visiting') throw new ModelFormatError(`the graph has a cycle through node "${dep.name}"`);
        stack.push([dep, 0]);
      } else {
        state.set(n.name, 'done');
        order.push(n);
        stack.pop();
      }
    }
  }
  return order;
}

/** The signature's outputs when the model has one, else every node no other node reads. */
function outputNames(model: TfModelJson): string[] {
  const signature = (model.signature as { outputs?: Record<string, { name?: string }> } | undefined)?.outputs;
  if (signature && Object.keys(signature).length > 0) return Object.values(signature).map((o, i) => tensorName(o.name ?? Object.keys(signature)[i]!)!);
  const read = new Set(model.modelTopology.node.flatMap((n) => (n.input ?? []).map((i) => producerOf(i.replace(/^\^/, '')))));
  return model.modelTopology.node.filter((n) => !read.has(n.name) && n.op !== 'Const' && n.op !== 'NoOp' && n.op !== 'Placeholder').map((n) => n.name);
}
