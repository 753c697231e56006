// Float graph (fused, NHWC) + calibrated ranges → the int8 program.
// Every node with an int8 form becomes an int8 step; the rest run in float between explicit
// dequantize/quantize steps. The int8 version of float tensor `x` is named `x:q`.

import type { Graph, Node, NodeOf } from '../ir/graph.ts';
import { nodeWith, OP_TRAITS, unhandledTrait, type NodeWith } from '../ir/op-traits.ts';
import { inferShapes, type ShapeMap } from '../ir/shapes.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';
import { CalibrationError } from '../errors.ts';
import { MultiplierRangeError, quantizeMultiplier } from './fixed-point.ts';
import { mulStep } from './mul.ts';
import { extendTable, startTable, type Chain } from './tables.ts';
import { convStep, gemmStep } from './quantize-linear.ts';
import { activationQParams, clampBounds, quantizeValue, type QParams, type Range } from './qparams.ts';
import type { QuantizedModel, Step, TensorInfo } from './program.ts';
import { givenCovers, givenQParams, type GivenQuantization } from './qdq-import.ts';

export interface QuantizeOptions {
  perTensorWeights?: boolean;
  symmetricActivations?: boolean;
  method?: string;
  samples?: number;
  /**
   * The quantization an imported QDQ model gives (src/import/onnx-qdq.ts): used instead of the
   * ranges, and only the nodes the model quantizes get int8 steps.
   */
  given?: GivenQuantization;
  /** Nodes (by name, as in the fused graph) run in float between dequantize/quantize steps. */
  keepFloat?: readonly string[];
}

export class QuantizerState {
  readonly steps: Step[] = [];
  readonly tensors = new Map<string, TensorInfo>();
  readonly constants = new Map<string, Tensor>();
  /** The table chains (Q20) by the float tensor each one's step produces now. */
  readonly tables = new Map<string, Chain>();
  readonly shapes: ShapeMap;
  /** Which domain each float-graph tensor currently lives in. */
  private readonly int8Ready = new Set<string>();
  private readonly floatReady = new Set<string>();

  constructor(
    readonly graph: Graph,
    private readonly ranges: Map<string, Range>,
    readonly options: QuantizeOptions,
  ) {
    for (const input of graph.inputs) this.markFloat(input.name);
    this.shapes = inferShapes(graph);
  }

  rankOf = (name: string): number | undefined => this.shapes.get(name)?.length;

  isConstant = (name: string): boolean => this.graph.initializers.has(name);
  constant = (name: string): Tensor | undefined => this.graph.initializers.get(name);

  qparamsFor(name: string): QParams {
    if (this.options.given) {
      const q = givenQParams(this.options.given, name);
      if (!q) throw new Error(`tensor "${name}" has no quantization in the QDQ model`);
      return q;
    }
    const range = this.ranges.get(name);
    if (!range) throw new Error(`no calibrated range for tensor "${name}" (calibration did not observe it)`);
    return activationQParams(range, this.options.symmetricActivations);
  }

  markFloat(name: string): void {
    this.floatReady.add(name);
    this.tensors.set(name, { dtype: 'float32' });
  }

  /** Declares `x:q` as the int8 version of x with the given parameters; returns its name. */
  markInt8(name: string, qparams: QParams): string {
    this.int8Ready.add(name);
    this.tensors.set(`${name}:q`, { dtype: 'int8', qparams, source: name });
    return `${name}:q`;
  }

  isInt8 = (name: string): boolean => this.int8Ready.has(name);

  /** Drops the int8 form of x (a step that would produce it now produces something else). */
  forgetInt8(name: string): void {
    this.int8Ready.delete(name);
    this.tensors.delete(`${name}:q`);
  }

  /** True when `node` is the only reader of tensor `name` and it is not a graph output. */
  onlyReader(name: string, node: Node): boolean {
    if (this.graph.outputs.some((o) => o.name === name)) return false;
    return this.graph.nodes.every((n) => n === node || !n.inputs.includes(name));
  }

  int8Info(name: string): QParams {
    const info = this.tensors.get(`${name}:q`);
    if (info?.dtype !== 'int8') throw new Error(`tensor "${name}" has no int8 form`);
    return info.qparams;
  }

