// Seeded mutations of model files: byte-level (bit flips, truncation, cut/duplicated ranges) and
// structural (a JSON-like tree edited at a random path). Each returns what it did, so a failing
// case can be described and replayed from its seed.

import { rng } from '../helpers/int8-ref.ts';

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
}

export function random(seed: number): Random {
  const u32 = rng(seed);
  const next = () => u32() / 2 ** 32;
  const int = (n: number) => Math.floor(next() * n);
  return { next, int, pick: (items) => items[int(items.length)]! };
}

export interface Mutated<T> {
  value: T;
  what: string;
}

export function flipBits(bytes: Uint8Array, r: Random): Mutated<Uint8Array> {
  // A copy: Buffer#slice (readFileSync's bytes) would be a view, and the flips would build up in
  // the original from case to case.
  const out = new Uint8Array(bytes);
  const flips = 1 + r.int(8);
  const at: number[] = [];
  for (let i = 0; i < flips; i++) {
    const byte = r.int(out.length);
    out[byte]! ^= 1 << r.int(8);
    at.push(byte);
  }
  return { value: out, what: `flip bits at bytes ${at.join(',')}` };
}

/** `fraction` in [0, 1): cut points spread over the whole file reach every region of it. */
export function truncate(bytes: Uint8Array, fraction: number): Mutated<Uint8Array> {
  const at = Math.floor(fraction * bytes.length);
  return { value: new Uint8Array(bytes.subarray(0, at)), what: `truncate at byte ${at} of ${bytes.length}` };
}

export function spliceRange(bytes: Uint8Array, r: Random): Mutated<Uint8Array> {
  const start = r.int(bytes.length);
  const length = 1 + r.int(Math.min(64, bytes.length - start));
  const range = bytes.subarray(start, start + length);
  if (r.next() < 0.5) {
    const out = new Uint8Array(bytes.length - length);
    out.set(bytes.subarray(0, start));
    out.set(bytes.subarray(start + length), start);
    return { value: out, what: `delete bytes ${start}..${start + length}` };
  }
  const out = new Uint8Array(bytes.length + length);
  out.set(bytes.subarray(0, start + length));
  out.set(range, start + length);
  out.set(bytes.subarray(start + length), start + 2 * length);
  return { value: out, what: `duplicate bytes ${start}..${start + length}` };
}

export function mutateBytes(bytes: Uint8Array, r: Random): Mutated<Uint8Array> {
  const kind = r.int(3);
  return kind === 0 ? flipBits(bytes, r) : kind === 1 ? truncate(bytes, r.next()) : spliceRange(bytes, r);
}

/** Values a fuzzer puts where a number, a name or a list was: huge, negative, zero, wrong types. */
export const HOSTILE_VALUES: readonly unknown[] = [
  2 ** 40, 2 ** 31, -1, -7, 0, 1e308, 0.5, 'x', '', null, true, [], {}, [2 ** 31, 2 ** 31], [-3],
];

type Json = unknown;
type Container = Record<string, Json> | Json[];

/** Every (container, key) pair of a JSON-like tree, typed arrays and byte fields left whole. */
function slots(root: Json): [Container, string | number, string][] {
  const out: [Container, string | number, string][] = [];
  const walk = (v: Json, path: string) => {
    if (ArrayBuffer.isView(v) || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i, `${path}[${i}]`]), walk(x, `${path}[${i}]`)));
    else for (const [k, x] of Object.entries(v)) out.push([v as Record<string, Json>, k, `${path}.${k}`]), walk(x, `${path}.${k}`);
  };
  walk(root, '$');
  return out;
}

/**
 * One edit at a random place of a deep copy of `root`: delete a field or element, duplicate an
 * element, swap two elements, or put a hostile value there. `filter` narrows where (by path).
 */
export function mutateTree<T>(root: T, r: Random, filter: (path: string) => boolean = () => true): Mutated<T> {
  const copy = structuredClone(root);
  const candidates = slots(copy).filter(([, , path]) => filter(path));
  if (candidates.length === 0) return { value: copy, what: 'no change (nothing matched)' };
  const [container, key, path] = r.pick(candidates);
  const kind = r.int(4);
  if (Array.isArray(container) && typeof key === 'number') {
    if (kind === 0) return container.splice(key, 1), { value: copy, what: `delete ${path}` };
    if (kind === 1) return container.splice(key, 0, structuredClone(container[key])), { value: copy, what: `duplicate ${path}` };
    if (kind === 2 && container.length > 1) {
      const other = r.int(container.length);
      [container[key], container[other]] = [container[other], container[key]];
      return { value: copy, what: `swap ${path} with [${other}]` };
    }
  } else if (kind === 0) {
    delete (container as Record<string, Json>)[key];
    return { value: copy, what: `delete ${path}` };
  }
  const value = structuredClone(r.pick(HOSTILE_VALUES));
  (container as Record<string | number, Json>)[key] = value;
  return { value: copy, what: `set ${path} = ${JSON.stringify(value)}` };
}
