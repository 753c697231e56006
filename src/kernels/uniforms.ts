// Uniform structs built by name, in the WGSL struct's member order: each member a 32-bit word
// or an array of words (an array<vec4<..>, n> or vec4 member). The words go to the GPU as
// before (uniformWords); the names and offsets are kept beside the buffer, so a test can hold
// each builder to its WGSL struct member by member (test/helpers/bind-layout.ts) without every
// KernelSpec carrying them.

import { uniformWords } from './spec.ts';

export type UniformValue = number | readonly number[];

export interface UniformMember {
  name: string;
  /** Byte offset in the struct. */
  offset: number;
  /** Size in bytes. */
  size: number;
}

const MEMBERS = new WeakMap<ArrayBuffer, readonly UniformMember[]>();

/** The struct's words, members in the order given (a JS object keeps its string keys' order). */
export function uniformStruct(members: Readonly<Record<string, UniformValue>>): ArrayBuffer {
  const words: number[] = [];
  const layout: UniformMember[] = [];
  for (const [name, value] of Object.entries(members)) {
    const values = typeof value === 'number' ? [value] : value;
    layout.push({ name, offset: 4 * words.length, size: 4 * values.length });
    words.push(...values);
  }
  const buffer = uniformWords(words);
  MEMBERS.set(buffer, layout);
  return buffer;
}

/** The named members a uniformStruct buffer was built from; undefined for any other buffer. */
export const uniformMembers = (buffer: ArrayBuffer): readonly UniformMember[] | undefined => MEMBERS.get(buffer);
