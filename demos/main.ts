// The demo page: pick a model, an input (gallery, your file, the webcam), and see the int8 program
// and the fp32 baseline run side by side on this page's WebGPU adapter; calibrate in a worker and
// watch the per-layer error; profile the kernels; download the .q8.
//
// This file wires the parts: the device (gpu-lifecycle.ts), the sessions (sessions.ts), inputs
// (gallery.ts, webcam.ts), the run loop (run-loop.ts), calibration (calibration-panel.ts) and
// profiling (profiling.ts); and it owns the model picker.

import { DeviceLostError, OBSERVER_METHODS, type ObserverMethod } from '../src/index.ts';
import { explain, showAlert } from './alerts.ts';
import { cancelCalibration, loadQ8File, parseTarget, resetCalibration, startCalibration, wireCalibrationPanel } from './calibration-panel.ts';
import { byId, clear, h } from './dom.ts';
import { buildGallery, openFile } from './gallery.ts';
import { renderAdapter, reportError, setGpuHooks, startGpu, wireGpu } from './gpu-lifecycle.ts';
import { DEMO_MODELS, assetUrl, demoModel, loadGraph, loadLabels, type DemoModelId } from './models.ts';
import type { CalibrationSettings } from './protocol.ts';
import { wireProfiling } from './profiling.ts';
import { resetResults, setBusy, showSideError } from './results.ts';
import { requestRun } from './run-loop.ts';
import { buildSessions, disposeActive, rebuildInt8 } from './sessions.ts';
import { state, type Active } from './state.ts';
import { offerWebcam, stopWebcam } from './webcam.ts';

const params = new URLSearchParams(location.search);

// ---------------------------------------------------------------------------------------------
// Models

function renderPicker(): void {
  clear(
    byId('model-picker'),
    ...DEMO_MODELS.map((m) =>
      h('button', { type: 'button', class: 'model', 'data-model': m.id, 'aria-pressed': String(state.active?.def.id === m.id), onclick: () => void selectModel(m.id) }, h('strong', {}, m.name), h('span', {}, m.task)),
    ),
  );
}

async function selectModel(id: DemoModelId, initial?: Partial<CalibrationSettings> & { image?: string }): Promise<void> {
  const def = demoModel(id)!;
  if (state.active?.def.id === id) return;
  cancelCalibration();
  disposeActive();
  const active: Active = { def, times: { int8: [], fp32: [] }, agree: new Map(), gallery: [] };
  state.active = active;
  document.body.dataset.model = id;
  const url = new URL(location.href);
  url.searchParams.set('model', id);
  history.replaceState(null, '', url);
  renderPicker();
  const picker = byId('model-picker');
  if (picker.scrollWidth > picker.clientWidth) {
    const button = picker.querySelector<HTMLElement>(`[data-model="${id}"]`);
    if (button) picker.scrollTo({ left: button.offsetLeft - picker.offsetLeft - 12 });
  }
  document.body.dataset.kind = def.kind;
  byId('model-info').textContent = def.source;
  resetResults();
  resetCalibration(def, initial);
  // The user's own image carries over to the next model; a gallery image belongs to its gallery.
  if (state.input && !/^(file|webcam)\//.test(state.input.id)) state.input = undefined;

  setBusy('fp32', 'Loading the model…');
  setBusy('int8', 'Loading the model…');
  try {
    active.labels = await loadLabels(def);
    const graph = await loadGraph(def);
    if (state.active !== active) return;
    active.graph = graph;
    void buildGallery(active, initial?.image);
    void startCalibration();
    await buildSessions(active);
    requestRun();
  } catch (e) {
    if (state.active !== active) return;
    const message = explain(e, `loading ${def.name}`);
    for (const kind of ['int8', 'fp32'] as const) showSideError(kind, message);
    if (!(e instanceof DeviceLostError)) showAlert('error', `Could not load ${def.name}. ${message}`);
    else reportError(e, `loading ${def.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Start

/** The device's loss stops the webcam; a new device gets the active model's sessions rebuilt. */
function wireDevice(): void {
  setGpuHooks({
    lost: stopWebcam,
    reconnected: async () => {
      const active = state.active;
      if (!active) return;
      active.float = undefined;
      if (active.int8) active.int8.session = undefined;
      await buildSessions(active);
      requestRun();
    },
  });
  byId<HTMLSelectElement>('int8-path-select').addEventListener('change', (e) => {
    state.int8Path = (e.target as HTMLSelectElement).value === 'emulated' ? 'emulated' : 'auto';
    void rebuildInt8().then(
      (rebuilt) => rebuilt && requestRun(),
      (err: unknown) => reportError(err, 'rebuilding the int8 program'),
    );
  });
}

/** The user's own files: the file picker, and drag and drop anywhere on the page. */
function wireFiles(): void {
  byId<HTMLInputElement>('file-input').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void openFile(file);
  });
  let depth = 0;
  document.addEventListener('dragenter', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    depth++;
    document.body.classList.add('dropping');
  });
  document.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) document.body.classList.remove('dropping');
  });
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    document.body.classList.remove('dropping');
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    if (file.name.endsWith('.q8')) void loadQ8File(file);
    else void openFile(file);
  });
}

/** For tests and the curious: window.demo. */
declare global {
  interface Window {
    demo?: { loseDevice(): void; state: typeof state };
  }
}

/** The model to start on: the URL's, else BlazeFace (a photo shows more than 28×28 clothes) when it was fetched. */
async function firstModel(): Promise<DemoModelId> {
  const wanted = params.get('model');
  if (wanted && demoModel(wanted)) return wanted as DemoModelId;
  const probe = await fetch(assetUrl('models/blazeface-front/model.json'), { method: 'HEAD' }).catch(() => undefined);
  return probe?.ok ? 'blazeface-front' : 'fashion-mnist';
}

async function main(): Promise<void> {
  wireGpu();
  wireCalibrationPanel(requestRun);
  wireFiles();
  wireProfiling();
  wireDevice();
  renderPicker();
  if (!(await startGpu())) return;
  window.demo = {
    state,
    loseDevice: () => state.gpu?.device.destroy(),
  };
  renderAdapter();
  void offerWebcam(requestRun);
  const calib = Number(params.get('calib'));
  const method = params.get('method');
  // The accuracy tools: equalize=1, bias=1, target=0.999 (a target outside (0, 1] is ignored).
  const on = (name: string) => ['1', 'true', 'on', ''].includes(params.get(name) ?? 'no');
  let target: number | null = null;
  try {
    target = parseTarget(params.get('target') ?? '');
  } catch {
    target = null;
  }
  const initial = {
    ...(method && (OBSERVER_METHODS as readonly string[]).includes(method) ? { method: method as ObserverMethod } : {}),
    ...(Number.isInteger(calib) && calib > 0 ? { count: calib } : {}),
    ...(on('equalize') ? { equalize: true } : {}),
    ...(on('bias') ? { biasCorrection: true } : {}),
    ...(target !== null ? { targetCosine: target } : {}),
    ...(params.get('image') ? { image: params.get('image')! } : {}),
  };
  await selectModel(await firstModel(), initial);
}

void main();
