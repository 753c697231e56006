// The "Calibrate and quantize" card: its settings (method, image count, the accuracy tools:
// equalization, bias correction, a target cosine), the calibration worker's progress, the report
// of a program (status line, per-layer SQNR chart, per-layer sensitivity chart), and .q8 files in
// and out.
//
// Where later options go: a setting is a field of CalibrationSettings (protocol.ts), read from its
// control in readSettings() and shown in showSettings(); a view of the worker's report is one more
// entry of REPORT_VIEWS.

import { InputError, DeviceLostError, loadQ8, type LayerError, type QuantizedModel, type TargetReport, type ToolReport } from '../src/index.ts';
import { explain } from './alerts.ts';
import { CalibrationWorker, CancelledError } from './calibrator.ts';
import { describeLayer, describeSensitivity, layerChart, sensitivityChart, shortNames } from './charts.ts';
import { byId, bytes, clear, h, ms, pct } from './dom.ts';
import { reportError } from './gpu-lifecycle.ts';
import { calibrationAvailable, type DemoModel } from './models.ts';
import { NO_TOOLS, type CalibrationSettings, type Phase, type QuantizeResult } from './protocol.ts';
import { setBusy, showSideError } from './results.ts';
import { installInt8 } from './sessions.ts';
import { state, type Active } from './state.ts';

const calibrator = new CalibrationWorker();

/** What the panel does once a program is installed (the run loop's requestRun). */
let onProgram: () => void = () => undefined;

const PHASES: Record<Phase, { label: string; from: number; to: number }> = {
  loading: { label: 'Loading the model', from: 0, to: 0.03 },
  preparing: { label: 'Decoding calibration images', from: 0.03, to: 0.1 },
  calibrating: { label: 'Calibrating: float run per image', from: 0.1, to: 0.7 },
  quantizing: { label: 'Quantizing weights and requantization', from: 0.7, to: 0.75 },
  evaluating: { label: 'Measuring per-layer SQNR', from: 0.75, to: 1 },
};

// ---------------------------------------------------------------------------------------------
// Settings: the controls ↔ CalibrationSettings

/** The controls as set for a model (its defaults, no tool on, or what the URL asked for). */
function showSettings(def: DemoModel, initial: Partial<CalibrationSettings>): void {
  byId<HTMLSelectElement>('calib-method').value = initial.method ?? def.defaultMethod;
  byId<HTMLInputElement>('calib-equalize').checked = initial.equalize ?? NO_TOOLS.equalize;
  byId<HTMLInputElement>('calib-bias').checked = initial.biasCorrection ?? NO_TOOLS.biasCorrection;
  const target = initial.targetCosine ?? NO_TOOLS.targetCosine;
  byId<HTMLInputElement>('calib-target').value = target === null ? '' : String(target);
  const input = byId<HTMLInputElement>('calib-count');
  input.value = String(initial.count ?? def.defaultCalibration);
  input.removeAttribute('max');
  void calibrationAvailable(def)
    .then((n) => {
      if (state.active?.def !== def) return;
      input.max = String(Math.max(1, n));
      byId('calib-count').title = `${n} calibration images available`;
    })
    .catch(() => undefined);
}

/** A target cosine as typed: empty is none; otherwise a number in (0, 1]. */
export function parseTarget(text: string): number | null {
  const v = text.trim();
  if (v === '') return null;
  const n = Number(v);
  if (!(n > 0 && n <= 1)) throw new InputError(`A target cosine is a number in (0, 1], e.g. 0.999 (or empty for none), not “${v}”.`);
  return n;
}

