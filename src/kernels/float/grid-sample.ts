// GridSample with a constant grid on float32 (taps_f32): each output position of image n is a
// weighted sum of input positions of its plane, the same for every channel. The taps are derived
// at planning from the float reference itself: probing with x = 1 at plane position j (one
// channel, every image), the output is the weight of j at every output position, for every
// mode and padding the reference implements (each is linear in x).

import type { Node } from '../../ir/graph.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';
import { gridSample } from '../../ref/float/spatial-grid-sample.ts';
import type { PlannedKernel } from '../conv.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';

/** Probing costs (output elements the reference computes) past this refuse rather than stall planning. */
const MAX_PROBE_ELEMENTS = 5e7;

export function gridSampleF32Kernel(node: Extract<Node, { op: 'GridSample' }>, x: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  const grid = constants.get(node.inputs[1] ?? '');
  if (!grid) throw new RangeError(`its grid input "${node.inputs[1]}" is not a constant (fix the graph input it comes from)`);
  if (x.length !== 4 || grid.shape.length !== 4 || grid.shape[3] !== 2 || grid.shape[0] !== x[0]) throw new RangeError(`a 4-D input [${x}] and an [N, H, W, 2] grid [${grid.shape}]`);
  const [n, c, h, w] = x as [number, number, number, number];
  const [, ho, wo] = grid.shape as [number, number, number];
  const plane = h * w;
  const outPlane = ho * wo;
  if (n * c * outPlane === 0 || plane === 0) throw new RangeError('an empty input or output');
  if (plane * n * outPlane > MAX_PROBE_ELEMENTS) throw new RangeError(`deriving its taps would take ${(plane * n * outPlane).toExponential(1)} reference evaluations`);
  const g = { ...grid, data: Float32Array.from(grid.data) };
  // weights[n][o] as (j, w) pairs.
  const pairs: [number, number][][] = Array.from({ length: n * outPlane }, () => []);
  for (let j = 0; j < plane; j++) {
    const probe = new Float32Array(n * plane);
    for (let b = 0; b < n; b++) probe[b * plane + j] = 1;
    const out = gridSample(tensor('float32', [n, 1, h, w], probe), g, node.attrs);
    out.data.forEach((v, k) => v !== 0 && pairs[k]!.push([j, v]));
  }
  const taps = Math.max(1, ...pairs.map((p) => p.length));
  const index = new Int32Array(pairs.length * taps);
  const weight = new Float32Array(pairs.length * taps);
  pairs.forEach((p, k) => p.forEach(([j, v], t) => {
    index[k * taps + t] = j;
    weight[k * taps + t] = v;
  }));
  const total = n * c * outPlane;
  const { workgroups, width } = dispatchFor(total);
  return {
    spec: {
      label: node.name,
      shader: 'taps_f32',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ total, dispatch_width: width, channels: c, plane, out_plane: outPlane, taps, _pad0: 0, _pad1: 0 }),
      storage: [
        { tensor: node.inputs[0]! },
        { data: index, label: `${node.name}/index` },
        { data: weight, label: `${node.name}/weight` },
        { tensor: node.outputs[0]!, write: true },
      ],
      workgroups,
    },
    outputShape: [n, c, ho, wo],
  };
}
