// Typed reads of a GraphDef node's attributes (JSON form: strings base64, int64 as strings).

import type { TfAttrValue, TfNode } from './tfjs-model.ts';

/** Thrown by a converter when the op is known but this use of it is not. */
export class UnsupportedTfUse extends Error {}

const decodeBase64 = (s: string): string => new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));

export class TfAttrs {
  private readonly attrs: Record<string, TfAttrValue>;

  constructor(node: TfNode) {
    this.attrs = node.attr ?? {};
  }

  has = (name: string): boolean => name in this.attrs;

  string(name: string, fallback: string): string {
    const s = this.attrs[name]?.s;
    return s === undefined ? fallback : decodeBase64(s);
  }

  strings(name: string): string[] {
    return (this.attrs[name]?.list?.s ?? []).map(decodeBase64);
  }

  int(name: string, fallback: number): number {
    const i = this.attrs[name]?.i;
    return i === undefined ? fallback : Number(i);
  }

  ints(name: string): number[] | undefined {
    return this.attrs[name]?.list?.i?.map(Number);
  }

  float(name: string, fallback: number): number {
    return this.attrs[name]?.f ?? fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    return this.attrs[name]?.b ?? fallback;
  }

  type(name: string): string | undefined {
    return this.attrs[name]?.type;
  }

  /** A Placeholder's shape: -1 for unknown dims; undefined for an unknown rank. */
  shape(name: string): number[] | undefined {
    const s = this.attrs[name]?.shape;
    if (!s || s.unknownRank) return undefined;
    return (s.dim ?? []).map((d) => Number(d.size ?? -1));
  }

  /** NHWC is the only data format the importer takes: NCHW graphs are GPU-trained exports TF.js rarely sees. */
  requireNhwc(): void {
    const format = this.string('data_format', 'NHWC');
    if (format !== 'NHWC') throw new UnsupportedTfUse(`data_format "${format}" (only NHWC is supported)`);
  }

  /** A 4-element NHWC list attribute (strides, ksize, dilations) → its [h, w] entries. */
  spatial(name: string, fallback: number): [number, number] {
    const v = this.ints(name);
    if (!v || v.length === 0) return [fallback, fallback];
    if (v.length !== 4 || v[0] !== 1 || v[3] !== 1) throw new UnsupportedTfUse(`${name} [${v}] (batch and channel entries must be 1)`);
    return [v[1]!, v[2]!];
  }
}
