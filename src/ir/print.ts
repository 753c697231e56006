// A readable, line-per-node listing of a graph, with shapes when known.

import type { Graph, Node } from './graph.ts';
import { inferShapes } from './shapes.ts';
import { formatShape } from './tensor.ts';

function describeAttrs(node: Node): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(node.attrs)) {
    if (v === null || v === false) continue;
    if (k === 'clamp' && typeof v === 'object' && 'min' in v) {
      parts.push(`clamp=[${v.min},${'channelMax' in v && v.channelMax ? 'per channel ≤ ' : ''}${v.max}]`);
    } else if (Array.isArray(v)) {
      if (!v.every((x) => x === 0) && !(k !== 'pads' && v.every((x) => x === 1))) parts.push(`${k}=${v.join('x')}`);
    } else if (!(k === 'autoPad' && v === 'NOTSET') && !(k === 'group' && v === 1)) {
      // float32 attributes (e.g. epsilon 1e-5) print as the value that was written, not its double expansion.
      parts.push(`${k}=${typeof v === 'number' ? String(Number(v.toPrecision(7))) : String(v)}`);
    }
  }
  return parts.join(' ');
}

export function printGraph(graph: Graph): string {
  const shapes = inferShapes(graph);
  const shapeOf = (name: string) => {
    const s = shapes.get(name);
    return s ? formatShape(s) : '';
  };
  const isConst = (name: string) => graph.initializers.has(name);
  const lines = [`graph ${graph.name}: ${graph.nodes.length} nodes, ${graph.initializers.size} constants`];
  for (const i of graph.inputs) lines.push(`  input  ${i.name} ${i.dtype}${formatShape(i.shape)}`);
  for (const n of graph.nodes) {
    const data = n.inputs.filter((i) => i !== '' && !isConst(i)).join(', ');
    const consts = n.inputs.filter(isConst).length;
    const attrs = describeAttrs(n);
    lines.push(
      `  ${n.op.padEnd(18)} ${n.outputs.map((o) => `${o}${shapeOf(o)}`).join(', ')} <- ${data}` +
        (consts ? ` +${consts} const` : '') +
        (attrs ? `  {${attrs}}` : ''),
    );
  }
  for (const o of graph.outputs) lines.push(`  output ${o.name}${shapeOf(o.name)}`);
  return lines.join('\n');
}

/** Node count per op, e.g. "Conv×6 BatchNormalization×6 Clip×6". */
export function opHistogram(graph: Graph): string {
  const counts = new Map<string, number>();
  for (const n of graph.nodes) counts.set(n.op, (counts.get(n.op) ?? 0) + 1);
  return [...counts].map(([op, n]) => `${op}×${n}`).join(' ');
}
