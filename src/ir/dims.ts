// Dims arithmetic for static shape inference (shapes.ts and the op families' shape rules in
// ir/ops/*.ts). A dim is a number where known, a symbolic name where the model names it (e.g.
// "batch"), and '?' where it depends on data the graph does not fix.

import type { Dim, NodeOf, OpType } from './graph.ts';

export const UNKNOWN = '?';

export const isNum = (d: Dim | undefined): d is number => typeof d === 'number';

/** A product of dims; a single symbolic dim times ones keeps its name (e.g. Flatten of [batch,C,1,1]). */
export function product(dims: Dim[]): Dim {
  if (dims.every(isNum)) return dims.reduce((a, b) => a * b, 1);
  const notOne = dims.filter((d) => d !== 1);
  return notOne.length === 1 ? notOne[0]! : UNKNOWN;
}

export function sumDims(dims: Dim[]): Dim {
  return dims.every(isNum) ? dims.reduce((a, b) => a + b, 0) : UNKNOWN;
}

export const normAxis = (axis: number, rank: number): number => (axis < 0 ? axis + rank : axis);

/** Numpy broadcasting of two shapes. */
export function broadcastDims(a: Dim[], b: Dim[]): Dim[] {
  const rank = Math.max(a.length, b.length);
  return Array.from({ length: rank }, (_, i) => {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === 1) return db;
    if (db === 1 || da === db) return da;
    return isNum(da) && !isNum(db) ? da : isNum(db) && !isNum(da) ? db : UNKNOWN;
  });
}

/** What a shape rule sees of the node's inputs. */
export interface ShapeInputs {
  /** Input i's shape, if known. */
  shape(i: number): Dim[] | undefined;
  /** Input i's values, if it is a constant. */
  values(i: number): number[] | undefined;
  /** How many inputs the node has ('' for omitted ones included). */
  count: number;
}

/** One op's output shapes; undefined where an output cannot be inferred. Only called when input 0's shape is known. */
export type ShapeRule<Op extends OpType> = (node: NodeOf<Op>, x: Dim[], inputs: ShapeInputs) => (Dim[] | undefined)[];

/** An op family's shape rules; an op without one keeps its input's shape (elementwise). */
export type ShapeRules<Ops extends OpType> = { [Op in Ops]?: ShapeRule<Op> };
