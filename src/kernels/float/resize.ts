// Resize on float32 (resample_f32): separable, one dispatch per resized axis through
// temporaries, each output index a weighted sum of its taps along the axis. The taps are derived
// from the float reference itself at planning, so every mode and coordinate transform the
// reference implements is followed exactly: probing axis a with x = 1 at index j of it (every
// other coordinate 1), the output along a is column j of the axis's weights, once the all-ones
// probe shows the other axes' weights sum to 1 (as interpolation weights do).
// tf_crop_and_resize (extrapolated values are not a weighted sum) is refused.

import type { Node } from '../../ir/graph.ts';
import { planResize } from '../../ir/ops/spatial.ts';
import { sizeOf, stridesOf, tensor, type Tensor } from '../../ir/tensor.ts';
import { resize } from '../../ref/float/resample.ts';
import type { KernelSpec } from '../spec.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import type { TempTensor } from './elementwise.ts';

/** Probing costs (elements computed by the reference) past this refuse rather than stall planning. */
const MAX_PROBE_ELEMENTS = 5e7;

export function resizeF32Kernels(
  node: Extract<Node, { op: 'Resize' }>,
  x: readonly number[],
  constants: ReadonlyMap<string, Tensor>,
  allowTemps: boolean,
): { specs: KernelSpec[]; outputShape: number[]; temps: TempTensor[] } {
  const a = node.attrs;
  if (a.coordinates === 'tf_crop_and_resize') throw new RangeError('tf_crop_and_resize coordinates (extrapolated values are not a weighted sum of taps)');
  const value = (i: number, what: string): number[] | undefined => {
    const name = node.inputs[i] ?? '';
    if (name === '') return undefined;
    const t = constants.get(name);
    if (!t) throw new RangeError(`its ${what} input "${name}" is not a constant`);
    return t.data.length === 0 ? undefined : Array.from(t.data);
  };
  const given = { roi: value(1, 'roi'), scales: value(2, 'scales'), sizes: value(3, 'sizes') };
  const plan = planResize(x, a, given);
  const r = x.length;
  const resized = x.flatMap((len, axis) => {
    const identity = Math.abs(plan.scales[axis]! - 1) < 1e-9 && plan.out[axis] === len && plan.roi[axis] === 0 && plan.roi[r + axis] === 1;
    return identity ? [] : [axis];
  });
  const outShape = [...plan.out];
  if (resized.length === 0) throw new RangeError('an identity Resize (the optimizer removes it)');
  if (resized.length > 1 && !allowTemps) throw new RangeError(`a Resize of ${resized.length} axes (a chain of dispatches through temporaries, which this caller gives no memory)`);
  if (sizeOf(outShape) === 0) throw new RangeError('its output is empty');
  // The taps of an axis do not depend on the other axes' coordinates, so each axis is probed on
  // a line: the input cut to length 1 on every other axis, whose sizes or scales become 1 too,
  // where the sizes stretch (a keep-aspect policy derives one scale from all axes: probed whole).
  const cut = a.keepAspect === 'stretch' || !(given.sizes && given.sizes.length > 0);
  const axes = (a.axes ?? x.map((_, i) => i)).map((ax) => (ax < 0 ? ax + r : ax));
  const probeFor = (axis: number) => {
    if (!cut) return { shape: [...x], out: outShape, given };
    const only = (v: number[] | undefined) => v?.map((value, i) => (axes[i] === axis ? value : 1));
    return { shape: x.map((len, ax) => (ax === axis ? len : 1)), out: outShape.map((len, ax) => (ax === axis ? len : 1)), given: { ...given, sizes: only(given.sizes), scales: only(given.scales) } };
  };
  // Each axis: one all-ones probe and one per input index.
  const probeCost = resized.reduce((s, axis) => {
    const p = probeFor(axis);
    return s + (x[axis]! + 1) * (sizeOf(p.shape) + sizeOf(p.out));
  }, 0);
  if (probeCost > MAX_PROBE_ELEMENTS) throw new RangeError(`deriving its taps would take ${probeCost.toExponential(1)} reference evaluations`);
  const specs: KernelSpec[] = [];
  const temps: TempTensor[] = [];
  let current = node.inputs[0]!;
  const shape = [...x];
  resized.forEach((axis, step) => {
    const len = x[axis]!;
    const outLen = outShape[axis]!;
    const p = probeFor(axis);
    const probe = (data: Float32Array) => resize(tensor('float32', [...p.shape], data), p.given, a);
    const ones = probe(new Float32Array(sizeOf(p.shape)).fill(1));
    if (ones.data.length !== sizeOf(p.out)) throw new RangeError('its probe changed its output shape');
    if (ones.data.some((v) => Math.abs(v - 1) > 1e-6)) throw new RangeError('its weights do not sum to 1 (not separable into taps)');
    const inStrides = stridesOf(p.shape);
    const outStrides = stridesOf(p.out);
    // weights[o][j], from the probe with x = 1 at index j along the axis (0 elsewhere on it).
    const weights = Array.from({ length: outLen }, () => new Float64Array(len));
    for (let j = 0; j < len; j++) {
      const data = new Float32Array(sizeOf(p.shape));
      for (let e = 0; e < data.length; e++) if (Math.floor(e / inStrides[axis]!) % len === j) data[e] = 1;
      const out = probe(data);
      for (let o = 0; o < outLen; o++) weights[o]![j] = out.data[o * outStrides[axis]!]!;
    }
    const taps = Math.max(1, ...weights.map((w) => w.filter((v) => v !== 0).length));
    const index = new Int32Array(outLen * taps);
    const weight = new Float32Array(outLen * taps);
    weights.forEach((w, o) => {
      let t = 0;
      w.forEach((v, j) => {
        if (v === 0) return;
        index[o * taps + t] = j;
        weight[o * taps + t] = v;
        t++;
      });
    });
    shape[axis] = outLen;
    const last = step === resized.length - 1;
    const target = last ? node.outputs[0]! : `${node.outputs[0]}#${step}`;
    if (!last) temps.push({ name: target, shape: [...shape] });
    const inner = sizeOf(shape.slice(axis + 1));
    const total = sizeOf(shape);
    const { workgroups, width } = dispatchFor(total);
    specs.push({
      label: resized.length > 1 ? `${node.name}#${step}` : node.name,
      shader: 'resample_f32',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ total, dispatch_width: width, len, out_len: outLen, inner, taps, _pad0: 0, _pad1: 0 }),
      storage: [
        { tensor: current },
        { data: index, label: `${node.name}/index${axis}` },
        { data: weight, label: `${node.name}/weight${axis}` },
        { tensor: target, write: true },
      ],
      workgroups,
    });
    current = target;
  });
  return { specs, outputShape: outShape, temps };
}
