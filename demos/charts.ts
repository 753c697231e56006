// Charts in plain DOM and SVG: top-5 bars, the per-layer SQNR chart, the per-layer sensitivity
// chart of a target search, per-kernel GPU timings.

import type { LayerError, TargetReport } from '../src/index.ts';
import { h, ms, pct, s } from './dom.ts';

export interface Ranked {
  index: number;
  label: string;
  p: number;
}

/** Probabilities (or logits, softmaxed here) → the top k, best first. */
export function rank(values: ArrayLike<number>, labels: readonly string[] | undefined, probabilities: boolean, k = 5): Ranked[] {
  const v = Array.from(values);
  let p = v;
  if (!probabilities) {
    const max = Math.max(...v);
    const e = v.map((x) => Math.exp(x - max));
    const sum = e.reduce((a, b) => a + b, 0);
    p = e.map((x) => x / sum);
  }
  return p
    .map((pi, index) => ({ index, label: labels?.[index] ?? `class ${index}`, p: pi, v: v[index]! }))
    .sort((a, b) => b.v - a.v || a.index - b.index)
    .slice(0, k)
    .map(({ index, label, p: prob }) => ({ index, label, p: prob }));
}

export function topKBars(ranked: readonly Ranked[], kind: 'int8' | 'fp32'): HTMLElement {
  return h(
    'ol',
    { class: `topk ${kind}` },
    ...ranked.map((r, i) =>
      h(
        'li',
        { class: i === 0 ? 'top1' : '', 'data-class': r.index, ...(i === 0 ? { 'data-top1': r.label } : {}) },
        h('span', { class: 'label', title: r.label }, r.label),
        h('span', { class: 'bar' }, h('span', { class: 'fill', style: `width:${Math.max(0.5, 100 * r.p).toFixed(2)}%` })),
        h('span', { class: 'value' }, pct(r.p)),
      ),
    ),
  );
}

/** Layer names without the prefix they all share ("StatefulPartitionedCall/…/MobilenetV2/"). */
export function shortNames(names: readonly string[]): string[] {
  const parts = names.map((n) => n.split('/'));
  let common = 0;
  if (parts.length > 1) {
    const first = parts[0]!;
    while (common < first.length - 1 && parts.every((p) => p.length - 1 > common && p[common] === first[common])) common++;
  }
  return parts.map((p) => {
    const rest = p.slice(common);
    return (rest.length > 3 ? rest.slice(-3) : rest).join('/');
  });
}

const CAP_DB = 60;

const sqnrClass = (db: number) => (db < 20 ? 'bad' : db < 30 ? 'fair' : 'good');

/**
 * One column per quantized tensor, in program order: SQNR of the dequantized int8 values against
 * the float ones (higher is better; 6 dB ≈ one bit). Columns under 20 dB are red, under 30 amber.
 */
export function layerChart(layers: readonly LayerError[], width: number, onPick: (i: number) => void): SVGSVGElement {
  const height = 200;
  const m = { left: 34, right: 8, top: 18, bottom: 22 };
  const w = Math.max(200, width) - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const n = Math.max(1, layers.length);
  const step = w / n;
  const barW = Math.max(1, step * 0.78);
  const y = (db: number) => m.top + ih - (Math.min(Math.max(db, 0), CAP_DB) / CAP_DB) * ih;
  const names = shortNames(layers.map((l) => l.name));
  const svg = s('svg', { width: Math.max(200, width), height, role: 'img', 'aria-label': 'per-layer SQNR, int8 vs fp32', class: 'layer-chart' });
  for (let db = 0; db <= CAP_DB; db += 10) {
    svg.append(
      s('line', { x1: m.left, x2: m.left + w, y1: y(db), y2: y(db), class: db === 0 ? 'axis' : 'grid' }),
      s('text', { x: m.left - 6, y: y(db) + 4, class: 'tick', 'text-anchor': 'end' }, `${db}`),
    );
  }
  svg.append(s('text', { x: m.left - 6, y: 10, class: 'tick unit', 'text-anchor': 'end' }, 'dB'));
  layers.forEach((l, i) => {
    const db = Number.isFinite(l.sqnr_db) ? l.sqnr_db : CAP_DB;
    const x = m.left + i * step + (step - barW) / 2;
    const bar = s(
      'rect',
      { x, y: y(db), width: barW, height: m.top + ih - y(db), class: `bar ${sqnrClass(db)}`, 'data-layer': i },
      s('title', {}, `${i + 1}. ${names[i]}: ${Number.isFinite(l.sqnr_db) ? `${l.sqnr_db.toFixed(1)} dB` : 'exact'} (cosine ${l.cosine.toFixed(5)})`),
    );
    bar.addEventListener('click', () => onPick(i));
    svg.append(bar);
    if (!(l.sqnr_db <= CAP_DB)) {
      // Off the scale (the quantized input of 0..255 pixels is nearly exact): say how far.
      const label = Number.isFinite(l.sqnr_db) ? l.sqnr_db.toFixed(0) : '∞';
      if (step >= 14) svg.append(s('text', { x: x + barW / 2, y: y(CAP_DB) + 11, class: 'tick capped', 'text-anchor': 'middle' }, label));
    }
  });
  const every = n > 40 ? 10 : n > 16 ? 5 : 1;
  for (let i = 0; i < n; i += every) {
    svg.append(s('text', { x: m.left + i * step + step / 2, y: height - 6, class: 'tick', 'text-anchor': 'middle' }, `${i + 1}`));
  }
  return svg;
}

