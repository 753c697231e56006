// The two result cards (int8 and fp32: top-5 bars, face boxes or a text map, latency) and the
// comparison tiles under them (agreement, speed, GPU memory, live frame rate).

import { detectFaces, iou, type CatalogModel, type Face } from '../src/index.ts';
import { TEXT_THRESHOLD, textMapIoU } from '../src/models/text-map.ts';
import { rank, topKBars, type Ranked } from './charts.ts';
import { byId, bytes, clear, h, median, ms, pct } from './dom.ts';
import type { InputImage } from './inputs.ts';
import { state, type Active, type Side } from './state.ts';
import { drawTextMap, textPixels } from './text-view.ts';

/** Fits an image into a canvas at most `max` px wide (device pixels), keeping the aspect ratio. */
export function fitCanvas(canvas: HTMLCanvasElement, input: InputImage, max = 640): CanvasRenderingContext2D {
  const scale = Math.min(1, max / input.width, max / input.height);
  const small = input.width < 96;
  const w = small ? 224 : Math.round(input.width * scale);
  const hgt = small ? Math.round((224 * input.height) / input.width) : Math.round(input.height * scale);
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingEnabled = !small;
  ctx.drawImage(input.source, 0, 0, w, hgt);
  return ctx;
}

export type Outcome =
  | { kind: 'classifier'; ranked: Ranked[] }
  | { kind: 'face-detector'; faces: Face[] }
  /** The text-probability map, and how many of its pixels are above DB's threshold. */
  | { kind: 'text-detector'; map: ArrayLike<number>; pixels: number };

export function outcomeOf(active: Active, side: Side, outputName: string): Outcome {
  const def = active.def;
  if (def.kind === 'face-detector') return { kind: 'face-detector', faces: detectFaces(def.catalog as Extract<CatalogModel, { kind: 'face-detector' }>, side.outputs) };
  const out = side.outputs[outputName];
  if (!out) throw new Error(`no output "${outputName}"`);
  if (def.kind === 'text-detector') return { kind: 'text-detector', map: out.data, pixels: textPixels(out.data) };
  const probabilities = def.catalog?.kind === 'classifier' ? def.catalog.softmax : false;
  return { kind: 'classifier', ranked: rank(out.data, active.labels, probabilities) };
}

const lastOutcomes = new Map<'int8' | 'fp32', Outcome>();

export function renderRun(active: Active, input: InputImage, r8: Side | undefined, r32: Side | undefined): void {
  lastOutcomes.clear();
  for (const [kind, side, outputName] of [
    ['int8', r8, active.int8?.model.outputs[0]?.name],
    ['fp32', r32, active.graph?.outputs[0]?.name],
  ] as const) {
    const card = byId(`${kind}-result`);
    if (!side || !outputName) continue;
    const outcome = outcomeOf(active, side, outputName);
    lastOutcomes.set(kind, outcome);
    const body = card.querySelector('.result-body')!;
    if (outcome.kind === 'classifier') {
      clear(body, topKBars(outcome.ranked, kind));
    } else if (outcome.kind === 'text-detector') {
      const canvas = h('canvas', { class: 'textmap', 'aria-label': `${kind} text map`, 'data-pixels': outcome.pixels });
      drawTextMap(canvas, input.tensor(active.def).tensor, outcome.map, kind === 'int8' ? [79, 70, 229] : [15, 118, 110]);
      const share = outcome.pixels / outcome.map.length;
      clear(body, canvas, h('p', { class: 'small textmap-note', 'data-pixels': outcome.pixels }, `${outcome.pixels} px of text (${pct(share)} of the input) above ${TEXT_THRESHOLD}`));
    } else {
      const canvas = h('canvas', { class: 'boxes', 'aria-label': `${kind} face boxes` });
      drawFaces(canvas, input, outcome.faces, kind);
      clear(
        body,
        canvas,
        h(
          'ol',
          { class: 'faces', 'data-count': outcome.faces.length },
          ...outcome.faces.map((f, i) =>
            h(
              'li',
              { 'data-box': f.box.join(','), 'data-score': f.score },
              h('span', { class: 'face-id' }, `${i + 1}`),
              ` ${pct(f.score)} · box ${f.box.map((v) => v.toFixed(3)).join(' ')}`,
            ),
          ),
          outcome.faces.length === 0 ? h('li', { class: 'muted' }, 'no face above 75% confidence') : null,
        ),
      );
    }
    card.dataset.input = input.id;
    card.dataset.state = 'done';
    card.dataset.runs = String(Number(card.dataset.runs ?? 0) + 1);
    card.classList.remove('busy');
  }
  renderLatency(active);
}