  /** The int8 version of x, adding a quantize step (Q14) when x only exists in float. */
  asInt8(name: string): string {
    if (!this.int8Ready.has(name)) {
      const q = this.markInt8(name, this.qparamsFor(name));
      this.steps.push({ op: 'quantize', name: `${name}/quantize`, input: name, output: q });
    }
    return `${name}:q`;
  }

  /** The float version of x, adding a dequantize step (Q15) when x only exists in int8. */
  asFloat(name: string): string {
    if (!this.floatReady.has(name)) {
      this.steps.push({ op: 'dequantize', name: `${name}/dequantize`, input: `${name}:q`, output: name });
      this.markFloat(name);
    }
    return name;
  }
}

export function quantizeGraph(graph: Graph, ranges: Map<string, Range>, options: QuantizeOptions = {}): QuantizedModel {
  const s = new QuantizerState(graph, ranges, options);
  const keepFloat = keptInFloat(graph, options.keepFloat ?? []);
  for (const node of graph.nodes) {
    const int8 = !keepFloat.has(node.name) && (!options.given || givenCovers(options.given, graph, node));
    if (!int8 || !quantizeNodeChecked(s, node, s.rankOf(node.inputs[0] ?? ''))) floatStep(s, node);
  }
  for (const o of graph.outputs) s.asFloat(o.name);
  return {
    name: graph.name,
    inputs: graph.inputs.map((i) => ({ name: i.name, shape: i.shape, ...(i.dtype && i.dtype !== 'float32' ? { dtype: i.dtype } : {}) })),
    outputs: graph.outputs.map((o) => ({ name: o.name, shape: o.shape })),
    tensors: s.tensors,
    steps: s.steps,
    constants: s.constants,
    calibration: {
      method: options.method ?? 'unknown',
      samples: options.samples ?? 0,
      perTensorWeights: options.perTensorWeights ?? false,
      symmetricActivations: options.symmetricActivations ?? false,
    },
  };
}

/** The names to keep in float, each checked against the graph: a typo must not quantize silently. */
function keptInFloat(graph: Graph, names: readonly string[]): Set<string> {
  const known = new Set(graph.nodes.map((n) => n.name));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    const sample = graph.nodes.slice(0, 5).map((n) => `"${n.name}"`).join(', ');
    throw new CalibrationError(`keep-float: no node named ${unknown.map((n) => `"${n}"`).join(', ')} in the fused graph (its nodes are named like ${sample}, …; \`webgpu-int8 inspect --nhwc\` lists them)`);
  }
  return new Set(names);
}

/**
 * quantizeNode, naming the node when its scales cannot be requantized in fixed point (an output
 * range far narrower than its inputs': the .q8 format could not hold the multiplier).
 */
function quantizeNodeChecked(s: QuantizerState, node: Node, inputRank: number | undefined): boolean {
  try {
    return quantizeNode(s, node, inputRank);
  } catch (e) {
    if (!(e instanceof MultiplierRangeError)) throw e;
    throw new CalibrationError(`${node.op} "${node.name}": ${e.message}: its output's calibrated range is too narrow for its inputs' scales; calibrate on samples where it varies, or keep it in float`, { cause: e });
  }
}

/**
 * Adds the int8 step(s) for a node and returns true, or returns false when this use of it has no
 * int8 form. Which step an op gets is its `int8` trait (src/ir/op-traits.ts): 'float-only' is
 * declared there per op, never a fall-through.
 */