/** The settings the controls hold (the count clamped to what is available, and shown so). */
function readSettings(def: DemoModel): CalibrationSettings {
  const method = byId<HTMLSelectElement>('calib-method').value as CalibrationSettings['method'];
  const countInput = byId<HTMLInputElement>('calib-count');
  const max = Number(countInput.max) || Infinity;
  const count = Math.max(1, Math.min(max, Math.floor(Number(countInput.value)) || def.defaultCalibration));
  countInput.value = String(count);
  return {
    method,
    count,
    equalize: byId<HTMLInputElement>('calib-equalize').checked,
    biasCorrection: byId<HTMLInputElement>('calib-bias').checked,
    targetCosine: parseTarget(byId<HTMLInputElement>('calib-target').value),
  };
}

/** Settings quantize() would refuse, refused here in words before the worker starts. */
function checkSettings(s: CalibrationSettings): void {
  if (s.targetCosine !== null && s.count < 4) {
    throw new InputError(`A target cosine holds every 4th calibration image aside to measure it: it needs at least 4 images, not ${s.count}.`);
  }
}

/** The 'quantizing' phase's label: what it does besides quantizing with these settings. */
function quantizingLabel(s: CalibrationSettings): string {
  const also = [s.biasCorrection ? 'bias correction' : '', s.targetCosine !== null ? 'per-layer sensitivity and the target search' : ''].filter(Boolean);
  return also.length ? `Quantizing, then ${also.join(', then ')}` : PHASES.quantizing.label;
}

/** The tools a settings asks for, in words ("equalization, bias correction, target cosine 0.999"). */
function toolWords(s: CalibrationSettings): string[] {
  return [s.equalize ? 'cross-layer equalization' : '', s.biasCorrection ? 'bias correction' : '', s.targetCosine !== null ? `target cosine ${s.targetCosine}` : ''].filter(Boolean);
}