export function describeLayer(layers: readonly LayerError[], i: number): string {
  const l = layers[i]!;
  const name = shortNames(layers.map((x) => x.name))[i]!;
  return `Layer ${i + 1}: ${name} — ${Number.isFinite(l.sqnr_db) ? `${l.sqnr_db.toFixed(1)} dB SQNR` : 'exact (no error)'}, cosine ${l.cosine.toFixed(5)}`;
}

/**
 * A cosine's distance from 1, for a log scale: 1 − cos, 0 when exact (under 1e-9: float
 * rounding, e.g. a layout step alone, or rounding above 1).
 */
const lossOf = (cosine: number) => (1 - cosine < 1e-9 ? 0 : 1 - cosine);

const fmtLoss = (loss: number) => (loss === 0 ? '0' : loss.toExponential(1));

/**
 * A target search's per-layer sensitivity, one column per layer in program order: two dots, the
 * output's 1 − cosine (lowest over the held-aside images; log scale, lower is better) with only
 * this layer in int8 (what it costs alone) and with every layer but it in int8 (what keeping it
 * in float would leave); the layers the search kept in float shaded; the target and the all-int8
 * program as lines. Each column is a `g.layer` with data-node and data-kept.
 */
export function sensitivityChart(target: TargetReport, width: number, onPick: (i: number) => void): SVGSVGElement {
  const layers = target.sensitivity;
  const height = 200;
  const m = { left: 44, right: 58, top: 20, bottom: 22 };
  const total = Math.max(200, width);
  const w = total - m.left - m.right;
  const ih = height - m.top - m.bottom;
  const n = Math.max(1, layers.length);
  const step = w / n;
  const losses = [...layers.flatMap((l) => [lossOf(l.onlyInt8), lossOf(l.allButIt)]), lossOf(target.target), lossOf(target.before.min), lossOf(target.after.min)];
  const positive = losses.filter((v) => v > 0);
  const lo = Math.max(-9, Math.floor(Math.log10(positive.length ? Math.min(...positive) : 1e-6)));
  const top = Math.ceil(Math.log10(positive.length ? Math.max(...positive) : 1e-5));
  // Five decades at most: what lies lower sits on the bottom line with the exact ones.
  const hi = Math.max(lo + 1, top);
  const floor = Math.max(lo, hi - 5);
  // Exact (loss 0, e.g. a layout step alone) sits on the bottom line.
  const y = (loss: number) => {
    const e = loss > 0 ? Math.min(hi, Math.max(floor, Math.log10(loss))) : floor;
    return m.top + ih - ((e - floor) / (hi - floor)) * ih;
  };
  const kept = new Set(target.kept);
  const names = shortNames(layers.map((l) => l.node));
  const svg = s('svg', { width: total, height, role: 'img', 'aria-label': 'per-layer sensitivity: output cosine loss with only this layer in int8 and with all but it', class: 'layer-chart sensitivity-chart' });
  for (let e = floor; e <= hi; e++) {
    svg.append(
      s('line', { x1: m.left, x2: m.left + w, y1: y(10 ** e), y2: y(10 ** e), class: e === floor ? 'axis' : 'grid' }),
      s('text', { x: m.left - 6, y: y(10 ** e) + 4, class: 'tick', 'text-anchor': 'end' }, `1e${e}`),
    );
  }
  svg.append(s('text', { x: m.left - 6, y: 9, class: 'tick unit', 'text-anchor': 'end' }, '1−cos'));
  layers.forEach((l, i) => {
    const x = m.left + i * step;
    const cx = x + step / 2;
    const isKept = kept.has(l.node);
    const r = Math.max(2, Math.min(4.5, step / 4));
    const col = s(
      'g',
      { class: `layer${isKept ? ' kept' : ''}`, 'data-layer': i, 'data-node': l.node, 'data-kept': String(isKept) },
      s('title', {}, `${i + 1}. ${names[i]} (${l.op})${isKept ? ', kept in float' : ''}: only it int8 ${fmtLoss(lossOf(l.onlyInt8))}, all but it ${fmtLoss(lossOf(l.allButIt))}`),
      s('rect', { x, y: m.top, width: step, height: ih, class: 'col' }),
      s('line', { x1: cx, x2: cx, y1: y(lossOf(l.onlyInt8)), y2: y(lossOf(l.allButIt)), class: 'stem' }),
      s('circle', { cx, cy: y(lossOf(l.allButIt)), r, class: 'allbut' }),
      s('circle', { cx, cy: y(lossOf(l.onlyInt8)), r, class: 'only' }),
    );
    col.addEventListener('click', () => onPick(i));
    col.addEventListener('mouseenter', () => onPick(i));
    svg.append(col);
  });
  const rule = (loss: number, cls: string, label: string, shift: number) =>
    svg.append(
      s('line', { x1: m.left, x2: m.left + w, y1: y(loss), y2: y(loss), class: `rule ${cls}` }),
      s('text', { x: m.left + w + 4, y: y(loss) + 4 + shift, class: `tick rule-label ${cls}` }, label),
    );
  // The two labels apart when their lines are close.
  const yb = y(lossOf(target.before.min));
  const yt = y(lossOf(target.target));
  const apart = Math.max(0, 11 - Math.abs(yb - yt)) / 2;
  rule(lossOf(target.before.min), 'before', 'all int8', yb <= yt ? -apart : apart);
  rule(lossOf(target.target), 'target', 'target', yb <= yt ? apart : -apart);
  const every = n > 40 ? 10 : n > 16 ? 5 : 1;
  for (let i = 0; i < n; i += every) {
    svg.append(s('text', { x: m.left + i * step + step / 2, y: height - 6, class: 'tick', 'text-anchor': 'middle' }, `${i + 1}`));
  }
  return svg;
}