export function drawFaces(canvas: HTMLCanvasElement, input: InputImage, faces: readonly Face[], kind: 'int8' | 'fp32'): void {
  const ctx = fitCanvas(canvas, input);
  const { width: w, height: hh } = canvas;
  const color = kind === 'int8' ? '#4f46e5' : '#0f766e';
  const line = Math.max(2, Math.round(Math.min(w, hh) / 120));
  ctx.lineWidth = line;
  ctx.font = `600 ${Math.max(12, Math.round(w / 24))}px system-ui, sans-serif`;
  faces.forEach((f, i) => {
    const [x0, y0, x1, y1] = f.box;
    ctx.strokeStyle = color;
    ctx.strokeRect(x0 * w, y0 * hh, (x1 - x0) * w, (y1 - y0) * hh);
    const label = `${i + 1} · ${(100 * f.score).toFixed(0)}%`;
    const tw = ctx.measureText(label).width + 8;
    const th = parseInt(ctx.font.split(' ')[1]!, 10) + 6;
    const ly = y0 * hh - th >= 0 ? y0 * hh - th : y0 * hh;
    ctx.fillStyle = color;
    ctx.fillRect(x0 * w - line / 2, ly, tw, th);
    ctx.fillStyle = '#fff';
    ctx.fillText(label, x0 * w + 4 - line / 2, ly + th - 6);
    ctx.fillStyle = '#facc15';
    for (const [kx, ky] of f.keypoints) {
      ctx.beginPath();
      ctx.arc(kx * w, ky * hh, line * 1.2, 0, 2 * Math.PI);
      ctx.fill();
    }
  });
}

export function renderLatency(active: Active): void {
  for (const kind of ['int8', 'fp32'] as const) {
    const t = active.times[kind];
    const p = byId(`${kind}-result`).querySelector('.latency')!;
    if (t.length === 0) {
      p.textContent = '';
      continue;
    }
    clear(
      p,
      h('strong', {}, ms(median(t))),
      t.length > 1 ? ` median of the last ${t.length} runs · last ${ms(t[t.length - 1]!)}` : ' one run',
      h('span', { class: 'muted' }, ' (input upload, dispatches, readback)'),
    );
  }
}

export interface Comparison {
  agree: boolean;
  text: string;
  detail: string;
  /** The text detector's IoU of the two thresholded maps (data-iou, for tests). */
  iou?: number;
}

/** The IoU of the text maps at which int8 and fp32 agree: the bound test/model/onnx-real-int8.test.ts holds int8 to. */
const TEXT_IOU_AGREE = 0.85;

export function compareOutputs(active: Active, input: InputImage): Comparison | undefined {
  const a = lastOutcomes.get('int8');
  const b = lastOutcomes.get('fp32');
  if (!a || !b) return undefined;
  let c: Comparison;
  if (a.kind === 'classifier' && b.kind === 'classifier') {
    const agree = a.ranked[0]!.index === b.ranked[0]!.index;
    const pb = new Map(b.ranked.map((r) => [r.index, r.p]));
    const delta = Math.max(...a.ranked.map((r) => Math.abs(r.p - (pb.get(r.index) ?? 0))));
    c = {
      agree,
      text: agree ? `Same top-1: ${a.ranked[0]!.label}` : `Top-1 differs: int8 ${a.ranked[0]!.label}, fp32 ${b.ranked[0]!.label}`,
      detail: `largest probability gap in the top 5: ${(100 * delta).toFixed(2)} points`,
    };
  } else if (a.kind === 'face-detector' && b.kind === 'face-detector') {
    const used = new Set<number>();
    const ious: number[] = [];
    for (const f of a.faces) {
      let best = -1;
      let bestIou = 0.5;
      b.faces.forEach((g, j) => {
        const v = iou(f.box, g.box);
        if (!used.has(j) && v >= bestIou) [best, bestIou] = [j, v];
      });
      if (best >= 0) {
        used.add(best);
        ious.push(bestIou);
      }
    }
    const agree = ious.length === a.faces.length && ious.length === b.faces.length;
    const n = Math.max(a.faces.length, b.faces.length);
    c = {
      agree,
      text: n === 0 ? 'Both see no face' : `${ious.length} of ${n} face${n === 1 ? '' : 's'} match`,
      detail: ious.length ? `mean box IoU ${(ious.reduce((x, y) => x + y, 0) / ious.length).toFixed(3)} (IoU ≥ 0.5 counts as a match)` : 'boxes match when their IoU is ≥ 0.5',
    };
  } else if (a.kind === 'text-detector' && b.kind === 'text-detector') {
    const { iou: v, pixels } = textMapIoU(a.map, b.map);
    c = {
      agree: v >= TEXT_IOU_AGREE,
      text: `Text-map IoU ${v.toFixed(4)}`,
      detail: `int8 marks ${a.pixels} px, fp32 ${b.pixels} px above ${TEXT_THRESHOLD} (${pixels} either) · they agree at IoU ≥ ${TEXT_IOU_AGREE}`,
      iou: v,
    };
  } else return undefined;
  active.agree.set(input.id, c.agree);
  return c;
}

