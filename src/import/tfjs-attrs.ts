// Typed reads of a GraphDef node's attributes (JSON form: strings base64, int64 as strings).

import { ModelFormatError } from '../errors.ts';
import type { TfAttrValue, TfNode } from './tfjs-model.ts';

/** Thrown by a converter when the op is known but this use of it is not. */
export class UnsupportedTfUse extends Error {}

function decodeBase64(s: string, node: TfNode, attr: string): string {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(s), (c) => c.charCodeAt(0)));
  } catch {
    throw new ModelFormatError(`node "${node.name}" (${node.op}): attribute "${attr}" is not base64`);
  }
}

const isString = (x: unknown): x is string => typeof x === 'string';
const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every(isString);
const isNumber = (x: unknown): x is number => typeof x === 'number';
const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';
const isObject = (x: unknown): x is NonNullable<TfAttrValue['shape']> => typeof x === 'object' && x !== null && !Array.isArray(x);
/** int64 attributes come as decimal strings in JSON; small ones may be numbers. */
const isInteger = (x: unknown): x is string | number => (typeof x === 'number' && Number.isSafeInteger(x)) || (typeof x === 'string' && /^-?\d{1,15}$/.test(x));
const isIntegers = (x: unknown): x is (string | number)[] => Array.isArray(x) && x.every(isInteger);

export class TfAttrs {
  private readonly attrs: Record<string, TfAttrValue>;

  constructor(private readonly node: TfNode) {
    this.attrs = node.attr ?? {};
  }

  has = (name: string): boolean => name in this.attrs;

  /** One field of an attribute, checked to be of the kind the GraphDef format gives it. */
  private field<T>(name: string, read: (v: TfAttrValue) => unknown, ok: (x: unknown) => x is T, kind: string): T | undefined {
    const value = this.attrs[name];
    const x = value === undefined || value === null || typeof value !== 'object' ? value : read(value);
    if (x === undefined) return undefined;
    if (!ok(x)) throw new ModelFormatError(`node "${this.node.name}" (${this.node.op}): attribute "${name}" should be ${kind}, found ${JSON.stringify(x)}`);
    return x;
  }

  string(name: string, fallback: string): string {
    const s = this.field(name, (v) => v.s, isString, 'a string');
    return s === undefined ? fallback : decodeBase64(s, this.node, name);
  }

  strings(name: string): string[] {
    return (this.field(name, (v) => v.list?.s, isStrings, 'a list of strings') ?? []).map((s) => decodeBase64(s, this.node, name));
  }

  int(name: string, fallback: number): number {
    const i = this.field(name, (v) => v.i, isInteger, 'an integer');
    return i === undefined ? fallback : Number(i);
  }

  ints(name: string): number[] | undefined {
    return this.field(name, (v) => v.list?.i, isIntegers, 'a list of integers')?.map(Number);
  }

  float(name: string, fallback: number): number {
    return this.field(name, (v) => v.f, isNumber, 'a number') ?? fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    return this.field(name, (v) => v.b, isBoolean, 'a boolean') ?? fallback;
  }

  type(name: string): string | undefined {
    return this.field(name, (v) => v.type, isString, 'a type name');
  }

  /** A Placeholder's shape: -1 for unknown dims; undefined for an unknown rank. */
  shape(name: string): number[] | undefined {
    const s = this.field(name, (v) => v.shape, isObject, 'a shape');
    if (!s || s.unknownRank) return undefined;
    const dims = s.dim ?? [];
    const sizes = Array.isArray(dims) ? dims.map((d) => (d?.size === undefined ? -1 : d.size)) : [null];
    if (!isIntegers(sizes)) throw new ModelFormatError(`node "${this.node.name}" (${this.node.op}): attribute "${name}" has dims ${JSON.stringify(dims)}`);
    return sizes.map(Number);
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