function quantizeNode(s: QuantizerState, node: Node, inputRank: number | undefined): boolean {
  const x = node.inputs[0]!;
  const y = node.outputs[0]!;
  // A function of a table's output (and maybe of its input) only extends the table (Q20).
  if (extendTable(s, node)) return true;
  const form = OP_TRAITS[node.op].int8;
  switch (form) {
    case 'conv':
      return pushIf(s, convStep(s, nodeWith(node, 'int8', form)));
    case 'gemm':
      return pushIf(s, inputRank === 2 ? gemmStep(s, nodeWith(node, 'int8', form)) : undefined);
    case 'add':
      return addStep(s, nodeWith(node, 'int8', form));
    case 'mul':
      return mulStep(s, nodeWith(node, 'int8', form));
    case 'concat':
      return concatStep(s, nodeWith(node, 'int8', form));
    case 'pool': {
      const pool = nodeWith(node, 'int8', form);
      if (pool.attrs.layout !== 'NHWC') return false;
      const input = s.asInt8(x);
      const qp = s.int8Info(x);
      const { kernel, strides, pads, autoPad, dilations, ceilMode } = pool.attrs;
      const countIncludePad = pool.op === 'AveragePool' && pool.attrs.countIncludePad;
      const op = pool.op === 'MaxPool' ? 'maxpool' : 'avgpool';
      s.steps.push({ op, name: node.name, input, output: s.markInt8(y, qp), kernel, strides, pads, autoPad, dilations, ceilMode, countIncludePad, zeroPoint: qp.zeroPoint });
      return true;
    }
    case 'global-pool': {
      const pool = nodeWith(node, 'int8', form);
      if (pool.attrs.layout !== 'NHWC') return false;
      const input = s.asInt8(x);
      const op = pool.op === 'GlobalAveragePool' ? 'globalavgpool' : 'globalmaxpool';
      s.steps.push({ op, name: node.name, input, output: s.markInt8(y, s.int8Info(x)) });
      return true;
    }
    case 'clamp':
      return clampStep(s, nodeWith(node, 'int8', form));
    case 'layout':
      return layoutStep(s, nodeWith(node, 'int8', form));
    case 'lut':
      return startTable(s, node);
    case 'float-only':
      return false;
    default:
      return unhandledTrait(form, 'int8');
  }
}

function pushIf(s: QuantizerState, step: Step | undefined): boolean {
  if (step) s.steps.push(step);
  return step !== undefined;
}

function addStep(s: QuantizerState, node: NodeOf<'Add'>): boolean {
  const [a, b] = node.inputs as [string, string];
  // x + c is a function of x: a table (Q20).
  if (s.isConstant(a) || s.isConstant(b)) return startTable(s, node);
  const inputs: [string, string] = [s.asInt8(a), s.asInt8(b)];
  const qa = s.int8Info(a);
  const qb = s.int8Info(b);
  const out = s.qparamsFor(node.outputs[0]!);
  // (Q13): both inputs to a common scale of 2·max(s_a, s_b), shifted left by 20 bits.
  const twiceMax = 2 * Math.max(qa.scale, qb.scale);
  s.steps.push({
    op: 'add',
    name: node.name,
    inputs,
    output: s.markInt8(node.outputs[0]!, out),
    zeroPoints: [qa.zeroPoint, qb.zeroPoint],
    multipliers: [quantizeMultiplier(qa.scale / twiceMax), quantizeMultiplier(qb.scale / twiceMax)],
    outMultiplier: quantizeMultiplier(twiceMax / (2 ** 20 * out.scale)),
    zeroPoint: out.zeroPoint,
    lo: -128,
    hi: 127,
  });
  return true;
}

function concatStep(s: QuantizerState, node: NodeOf<'Concat'>): boolean {
  if (node.inputs.some(s.isConstant)) return false;
  const inputs = node.inputs.map((i) => s.asInt8(i));
  const inQ = node.inputs.map((i) => s.int8Info(i));
  const first = inQ[0]!;
  const same = inQ.every((q) => q.scale === first.scale && q.zeroPoint === first.zeroPoint);
  // (Q16): inputs that already agree are copied; otherwise the output gets its own calibrated range.
  const out = same && !s.options.given ? first : s.qparamsFor(node.outputs[0]!);
  const requant = inQ.map((q) =>
    q.scale === out.scale && q.zeroPoint === out.zeroPoint ? null : { multiplier: quantizeMultiplier(q.scale / out.scale), inputZeroPoint: q.zeroPoint },
  );
  s.steps.push({ op: 'concat', name: node.name, inputs, output: s.markInt8(node.outputs[0]!, out), axis: node.attrs.axis, requant, zeroPoint: out.zeroPoint });
  return true;
}

