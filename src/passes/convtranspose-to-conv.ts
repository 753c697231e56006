// A 2-D ConvTranspose with constant weights is a Conv: over its input with s − 1 zeros inserted
// after each element along each axis of stride s, with the kernel flipped and its in/out channels
// swapped, and pads (k − 1)·d − pad. The zeros go in channels-last, where the two Reshapes keep
// the packed rows and cost nothing on the GPU: Transpose to NHWC → Reshape [N, H, 1, W, 1, C] →
// Pad (the zeros) → Reshape [N, H·s, W·s, C] → Transpose back → Conv. On the int8 path's NHWC
// graph the Transposes cancel against the layout pass's own (cancel-transposes.ts), leaving one
// Pad dispatch; a BatchNormalization or Relu after it folds and fuses into the Conv as usual
// (PP-OCRv4 det's head: ConvTranspose → BN → Relu, twice).
//
// Per axis, with input length L, stride s, dilation d, kernel k, the ConvTranspose's pads pb, pa
// and output padding op (planTransposedAxis), the zero-inserted input has s·L values (s − 1
// zeros after the last one too), and the Conv pads it by (k − 1)·d − pb before and
// (k − 1)·d − pa + op − (s − 1) after. Exact: the inserted zeros add nothing. A ConvTranspose
// where either is negative (it crops more than the kernel reaches) stays as it is.

import type { ConvAttrs, Graph, Node, NodeOf } from '../ir/graph.ts';
import { planTransposedAxis } from '../ir/ops/spatial.ts';
import { f32, i64, type Tensor } from '../ir/tensor.ts';
import { rewriteNodes } from './rewrite-nodes.ts';

/** [Cin, Cout/g, kh, kw] → [Cout, Cin/g, kh, kw], flipped in both spatial axes. */
function convWeights(w: Tensor, group: number): Tensor {
  const [cin, coutPerGroup, kh, kw] = w.shape as [number, number, number, number];
  const cinPerGroup = cin / group;
  const out = new Float32Array(w.data.length);
  for (let c = 0; c < cin; c++) {
    const g = Math.floor(c / cinPerGroup);
    for (let j = 0; j < coutPerGroup; j++) {
      for (let y = 0; y < kh; y++) {
        for (let x = 0; x < kw; x++) {
          const o = g * coutPerGroup + j;
          out[((o * cinPerGroup + (c % cinPerGroup)) * kh + y) * kw + x] = w.data[((c * coutPerGroup + j) * kh + (kh - 1 - y)) * kw + (kw - 1 - x)]!;
        }
      }
    }
  }
  return f32([coutPerGroup * group, cinPerGroup, kh, kw], out);
}

function rewrite(node: NodeOf<'ConvTranspose'>, constants: Map<string, Tensor>, shape: readonly (number | string)[] | undefined): Node[] | undefined {
  const w = constants.get(node.inputs[1]!);
  const bias = node.inputs[2] ? constants.get(node.inputs[2]) : undefined;
  if (!w || w.shape.length !== 4 || (node.inputs[2] && !bias) || !shape || shape.length !== 4) return undefined;
  const [h, wd] = [shape[2], shape[3]];
  if (typeof h !== 'number' || typeof wd !== 'number' || w.shape[0] !== shape[1]) return undefined;
  const a = node.attrs;
  const kernel = w.shape.slice(2);
  const strides = [a.strides[0] ?? 1, a.strides[1] ?? 1];
  const dilations = [a.dilations[0] ?? 1, a.dilations[1] ?? 1];
  const pads = [0, 1].map((axis) => {
    const plan = planTransposedAxis(a, kernel, axis, axis === 0 ? h : wd);
    const reach = (kernel[axis]! - 1) * dilations[axis]!;
    return [reach - plan.padBefore, reach - plan.padAfter + (a.outputPadding[axis] ?? 0) - (strides[axis]! - 1)] as const;
  });
  if (pads.some(([before, after]) => before < 0 || after < 0)) return undefined;
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  const name = (what: string) => `${node.name}/${what}`;
  const nodes: Node[] = [];
  let input = x;
  if (strides.some((s) => s > 1)) {
    const [sh, sw] = strides as [number, number];
    const c = shape[1] as number;
    constants.set(name('split_shape'), i64([6], [0, h, 1, wd, 1, c]));
    constants.set(name('zeros'), i64([12], [0, 0, 0, 0, 0, 0, 0, 0, sh - 1, 0, sw - 1, 0]));
    constants.set(name('merged_shape'), i64([4], [0, h * sh, wd * sw, c]));
    nodes.push(
      { op: 'Transpose', name: name('to_nhwc'), inputs: [x], outputs: [name('nhwc')], attrs: { perm: [0, 2, 3, 1] } },
      { op: 'Reshape', name: name('split'), inputs: [name('nhwc'), name('split_shape')], outputs: [name('split')], attrs: { allowZero: false } },
      { op: 'Pad', name: name('insert_zeros'), inputs: [name('split'), name('zeros'), '', ''], outputs: [name('inserted')], attrs: { mode: 'constant' } },
      { op: 'Reshape', name: name('merge'), inputs: [name('inserted'), name('merged_shape')], outputs: [name('merged')], attrs: { allowZero: false } },
      { op: 'Transpose', name: name('to_nchw'), inputs: [name('merged')], outputs: [name('upsampled')], attrs: { perm: [0, 3, 1, 2] } },
    );
    input = name('upsampled');
  }
  constants.set(name('weights'), convWeights(w, a.group));
  const attrs: ConvAttrs = {
    strides: [1, 1],
    pads: [pads[0]![0], pads[1]![0], pads[0]![1], pads[1]![1]],
    autoPad: 'NOTSET',
    dilations: dilations as [number, number],
    group: a.group,
    layout: 'NCHW',
    clamp: null,
  };
  const inputs = node.inputs[2] ? [input, name('weights'), node.inputs[2]] : [input, name('weights')];
  nodes.push({ op: 'Conv', name: node.name, inputs, outputs: [y], attrs });
  return nodes;
}

export const convTransposeToConv = (graph: Graph): Graph => rewriteNodes(graph, ['ConvTranspose'], (n, c) => rewrite(n, c.constants, c.shapes.get(n.inputs[0]!)));