let lastComparison: Comparison | undefined;

export function renderCompare(c?: Comparison): void {
  const active = state.active;
  const el = byId('compare');
  if (c) lastComparison = c;
  if (!active) return clear(el);
  const tiles: HTMLElement[] = [];
  const comp = lastComparison;
  if (comp && active.int8?.session) {
    const total = active.agree.size;
    const agreed = [...active.agree.values()].filter(Boolean).length;
    tiles.push(
      h(
        'div',
        { class: `tile ${comp.agree ? 'ok' : 'differs'}`, id: 'agreement', 'data-agree': String(comp.agree), 'data-iou': comp.iou },
        h('span', { class: 'tile-title' }, 'Agreement'),
        h('strong', {}, comp.text),
        h('span', { class: 'small muted' }, comp.detail),
        h('span', { class: 'small' }, `agreed on ${agreed} of ${total} input${total === 1 ? '' : 's'} so far`),
      ),
    );
  }
  const t8 = median(active.times.int8);
  const t32 = median(active.times.fp32);
  if (Number.isFinite(t8) && Number.isFinite(t32)) {
    const ratio = t32 / t8;
    tiles.push(
      h(
        'div',
        { class: 'tile' },
        h('span', { class: 'tile-title' }, 'Speed'),
        h('strong', {}, ratio >= 1 ? `int8 is ${ratio.toFixed(2)}× as fast as fp32` : `int8 takes ${(1 / ratio).toFixed(2)}× the time of fp32`),
        h(
          'span',
          { class: 'small muted' },
          `medians: int8 ${ms(t8)}, fp32 ${ms(t32)}` +
            (state.gpu?.adapterInfo.isFallbackAdapter && ratio < 1 ? ' · a software adapter: its f32 math outruns its int8 dot products, unlike GPUs with dp4a' : ''),
        ),
      ),
    );
  }
  const i8 = active.int8?.session?.info;
  const f32 = active.float?.info;
  if (i8 && f32) {
    tiles.push(
      h(
        'div',
        { class: 'tile' },
        h('span', { class: 'tile-title' }, 'GPU memory'),
        h('strong', {}, `weights ${bytes(i8.constantBytes)} vs ${bytes(f32.constantBytes)}`),
        h('span', { class: 'small muted' }, `activations ${bytes(i8.arenaBytes)} vs ${bytes(f32.arenaBytes)} · ${i8.dispatches} vs ${f32.dispatches} dispatches`),
      ),
    );
  }
  if (state.webcam?.fps) {
    tiles.push(h('div', { class: 'tile live' }, h('span', { class: 'tile-title' }, 'Live'), h('strong', {}, `${state.webcam.fps.toFixed(1)} frames/s`), h('span', { class: 'small muted' }, 'int8 + fp32 per frame')));
  }
  clear(el, ...tiles);
}

export function resetResults(): void {
  lastComparison = undefined;
  lastOutcomes.clear();
  for (const kind of ['int8', 'fp32'] as const) {
    const card = byId(`${kind}-result`);
    delete card.dataset.input;
    delete card.dataset.runs;
    card.dataset.state = 'idle';
    clear(card.querySelector('.result-body')!);
    card.querySelector('.latency')!.textContent = '';
  }
  byId('int8-path').textContent = '';
  clear(byId('compare'));
  clear(byId('kernel-chart'));
}

export function setBusy(kind: 'int8' | 'fp32', message: string, keep = false): void {
  const card = byId(`${kind}-result`);
  card.classList.toggle('busy', message !== 'Ready.');
  if (keep && card.dataset.state === 'done') return;
  card.dataset.state = message === 'Ready.' ? 'ready' : 'busy';
  const body = card.querySelector('.result-body')!;
  clear(body, h('p', { class: 'placeholder' }, message === 'Ready.' ? 'Pick an image.' : message));
}

export function showSideError(kind: 'int8' | 'fp32', message: string): void {
  const card = byId(`${kind}-result`);
  card.classList.remove('busy');
  card.dataset.state = 'error';
  clear(card.querySelector('.result-body')!, h('p', { class: 'error-text' }, message));
}