function clampStep(s: QuantizerState, node: NodeWith<'int8', 'clamp'>): boolean {
  const x = node.inputs[0]!;
  if (!s.isInt8(x)) return false;
  const bound = (i: number, fallback: number): number | undefined => {
    const name = node.inputs[i];
    if (!name) return fallback;
    const t = s.constant(name);
    return t && t.data.length === 1 ? t.data[0] : undefined;
  };
  const min = node.op === 'Relu' ? 0 : bound(1, -Infinity);
  const max = node.op === 'Relu' ? Infinity : bound(2, Infinity);
  if (min === undefined || max === undefined) return false;
  const qp = s.int8Info(x);
  const [lo, hi] = clampBounds({ min, max }, qp);
  const last = s.steps[s.steps.length - 1];
  if ((last?.op === 'add' || last?.op === 'mul') && last.output === `${x}:q` && s.onlyReader(x, node)) {
    // An Add's (a Mul's) own output clamp takes the activation: one dispatch fewer, the same bytes.
    last.lo = Math.max(last.lo, lo);
    last.hi = Math.min(last.hi, hi);
    s.forgetInt8(x);
    last.output = s.markInt8(node.outputs[0]!, qp);
    return true;
  }
  s.steps.push({ op: 'clamp', name: node.name, input: `${x}:q`, output: s.markInt8(node.outputs[0]!, qp), lo, hi });
  return true;
}

function layoutStep(s: QuantizerState, node: NodeWith<'int8', 'layout'>): boolean {
  const x = node.inputs[0]!;
  const rest = node.inputs.slice(1).filter((i) => i !== '');
  // A layout op on a graph input (e.g. the NCHW → NHWC transpose) moves int8 data: quantizing
  // first moves 4× fewer bytes, and the program is int8 from its first step.
  const onGraphInput = s.graph.inputs.some((i) => i.name === x);
  if (!(s.isInt8(x) || onGraphInput) || !rest.every(s.isConstant)) return false;
  if (node.op === 'Pad' && node.attrs.mode !== 'constant') return false;
  if (node.op === 'Resize' && !resizeMovesRows(s, node)) return false;
  s.asInt8(x);
  const inputs = [`${x}:q`, ...node.inputs.slice(1)];
  if (node.op === 'Pad') inputs[2] = padFill(s, node, s.int8Info(x));
  for (const c of inputs.slice(1)) if (c !== '' && !s.constants.has(c)) s.constants.set(c, s.constant(c)!);
  const output = s.markInt8(node.outputs[0]!, s.int8Info(x));
  s.steps.push({ op: 'layout', name: node.name, node: { ...node, inputs, outputs: [output] } as Node });
  return true;
}

/**
 * (Q18) A Resize that only moves values, and whole packed rows of them: nearest, no extrapolated
 * region (tf_crop_and_resize), and the last (packed) axis left as it is.
 */
function resizeMovesRows(s: QuantizerState, node: NodeOf<'Resize'>): boolean {
  const inLast = s.shapes.get(node.inputs[0]!)?.at(-1);
  const outLast = s.shapes.get(node.outputs[0]!)?.at(-1);
  return node.attrs.mode === 'nearest' && node.attrs.coordinates !== 'tf_crop_and_resize' && typeof inLast === 'number' && inLast === outLast;
}

/** (Q18) A constant Pad on int8 data pads with its value quantized: the zero point for a zero pad. */
function padFill(s: QuantizerState, node: NodeOf<'Pad'>, qp: QParams): string {
  const value = node.inputs[2] ? (s.constant(node.inputs[2])?.data[0] ?? 0) : 0;
  const name = `${node.name}/fill:q`;
  s.constants.set(name, tensor('int8', [], [quantizeValue(value, qp)]));
  return name;
}

function floatStep(s: QuantizerState, node: Node): void {
  const inputs = node.inputs.map((i) => {
    if (i === '') return i;
    if (s.isConstant(i)) {
      s.constants.set(i, s.constant(i)!);
      return i;
    }
    return s.asFloat(i);
  });
  for (const o of node.outputs) if (o !== '') s.markFloat(o);
  s.steps.push({ op: 'float', name: node.name, node: { ...node, inputs } as Node });
}
