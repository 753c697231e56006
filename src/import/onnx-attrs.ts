// Typed access to a NodeProto's attributes, with ONNX defaults supplied by the caller.

import { ModelFormatError } from '../errors.ts';
import type { Tensor } from '../ir/tensor.ts';
import { toNumber, type AttributeProto, type NodeProto } from './onnx-proto.ts';
import { decodeTensorProto } from './onnx-tensor.ts';

const text = new TextDecoder();

export class OnnxAttrs {
  private readonly byName: Map<string, AttributeProto>;

  constructor(private readonly node: NodeProto) {
    this.byName = new Map(node.attribute.map((a) => [a.name, a]));
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  int(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? toNumber(a.i) : fallback;
  }

  float(name: string, fallback: number): number {
    const a = this.byName.get(name);
    return a ? a.f : fallback;
  }

  string(name: string, fallback: string): string {
    const a = this.byName.get(name);
    return a ? text.decode(a.s) : fallback;
  }

  ints(name: string): number[] | undefined {
    const a = this.byName.get(name);
    return a ? a.ints.map(toNumber) : undefined;
  }

  floats(name: string): number[] | undefined {
    return this.byName.get(name)?.floats;
  }

  tensor(name: string): Tensor | undefined {
    const t = this.byName.get(name)?.t;
    return t ? decodeTensorProto(t, `attribute "${name}" of node "${this.node.name}"`) : undefined;
  }

  /** A fixed-length int list (e.g. 2-D strides), checked so later stages can trust its length. */
  intsOfLength<N extends number>(name: string, length: N, fallback: number): number[] {
    const v = this.ints(name) ?? new Array<number>(length).fill(fallback);
    if (v.length !== length) {
      throw new ModelFormatError(`node "${this.node.name}": attribute ${name} has ${v.length} values, expected ${length}`);
    }
    return v;
  }
}
