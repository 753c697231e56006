// Ops that only move float32 elements → one gather_f32 dispatch (see shaders/gather_f32.wgsl):
// the output as a strided view of the input (Slice, Expand, Tile, DepthToSpace, SpaceToDepth),
// with one view axis through a table of constant indices (Gather), or every element's source
// from a table (GatherElements). Every shape, start, repeat and index must be a constant.

import type { Node } from '../../ir/graph.ts';
import { sliceAxes, sliceAxis, splitLengths } from '../../ir/ops/indexing.ts';
import { sizeOf, stridesOf, type Tensor } from '../../ir/tensor.ts';
import { broadcastShapes } from '../../ref/float/broadcast.ts';
import type { PlannedKernel } from '../conv.ts';
import type { InputView } from '../layout.ts';
import { innermostFirst } from '../packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec, type StorageBinding } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { broadcastStrides, operandBinding } from './common.ts';

export type GatherOpType = 'Split' | 'Slice' | 'Expand' | 'Tile' | 'DepthToSpace' | 'SpaceToDepth' | 'Gather' | 'GatherElements';

/** How the output reads the input: a strided view (layout.ts InputView), and an optional table. */
export interface View extends InputView {
  table?: { mode: 1 | 2; data: Int32Array; axis: number };
}

/** A Gather's view when its indices are a tensor of the program: TABLE 3 (the float path only). */
interface RuntimeGatherView extends InputView {
  table: { mode: 3; tensor: string; axis: number; axisLen: number };
}

/**
 * A Gather whose indices are a tensor of the program (token ids into an embedding table): as
 * mode 1, the indices' dims flattened into one view axis, but read at run time from the tensor.
 */
