// The whole GPU plan of a float graph (the fp32 baseline of the int8 path), without a GPU: the
// same ProgramPlan the int8 plan makes (src/plan/plan.ts), so the same Session runs it. Static
// shapes for a batch size, one kernel spec per node (Concat: one per input), or an alias for ops
// that keep the element order, and the activation memory plan. Constants (graph.initializers)
// are uploaded by the specs as storage data. Float tensors are plain f32 on the GPU.
//
// Plan the graph of optimize(graph, { layout: 'NHWC' }): convolutions and pools run NHWC.

import { InputError } from '../errors.ts';
import type { Graph } from '../ir/graph.ts';
import { inferNode, type ShapeMap } from '../ir/shapes.ts';
import { floatBytes } from '../kernels/float/common.ts';
import type { DynamicMath } from '../kernels/float/dynamic.ts';
import { planFloatNode } from '../kernels/float/registry.ts';
import { extraTensors } from '../kernels/registry.ts';
import type { KernelSpec } from '../kernels/spec.ts';
import { planMemory, type TensorUse } from './liveness.ts';
import type { ProgramPlan } from './plan.ts';

const isStatic = (shape: readonly (number | string)[] | undefined): shape is number[] =>
  shape !== undefined && shape.every((d) => typeof d === 'number');

export interface FloatPlanOptions {
  /** The dynamic products' arithmetic (default 'dp4a'; createFloatSession picks per adapter). */
  dynamicMath?: DynamicMath;
}

export function planFloatProgram(graph: Graph, batch = 1, options: FloatPlanOptions = {}): ProgramPlan {
  const constants = graph.initializers;
  const known: ShapeMap = new Map();
  for (const [name, t] of constants) known.set(name, [...t.shape]);
  const shapes = new Map<string, number[]>();
  const uses = new Map<string, TensorUse>();
  for (const input of graph.inputs) {
    // Integer and bool inputs (token ids, attention masks) are carried as f32 like every GPU
    // tensor: exact below 2^24, which the session checks when it writes them.
    if (input.dtype === 'float64') throw new InputError(`input "${input.name}" is float64: the GPU float path takes float32, integer or bool inputs`);
    const shape = input.shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) return batch;
      throw new InputError(`input "${input.name}" has a symbolic dimension "${d}" other than the batch: the GPU plan needs static shapes`);
    });
    known.set(input.name, shape);
    shapes.set(input.name, shape);
    uses.set(input.name, { name: input.name, bytes: floatBytes(shape), first: -1, last: -1 });
  }
  const specs: KernelSpec[] = [];
  const read = new Set([...graph.nodes.flatMap((n) => n.inputs), ...graph.outputs.map((o) => o.name)]);
  graph.nodes.forEach((node, index) => {
    const where = `${node.op} node "${node.name}"`;
    const inputShapes = node.inputs.map((name) => {
      if (name === '') return undefined;
      const s = known.get(name);
      if (!s) throw new Error(`${where}: its input "${name}" is not computed before it`);
      if (!isStatic(s)) throw new Error(`${where}: its input "${name}" has a shape [${s}] that is not static`);
      return s;
    });
    const [inferred] = inferNode(node, known, constants);
    let planned;
    try {
      planned = planFloatNode(node, inputShapes, constants, isStatic(inferred) ? inferred : undefined, { allowTemps: true, read: (name) => read.has(name), dynamicMath: options.dynamicMath });
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
    }
    if (isStatic(inferred) && inferred.join() !== planned.outputShape.join()) {
      throw new Error(`${where}: the kernel's output shape [${planned.outputShape}] is not the inferred [${inferred}]`);
    }
    for (const name of node.inputs) {
      const use = uses.get(name);
      if (use) use.last = Math.max(use.last, index);
    }
    let extras;
    try {
      extras = extraTensors(planned, node.outputs, node.op, (name) => read.has(name));
    } catch (e) {
      throw new RangeError(`${where}: ${(e as Error).message}`, { cause: e });
    }
    for (const t of extras.temps) uses.set(t.name, { name: t.name, bytes: floatBytes(t.shape), first: index, last: index });
    for (const { name, shape } of extras.outputs) {
      known.set(name, shape);
      shapes.set(name, shape);
      uses.set(name, { name, bytes: floatBytes(shape), first: index, last: index });
    }
    const output = node.outputs[0]!;
    known.set(output, planned.outputShape);
    shapes.set(output, planned.outputShape);
    const alias = 'alias' in planned ? { aliasOf: planned.alias } : {};
    uses.set(output, { name: output, bytes: floatBytes(planned.outputShape), first: index, last: index, ...alias });
    if ('specs' in planned) specs.push(...planned.specs);
  });
  for (const o of graph.outputs) {
    const use = uses.get(o.name);
    if (!use) throw new Error(`graph output "${o.name}" is not computed by any node`);
    use.last = Infinity;
  }
  const constantBytes = specs.flatMap((s) => s.storage).reduce((sum, b) => sum + ('data' in b ? b.data.byteLength : 0), 0);
  return { specs, shapes, memory: planMemory([...uses.values()]), constantBytes };
}