export function describeSensitivity(target: TargetReport, i: number): string {
  const l = target.sensitivity[i]!;
  const name = shortNames(target.sensitivity.map((x) => x.node))[i]!;
  const kept = target.kept.includes(l.node);
  return (
    `Layer ${i + 1}: ${name} (${l.op}) — only it in int8: cosine ${l.onlyInt8.toFixed(6)}; every layer but it in int8: ${l.allButIt.toFixed(6)} ` +
    `(all int8: ${target.before.min.toFixed(6)}) · ${kept ? 'kept in float' : 'int8'}`
  );
}

export interface KernelTime {
  label: string;
  shader: string;
  ms: number;
}

/** conv2d_int8 / conv2d_f32 → conv2d: the same family in both programs. */
const family = (shader: string) => shader.replace(/_(int8|f32|i8)$/, '').replace(/_/g, ' ');

/**
 * GPU time per kernel family (summed over its dispatches), int8 and fp32 side by side, from one
 * profiled run each (timestamp queries around every dispatch).
 */
export function kernelChart(int8: readonly KernelTime[] | undefined, fp32: readonly KernelTime[] | undefined): HTMLElement {
  const families = new Map<string, { int8: number; fp32: number; n8: number; n32: number }>();
  const add = (list: readonly KernelTime[] | undefined, key: 'int8' | 'fp32') => {
    for (const k of list ?? []) {
      const f = family(k.shader);
      let e = families.get(f);
      if (!e) families.set(f, (e = { int8: 0, fp32: 0, n8: 0, n32: 0 }));
      e[key] += k.ms;
      if (key === 'int8') e.n8++;
      else e.n32++;
    }
  };
  add(int8, 'int8');
  add(fp32, 'fp32');
  const rows = [...families].sort((a, b) => Math.max(b[1].int8, b[1].fp32) - Math.max(a[1].int8, a[1].fp32));
  const max = Math.max(1e-9, ...rows.map(([, e]) => Math.max(e.int8, e.fp32)));
  const total = (list: readonly KernelTime[] | undefined) => (list ? list.reduce((a, k) => a + k.ms, 0) : undefined);
  const t8 = total(int8);
  const t32 = total(fp32);
  const bar = (v: number, n: number, kind: string, present: boolean) =>
    present
      ? h('div', { class: `kbar ${kind}` }, h('span', { class: 'fill', style: `width:${((78 * v) / max).toFixed(2)}%` }), h('span', { class: 'value' }, n ? `${ms(v)} · ${n}×` : '—'))
      : null;
  return h(
    'div',
    { class: 'kernel-chart' },
    h(
      'p',
      { class: 'legend' },
      int8 ? h('span', { class: 'key int8' }, `int8 ${ms(t8!)} GPU`) : null,
      fp32 ? h('span', { class: 'key fp32' }, `fp32 ${ms(t32!)} GPU`) : null,
      h('span', { class: 'muted' }, 'summed per kernel family · n× = dispatches'),
    ),
    ...rows.map(([name, e]) => h('div', { class: 'krow' }, h('span', { class: 'kname' }, name), h('div', { class: 'kbars' }, bar(e.int8, e.n8, 'int8', !!int8), bar(e.fp32, e.n32, 'fp32', !!fp32)))),
    h(
      'details',
      {},
      h('summary', {}, 'Every dispatch'),
      h(
        'div',
        { class: 'dispatches' },
        ...([['int8', int8], ['fp32', fp32]] as const).map(([kind, list]) =>
          list
            ? h(
                'table',
                {},
                h('caption', {}, `${kind}: ${list.length} dispatches`),
                ...list.map((k, i) => h('tr', {}, h('td', { class: 'num' }, `${i + 1}`), h('td', { class: 'klabel', title: k.label }, k.label), h('td', { class: 'num' }, ms(k.ms)))),
              )
            : null,
        ),
      ),
    ),
  );
}