/** The .q8 file name's part for the tools: `-eq-bc-t0.999` (each only when on). */
export function toolSuffix(s: Pick<CalibrationSettings, 'equalize' | 'biasCorrection' | 'targetCosine'>): string {
  return `${s.equalize ? '-eq' : ''}${s.biasCorrection ? '-bc' : ''}${s.targetCosine !== null ? `-t${s.targetCosine}` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Calibrating

/** A new model: its settings (the model's defaults, or `initial`'s), and nothing of the previous model's report. */
export function resetCalibration(def: DemoModel, initial: Partial<CalibrationSettings> = {}): void {
  showSettings(def, initial);
  for (const view of REPORT_VIEWS) view.reset();
  const status = byId('calib-status');
  status.textContent = '';
  status.dataset.state = 'idle';
  byId<HTMLButtonElement>('q8-download').disabled = true;
  byId('calib-progress').hidden = true;
}

export function cancelCalibration(): void {
  calibrator.cancel();
}

export async function startCalibration(): Promise<void> {
  const active = state.active;
  if (!active?.graph) return;
  const status = byId('calib-status');
  let settings: CalibrationSettings;
  try {
    settings = readSettings(active.def);
    checkSettings(settings);
  } catch (e) {
    status.dataset.state = 'error';
    status.textContent = explain(e, 'calibrating');
    return;
  }
  const { method, count } = settings;
  const tools = toolWords(settings);
  const bar = byId<HTMLProgressElement>('calib-bar');
  const phase = byId('calib-phase');
  byId('calib-progress').hidden = false;
  byId('calib-run').setAttribute('disabled', '');
  byId('calib-cancel').hidden = false;
  status.dataset.state = 'running';
  status.textContent = `${method} calibration on ${count} image${count === 1 ? '' : 's'}${tools.length ? `, with ${tools.join(', ')}` : ''}; the page stays usable meanwhile.`;
  bar.value = 0;
  if (!active.int8) setBusy('int8', 'Waiting for quantization…');
  const started = performance.now();
  try {
    const result = await calibrator.run({ model: active.def.id, ...settings }, (p, done, total) => {
      const { from, to } = PHASES[p];
      const label = p === 'quantizing' ? quantizingLabel(settings) : PHASES[p].label;
      bar.value = from + (to - from) * (total ? done / total : 0);
      phase.textContent = total > 1 || p === 'calibrating' ? `${label} — ${done} of ${total}` : label;
      if (!active.int8?.session) setBusy('int8', `${label}… ${Math.round(100 * bar.value)}%`);
    });
    if (state.active !== active) return;
    bar.value = 1;
    const q8 = new Uint8Array(result.q8);
    const model = loadQ8(q8);
    await installInt8(active, { model, q8, result });
    renderCalibration(active, performance.now() - started);
    onProgram();
  } catch (e) {
    if (state.active !== active) return;
    if (e instanceof CancelledError) {
      status.textContent = 'Cancelled.';
      status.dataset.state = 'cancelled';
    } else {
      status.dataset.state = 'error';
      status.textContent = explain(e, 'calibrating');
      if (!active.int8?.session) showSideError('int8', `No int8 program: ${explain(e, 'calibrating')}`);
      if (e instanceof DeviceLostError) reportError(e, 'building the int8 program');
    }
  } finally {
    if (state.active === active) {
      byId('calib-run').removeAttribute('disabled');
      byId('calib-cancel').hidden = true;
      byId('calib-progress').hidden = true;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The report of a program

/** A view of the worker's report under the status line; reset() when the model changes. */
interface ReportView {
  render(result: QuantizeResult): void;
  /** A program loaded from a .q8 file: no float model, so no report to show. */
  renderLoaded(): void;
  reset(): void;
  /** The card was resized. */
  resize?(result: QuantizeResult): void;
}

const layerView: ReportView = {
  render: (r) => renderLayerChart(r.perLayer),
  renderLoaded: () => {
    clear(byId('layer-chart'), h('p', { class: 'muted small' }, 'Calibrate here to see the per-layer SQNR of a program (a loaded .q8 carries no float model to compare with).'));
    byId('layer-detail').textContent = '';
  },
  reset: () => {
    clear(byId('layer-chart'));
    byId('layer-detail').textContent = '';
  },
  resize: (r) => renderLayerChart(r.perLayer),
};

/**
 * The per-layer sensitivity a target computes (only this layer int8; every layer but this one):
 * hidden when no target was asked, since there is no sensitivity without one.
 */
const sensitivityView: ReportView = {
  render: (r) => renderSensitivity(r.tools.target),
  renderLoaded: () => renderSensitivity(undefined),
  reset: () => renderSensitivity(undefined),
  resize: (r) => renderSensitivity(r.tools.target),
};

/** The report's views, in page order. */
const REPORT_VIEWS: readonly ReportView[] = [layerView, sensitivityView];

function renderCalibration(active: Active, elapsed?: number): void {
  const int8 = active.int8;
  if (!int8) return;
  const status = byId('calib-status');
  const floatOps = int8.model.steps.filter((s) => s.op === 'float').map((s) => (s.op === 'float' ? s.node.op : ''));
  const integral = floatOps.length === 0 ? 'every op runs in int8' : `${floatOps.length} op${floatOps.length === 1 ? '' : 's'} stay float (${[...new Set(floatOps)].join(', ')})`;
  const r = int8.result;
  if (r) {
    const finite = r.perLayer.filter((l) => Number.isFinite(l.sqnr_db));
    const mean = finite.length ? finite.reduce((a, l) => a + l.sqnr_db, 0) / finite.length : NaN;
    clear(
      status,
      h('strong', {}, `${r.method} on ${r.calibrationSource}`),
      ` · .q8 ${bytes(int8.q8.byteLength)} · ${int8.model.steps.length} steps, ${integral} · ${elapsed !== undefined ? `done in ${ms(elapsed)}` : ''}`,
      h('br', {}),
      `Per-layer SQNR of int8 vs fp32 on ${r.evaluationSource}: mean ${mean.toFixed(1)} dB`,
      r.top1Agreement !== null ? `, top-1 agreement ${pct(r.top1Agreement, 0)}` : '',
      r.logitCosine ? `, output cosine ${r.logitCosine.mean.toFixed(4)}` : '',
      r.textMap ? `, text-map IoU ${r.textMap.iou.toFixed(4)} (int8 vs float reference, on the CPU)` : '',
      '.',
      ...toolLines(r.tools, r.count).flatMap((line) => [h('br', {}), line]),
    );
    for (const view of REPORT_VIEWS) view.render(r);
  } else {
    clear(status, h('strong', {}, `Loaded ${int8.fileName ?? 'a .q8 file'}`), ` · ${int8.model.calibration.method} on ${int8.model.calibration.samples} samples · ${bytes(int8.q8.byteLength)} · ${int8.model.steps.length} steps, ${integral}.`);
    for (const view of REPORT_VIEWS) view.renderLoaded();
  }
  status.dataset.state = 'done';
}

/** What the accuracy tools did, one line each (none when none was asked). */
function toolLines(tools: ToolReport, count: number): (string | HTMLElement)[] {
  const lines: (string | HTMLElement)[] = [];
  const pairs = tools.equalizedPairs;
  if (pairs.length > 0) {
    const bounded = pairs.filter((p) => p.perChannelBound).length;
    lines.push(`Equalized ${pairs.length} conv pair${pairs.length === 1 ? '' : 's'} across layers${bounded ? ` (${bounded} through a ReLU6, its bound made per channel)` : ''}.`);
  }
  const corrected = tools.correctedLayers;
  if (corrected.length > 0) {
    const worst = corrected.reduce((w, l) => (l.maxShift > w.maxShift ? l : w));
    const name = shortNames(corrected.map((l) => l.node))[corrected.indexOf(worst)]!;
    lines.push(`Bias-corrected ${corrected.length} layer${corrected.length === 1 ? '' : 's'} (largest shift ${worst.maxShift.toPrecision(3)}, at ${name}).`);
  }
  const t = tools.target;
  if (t) lines.push(targetLine(t, count));
  return lines;
}

function targetLine(t: TargetReport, count: number): HTMLElement {
  const held = Math.floor(count / 4);
  const names = shortNames(t.sensitivity.map((l) => l.node));
  const short = (node: string) => names[t.sensitivity.findIndex((l) => l.node === node)] ?? node;
  const kept = t.kept.length === 0 ? 'no layer needed float' : `${t.kept.length} layer${t.kept.length === 1 ? '' : 's'} kept in float: ${t.kept.map(short).join(', ')}`;
  return h(
    'span',
    { class: 'target-line', 'data-met': String(t.met) },
    h('strong', { class: t.met ? 'met' : 'not-met' }, `Target cosine ${t.target} ${t.met ? 'met' : 'not met'}`),
    ` on the ${held} held-aside image${held === 1 ? '' : 's'}: lowest ${t.before.min.toFixed(5)} → ${t.after.min.toFixed(5)} (mean ${t.before.mean.toFixed(5)} → ${t.after.mean.toFixed(5)}); ${kept}.`,
  );
}

function renderLayerChart(layers: readonly LayerError[]): void {
  const box = byId('layer-chart');
  const worst = [...layers.entries()].filter(([, l]) => Number.isFinite(l.sqnr_db)).sort((a, b) => a[1].sqnr_db - b[1].sqnr_db).slice(0, 3);
  const detail = byId('layer-detail');
  const chart = layerChart(layers, box.clientWidth || 560, (i) => (detail.textContent = describeLayer(layers, i)));
  clear(
    box,
    chart,
    h(
      'p',
      { class: 'legend small' },
      h('span', { class: 'key good' }, '≥ 30 dB'),
      h('span', { class: 'key fair' }, '20–30 dB'),
      h('span', { class: 'key bad' }, '< 20 dB'),
      h('span', { class: 'muted' }, `${layers.length} quantized tensors in program order · tap a bar · higher is better (6 dB ≈ 1 bit)`),
    ),
  );
  const names = shortNames(layers.map((l) => l.name));
  detail.textContent = worst.length ? `Lowest: ${worst.map(([i, l]) => `#${i + 1} ${names[i]} (${l.sqnr_db.toFixed(1)} dB)`).join(' · ')}` : '';
}

function renderSensitivity(target: TargetReport | undefined): void {
  const section = byId('sensitivity');
  const box = byId('sensitivity-chart');
  const detail = byId('sensitivity-detail');
  section.hidden = !target;
  if (!target) {
    clear(box);
    detail.textContent = '';
    return;
  }
  const layers = target.sensitivity;
  const chart = sensitivityChart(target, box.clientWidth || byId('layer-chart').clientWidth || 560, (i) => (detail.textContent = describeSensitivity(target, i)));
  clear(
    box,
    chart,
    h(
      'p',
      { class: 'legend small' },
      h('span', { class: 'key only' }, 'only this layer int8'),
      h('span', { class: 'key allbut' }, 'every layer but this int8'),
      h('span', { class: 'key kept' }, 'kept in float'),
      h('span', { class: 'muted' }, `${layers.length} layers · 1 − lowest output cosine on the held-aside images, log scale · lower is better · tap a layer`),
    ),
  );
  // The layer whose int8 costs most, alone.
  let worst = 0;
  layers.forEach((l, i) => {
    if (l.onlyInt8 < layers[worst]!.onlyInt8) worst = i;
  });
  detail.textContent = layers.length ? `Most sensitive alone: ${describeSensitivity(target, worst)}` : '';
}

// ---------------------------------------------------------------------------------------------
// .q8 files

function downloadQ8(): void {
  const active = state.active;
  const int8 = active?.int8;
  if (!active || !int8) return;
  const r = int8.result;
  // The tools in the name too (`-eq-bc-t0.999`), so files made with and without them differ.
  const name = r ? `${active.def.id}-${r.method}-${r.count}${toolSuffix(r.settings)}.q8` : (int8.fileName ?? `${active.def.id}.q8`);
  const url = URL.createObjectURL(new Blob([int8.q8 as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function loadQ8File(file: File): Promise<void> {
  const active = state.active;
  if (!active) return;
  try {
    const q8 = new Uint8Array(await file.arrayBuffer());
    let model: QuantizedModel;
    try {
      model = loadQ8(q8);
    } catch (e) {
      throw new InputError(`“${file.name}” is not a .q8 program this page can read (${(e as Error).message}).`);
    }
    const want = active.def.inputShape.slice(1).join('×');
    const got = model.inputs[0]?.shape.slice(1).join('×');
    if (model.inputs.length !== 1 || got !== want) {
      throw new InputError(`“${file.name}” takes an input of ${got ?? 'nothing'}, but ${active.def.name} takes ${want}: pick the model it was made from first.`);
    }
    calibrator.cancel();
    await installInt8(active, { model, q8, fileName: file.name });
    renderCalibration(active);
    onProgram();
  } catch (e) {
    reportError(e, `loading ${file.name}`);
  }
}

/** The card's controls; `program` runs once a new program is installed. */
export function wireCalibrationPanel(program: () => void): void {
  onProgram = program;
  byId('calib-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void startCalibration();
  });
  byId('calib-cancel').addEventListener('click', () => calibrator.cancel());
  byId('q8-download').addEventListener('click', downloadQ8);
  byId<HTMLInputElement>('q8-input').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void loadQ8File(file);
  });
  // Charts follow the card width.
  let lastWidth = 0;
  new ResizeObserver(() => {
    const w = byId('layer-chart').clientWidth;
    const r = state.active?.int8?.result;
    if (r && Math.abs(w - lastWidth) > 8) for (const view of REPORT_VIEWS) view.resize?.(r);
    lastWidth = w;
  }).observe(byId('layer-chart'));
}