function runtimeGatherView(node: Extract<Node, { op: 'Gather' }>, x: readonly number[], indicesShape: readonly number[]): RuntimeGatherView {
  const rank = x.length;
  const a = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${node.attrs.axis} is out of range for rank ${rank}`);
  const dims = [...x.slice(0, a), sizeOf(indicesShape), ...x.slice(a + 1)];
  return { dims, strides: stridesOf(x), offset: 0, table: { mode: 3, tensor: node.inputs[1]!, axis: a, axisLen: x[a]! } };
}

function constantValues(node: Node, i: number, constants: ReadonlyMap<string, Tensor>, what: string): number[] | undefined {
  const name = node.inputs[i] ?? '';
  if (name === '') return undefined;
  const t = constants.get(name);
  if (!t) throw new RangeError(`its ${what} input "${name}" is not a constant (fix the graph input it comes from)`);
  return Array.from(t.data);
}

const required = (v: number[] | undefined, what: string): number[] => {
  if (!v) throw new RangeError(`its ${what} input is required`);
  return v;
};

export function viewOf(node: Extract<Node, { op: GatherOpType }>, x: readonly number[], constants: ReadonlyMap<string, Tensor>): View {
  const strides = stridesOf(x);
  const rank = x.length;
  switch (node.op) {
    case 'Split':
      throw new RangeError('a Split has one view per output (splitF32Kernels)');
    case 'Slice': {
      const starts = required(constantValues(node, 1, constants, 'starts'), 'starts');
      const ends = required(constantValues(node, 2, constants, 'ends'), 'ends');
      const axes = constantValues(node, 3, constants, 'axes');
      const steps = constantValues(node, 4, constants, 'steps');
      if (ends.length !== starts.length) throw new RangeError(`${starts.length} starts and ${ends.length} ends`);
      const dims = [...x];
      const s = [...strides];
      let offset = 0;
      for (const { axis, step, i } of sliceAxes(rank, starts.length, axes, steps)) {
        const r = sliceAxis(x[axis]!, starts[i]!, ends[i]!, step);
        dims[axis] = r.count;
        s[axis] = strides[axis]! * step;
        if (r.count > 0) offset += r.start * strides[axis]!;
      }
      return { dims, strides: s, offset };
    }
    case 'Expand': {
      const target = required(constantValues(node, 1, constants, 'shape'), 'shape');
      const dims = broadcastShapes(x, target);
      return { dims, strides: broadcastStrides(x, dims), offset: 0 };
    }
    case 'Tile': {
      const repeats = required(constantValues(node, 1, constants, 'repeats'), 'repeats');
      if (repeats.length !== rank) throw new RangeError(`${repeats.length} repeats for rank ${rank}`);
      // Axis a of r·d as [r, d]: the repeat reads the same elements (stride 0).
      return { dims: x.flatMap((d, a) => [repeats[a]!, d]), strides: strides.flatMap((s) => [0, s]), offset: 0 };
    }
    case 'DepthToSpace': {
      if (node.attrs.layout !== 'NCHW' || rank !== 4) throw new RangeError(`a ${node.attrs.layout} DepthToSpace of rank ${rank} (the GPU runs NCHW 4-D ones)`);
      const [n, c, h, w] = x as [number, number, number, number];
      const b = node.attrs.blocksize;
      const co = c / (b * b);
      if (!Number.isInteger(co)) throw new RangeError(`${c} channels are not a multiple of ${b}²`);
      const hw = h * w;
      // The output [N, C/b², H·b, W·b] as [N, C', H, b, W, b]: DCR reads channel (i·b + j)·C' + c,
      // CRD channel c·b² + i·b + j.
      const [sc, si, sj] = node.attrs.mode === 'DCR' ? [hw, b * co * hw, co * hw] : [b * b * hw, b * hw, hw];
      return { dims: [n, co, h, b, w, b], strides: [c * hw, sc, w, si, 1, sj], offset: 0 };
    }
    case 'SpaceToDepth': {
      if (rank !== 4) throw new RangeError(`rank ${rank} (SpaceToDepth is 4-D)`);
      const [n, c, h, w] = x as [number, number, number, number];
      const b = node.attrs.blocksize;
      if (h % b !== 0 || w % b !== 0) throw new RangeError(`[${x}] by blocks of ${b}`);
      const [sn, sc, sh, sw] = strides as [number, number, number, number];
      // The output in the order of its 6-D view [N, b, b, C, H/b, W/b].
      return { dims: [n, b, b, c, h / b, w / b], strides: [sn, sh, sw, sc, sh * b, sw * b], offset: 0 };
    }
    case 'Gather': {
      const indices = constants.get(node.inputs[1] ?? '');
      if (!indices) throw new RangeError(`its indices input "${node.inputs[1]}" is not a constant (fix the graph input it comes from)`);
      const a = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
      if (a < 0 || a >= rank) throw new RangeError(`axis ${node.attrs.axis} is out of range for rank ${rank}`);
      const len = x[a]!;
      const table = Int32Array.from(indices.data, (v) => {
        const k = v < 0 ? v + len : v;
        if (!(k >= 0 && k < len)) throw new RangeError(`index ${v} is out of range for length ${len}`);
        return k;
      });
      // The indices' dims flattened into one view axis (row-major, as they lie in the output).
      const dims = [...x.slice(0, a), table.length, ...x.slice(a + 1)];
      return { dims, strides: [...strides], offset: 0, table: { mode: 1, data: table, axis: a } };
    }
    case 'GatherElements': {
      const indices = constants.get(node.inputs[1] ?? '');
      if (!indices) throw new RangeError(`its indices input "${node.inputs[1]}" is not a constant (fix the graph input it comes from)`);
      const a = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
      if (a < 0 || a >= rank || indices.shape.length !== rank) throw new RangeError(`axis ${node.attrs.axis} / indices of rank ${indices.shape.length} for rank ${rank}`);
      const istrides = stridesOf(indices.shape);
      const table = new Int32Array(indices.data.length);
      for (let k = 0; k < table.length; k++) {
        let src = 0;
        for (let d = 0; d < rank; d++) {
          let coord = Math.floor(k / istrides[d]!) % indices.shape[d]!;
          if (d === a) {
            const v = indices.data[k]!;
            coord = v < 0 ? v + x[a]! : v;
            if (!(coord >= 0 && coord < x[a]!)) throw new RangeError(`index ${v} is out of range for length ${x[a]}`);
          }
          src += coord * strides[d]!;
        }
        table[k] = src;
      }
      return { dims: [...indices.shape], strides: [], offset: 0, table: { mode: 2, data: table, axis: 0 } };
    }
  }
}

/**
 * Split: one dispatch per output, each a view of its part (an output nothing reads is skipped).
 * `outputShapes`: every output's shape, in order.
 */
export function splitF32Kernels(node: Extract<Node, { op: 'Split' }>, x: readonly number[], constants: ReadonlyMap<string, Tensor>, read: (name: string) => boolean): { specs: KernelSpec[]; outputShape: number[]; outputShapes: number[][] } {
  const rank = x.length;
  const a = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
  if (a < 0 || a >= rank) throw new RangeError(`axis ${node.attrs.axis} is out of range for rank ${rank}`);
  const lengths = constantValues(node, 1, constants, 'split') ?? splitLengths(x[a]!, node.attrs.parts);
  if (lengths.length !== node.outputs.length || lengths.reduce((s, v) => s + v, 0) !== x[a]) throw new RangeError(`split lengths [${lengths}] for ${node.outputs.length} outputs of an axis of ${x[a]}`);
  const strides = stridesOf(x);
  const specs: KernelSpec[] = [];
  const outputShapes: number[][] = [];
  let start = 0;
  node.outputs.forEach((o, i) => {
    const dims = x.map((d, k) => (k === a ? lengths[i]! : d));
    outputShapes.push(dims);
    if (o !== '' && read(o)) specs.push(gatherSpec(`${node.name}#${i}`, { tensor: node.inputs[0]! }, o, { dims, strides, offset: start * strides[a]! }, `Split "${node.name}"`));
    start += lengths[i]!;
  });
  return { specs, outputShape: outputShapes[0]!, outputShapes };
}

