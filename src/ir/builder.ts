// Tiny graph builders, for tests and for importers that assemble graphs op by op.

import type { AttrsByOp, ConvAttrs, Dim, Graph, Node, OpType, PoolAttrs } from './graph.ts';
import type { DType, Tensor } from './tensor.ts';

export const convAttrs = (a: Partial<ConvAttrs> = {}): ConvAttrs => ({
  strides: [1, 1], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], group: 1, layout: 'NCHW', clamp: null, ...a,
});

export const poolAttrs = (kernel: [number, number], a: Partial<PoolAttrs> = {}): PoolAttrs => ({
  kernel, strides: [1, 1], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], ceilMode: false, layout: 'NCHW', ...a,
});

export class GraphBuilder {
  private readonly graph: Graph;
  private count = 0;

  constructor(name = 'graph') {
    this.graph = { name, inputs: [], outputs: [], initializers: new Map(), nodes: [] };
  }

  input(name: string, shape: Dim[], dtype: DType = 'float32'): string {
    this.graph.inputs.push({ name, dtype, shape });
    return name;
  }

  constant(name: string, value: Tensor): string {
    this.graph.initializers.set(name, value);
    return name;
  }

  /** Adds a node and returns its first output's name (`<op>_<n>`). */
  node<Op extends OpType>(op: Op, inputs: string[], attrs: AttrsByOp[Op], name?: string): string {
    const nodeName = name ?? `${op.toLowerCase()}_${this.count++}`;
    this.graph.nodes.push({ op, name: nodeName, inputs, outputs: [nodeName], attrs } as Node);
    return nodeName;
  }

  output(name: string, shape: Dim[] = [], dtype: DType = 'float32'): this {
    this.graph.outputs.push({ name, dtype, shape });
    return this;
  }

  build(): Graph {
    return this.graph;
  }
}