function gatherSpec(label: string, input: StorageBinding, output: string, view: View | RuntimeGatherView, what: string): KernelSpec {
  const total = sizeOf(view.dims);
  if (total === 0) throw new RangeError('its output is empty (the GPU plan makes no zero-size tensors)');
  const mode = view.table?.mode ?? 0;
  // The table axis counted innermost first, as the shader walks the view.
  const tableAxis = view.table && (mode === 1 || mode === 3) ? view.dims.length - 1 - view.table.axis : 0;
  const table: StorageBinding = view.table?.mode === 3 ? { tensor: view.table.tensor } : { data: view.table?.data ?? new Int32Array(1), label: `${label}/table` };
  const { workgroups, width } = dispatchFor(total);
  return {
    label,
    shader: 'gather_f32',
    constants: { WORKGROUP_SIZE, TABLE: mode },
    uniforms: uniformStruct({
      total, dispatch_width: width, rank: mode === 2 ? 0 : view.dims.length, table_axis: tableAxis,
      offset: view.offset, axis_len: view.table?.mode === 3 ? view.table.axisLen : 0, _pad1: 0, _pad2: 0,
      out_shape: innermostFirst(mode === 2 ? [] : view.dims, 1, what),
      strides: innermostFirst(mode === 2 ? [] : view.strides, 0, what),
    }),
    storage: [input, table, { tensor: output, write: true }],
    workgroups,
  };
}

/**
 * Uniforms (24 words): total, dispatch width, view rank, table axis | offset (i32), 0, 0, 0 |
 * view dims ×8 (innermost first, 1-padded) | signed element strides ×8. Override TABLE.
 * Binding 2 is the table (one 0 when there is none).
 */
export function gatherF32Kernel(
  node: Extract<Node, { op: GatherOpType }>,
  inputShape: readonly number[],
  constants: ReadonlyMap<string, Tensor>,
  outputShape: readonly number[] | undefined,
  /** A Gather's indices shape: with indices that are not a constant, they are read at run time (TABLE 3). */
  indicesShape?: readonly number[],
): PlannedKernel {
  const runtime = node.op === 'Gather' && !constants.has(node.inputs[1] ?? '') && indicesShape !== undefined;
  const view = runtime ? runtimeGatherView(node, inputShape, indicesShape) : viewOf(node, inputShape, constants);
  // Only a Gather of run-time indices reads a constant (an embedding table); the others move activations.
  const input = runtime ? operandBinding(node, 0, constants) : { tensor: node.inputs[0]! };
  const what = `${node.op} "${node.name}"`;
  const shape = outputShape ? [...outputShape] : view.dims;
  if (sizeOf(shape) !== sizeOf(view.dims)) throw new Error(`${what}: the view [${view.dims}] does not fill the output [${shape}]`);
  return {
    spec: gatherSpec(node.name, input, node.outputs[0]!, view, what),
    outputShape: shape,
  };
}
