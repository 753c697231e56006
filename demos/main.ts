// The demo page: pick a model, an input (gallery, your file, the webcam), and see the int8 program
// and the fp32 baseline run side by side on this page's WebGPU adapter; calibrate in a worker and
// watch the per-layer error; profile the kernels; download the .q8.

import {
  DeviceLostError,
  InputError,
  OBSERVER_METHODS,
  createFloatSession,
  createSession,
  loadQ8,
  requestGpuDevice,
  type GpuContext,
  type LayerError,
  type ObserverMethod,
  type QuantizedModel,
  type Session,
  type Tensor,
} from '../src/index.ts';
import { dismissAlert, explain, showAlert } from './alerts.ts';
import { CalibrationWorker, CancelledError } from './calibrator.ts';
import { describeLayer, kernelChart, layerChart, shortNames } from './charts.ts';
import { byId, bytes, clear, h, median, ms, pct } from './dom.ts';
import { fashionImage, frameImage, imageFromBytes, type InputImage } from './inputs.ts';
import {
  AssetError,
  DEMO_MODELS,
  FASHION_GALLERY,
  assetUrl,
  calibrationAvailable,
  demoModel,
  fashionSet,
  fetchImageBytes,
  imageUrl,
  loadGraph,
  loadImageIndex,
  loadLabels,
  pickSet,
  type DemoModel,
  type DemoModelId,
} from './models.ts';
import type { Phase } from './protocol.ts';
import { compareOutputs, fitCanvas, renderCompare, renderLatency, renderRun, resetResults, setBusy, showSideError } from './results.ts';
import { LATENCY_WINDOW, state, type Active, type Int8State, type Side } from './state.ts';

const params = new URLSearchParams(location.search);
const calibrator = new CalibrationWorker();
/** Devices we destroy ourselves: their loss is not an error. */
const retired = new WeakSet<GPUDevice>();

// ---------------------------------------------------------------------------------------------
// Errors

function reportError(e: unknown, doing: string): void {
  if (e instanceof CancelledError) return;
  if (e instanceof DeviceLostError || state.lost) {
    deviceLost(e instanceof Error ? e.message : String(e));
    return;
  }
  console.error(e);
  showAlert('error', explain(e, doing));
}

window.addEventListener('unhandledrejection', (event) => reportError(event.reason, 'working'));
window.addEventListener('error', (event) => reportError(event.error ?? event.message, 'working'));

// ---------------------------------------------------------------------------------------------
// The GPU

async function connectGpu(): Promise<GpuContext> {
  const gpu = await requestGpuDevice(navigator.gpu, { hint: 'demo page' });
  gpu.device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    showAlert('error', `The GPU reported an error: ${error.message}`);
  });
  void gpu.device.lost.then((info) => {
    if (retired.has(gpu.device) || state.gpu !== gpu) return;
    deviceLost(info.reason === 'destroyed' ? 'the device was destroyed' : `${info.reason}${info.message ? `: ${info.message}` : ''}`);
  });
  return gpu;
}

function deviceLost(why: string): void {
  if (state.lost) return;
  state.lost = true;
  stopWebcam();
  document.body.dataset.gpu = 'lost';
  showAlert(
    'error',
    `The GPU device was lost (${why}). This happens when the GPU driver resets, the tab was in the background for long, or the system ran out of GPU memory. The models are still loaded: reconnect to build them on a new device.`,
    [
      { label: 'Reconnect GPU', run: () => void reconnect() },
      { label: 'Reload page', run: () => location.reload() },
    ],
    'device-lost',
  );
}

async function reconnect(): Promise<void> {
  dismissAlert('device-lost');
  try {
    const gpu = await connectGpu();
    const old = state.gpu;
    state.gpu = gpu;
    state.lost = false;
    document.body.dataset.gpu = 'ok';
    if (old) {
      retired.add(old.device);
      old.device.destroy();
    }
    renderAdapter();
    const active = state.active;
    if (!active) return;
    active.float = undefined;
    if (active.int8) active.int8.session = undefined;
    await buildSessions(active);
    requestRun();
  } catch (e) {
    state.lost = false;
    deviceLost(explain(e, 'reconnecting'));
  }
}

function noWebGpu(reason: string): void {
  byId('app').hidden = true;
  byId('no-webgpu').hidden = false;
  byId('no-webgpu-reason').textContent = reason;
  byId('adapter-chip').textContent = 'No WebGPU';
  byId('adapter-chip').classList.add('bad');
  document.body.dataset.gpu = 'none';
}

function renderAdapter(): void {
  const gpu = state.gpu;
  if (!gpu) return;
  const a = gpu.adapterInfo;
  const int8Path = state.active?.int8?.session?.info.int8Path ?? (state.int8Path === 'emulated' || !gpu.dot4I8Packed ? 'emulated' : 'native');
  const name = [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || 'unknown GPU';
  const chip = byId('adapter-chip');
  chip.textContent = `${name}${a.isFallbackAdapter ? ' · software' : ''} · int8 ${int8Path}`;
  chip.classList.toggle('warn', a.isFallbackAdapter);
  const limits = gpu.device.limits;
  const rows: [string, string | Node][] = [
    ['Vendor', a.vendor || '—'],
    ['Architecture', a.architecture || '—'],
    ['Device', a.device || '—'],
    ['Description', a.description || '—'],
    ['Fallback adapter', a.isFallbackAdapter ? 'yes — a software (CPU) implementation: expect CPU speeds, not GPU ones' : 'no — a hardware GPU'],
    [
      'dot4I8Packed',
      gpu.dot4I8Packed
        ? 'available: WGSL packed_4x8_integer_dot_product (4 int8 products per instruction)'
        : 'not available: the int8 kernels use the emulated path (shifts and i32 multiply-adds, same bits)',
    ],
    ['int8 kernels in use', int8Path === 'native' ? 'native dot4I8Packed' : 'emulated fallback'],
    ['Timestamp queries', gpu.features.has('timestamp-query') ? 'yes (per-kernel timing)' : 'no (per-kernel timing unavailable)'],
    ['Max storage buffer binding', bytes(limits.maxStorageBufferBindingSize)],
    ['Storage buffers per stage', String(limits.maxStorageBuffersPerShaderStage)],
  ];
  clear(byId('adapter-details'), ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
  byId('int8-path').textContent = state.active?.int8?.session ? `${int8Path === 'native' ? 'dot4I8Packed' : 'emulated dot4'}` : '';
  document.body.dataset.int8Path = int8Path;
  const select = byId<HTMLSelectElement>('int8-path-select');
  select.querySelector('option[value="auto"]')!.textContent = gpu.dot4I8Packed ? 'auto (native dot4I8Packed)' : 'auto (emulated: no dot4I8Packed)';
}

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

async function selectModel(id: DemoModelId, initial?: { count?: number; image?: string; method?: ObserverMethod }): Promise<void> {
  const def = demoModel(id)!;
  if (state.active?.def.id === id) return;
  calibrator.cancel();
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
  resetCalibration(def, initial?.count, initial?.method);
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

function disposeActive(): void {
  const a = state.active;
  if (!a) return;
  if (a.float) retire(a.float);
  if (a.int8?.session) retire(a.int8.session);
  a.float = undefined;
  if (a.int8) a.int8.session = undefined;
}

/** GPU work in flight (runs, profiles): sessions are destroyed only once it has settled. */
const inFlight = new Set<Promise<unknown>>();

function track<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work)).catch(() => undefined);
  return work;
}

function retire(session: Session): void {
  void Promise.allSettled([...inFlight]).then(() => session.destroy());
}

/** The fp32 session (and the int8 one when a program is there) on the current device. */
async function buildSessions(active: Active): Promise<void> {
  const gpu = state.gpu;
  if (!gpu || !active.graph) return;
  if (!active.float) {
    setBusy('fp32', 'Building the fp32 pipelines…');
    const float = await createFloatSession(active.graph, { gpu });
    if (state.active !== active || state.gpu !== gpu) return retire(float);
    active.float = float;
    setBusy('fp32', 'Ready.');
  }
  if (active.int8 && !active.int8.session) await installInt8(active, active.int8);
  renderCompare();
}

async function installInt8(active: Active, int8: Int8State): Promise<void> {
  const gpu = state.gpu;
  if (!gpu) return;
  setBusy('int8', 'Building the int8 pipelines…');
  const session = await createSession(int8.model, { gpu, ...(state.int8Path === 'emulated' ? { int8Path: 'emulated' as const } : {}) });
  if (state.active !== active || state.gpu !== gpu) return retire(session);
  const previous = active.int8?.session;
  if (previous && previous !== session) retire(previous);
  int8.session = session;
  active.int8 = int8;
  active.times.int8 = [];
  active.agree.clear();
  active.profile = undefined;
  clear(byId('kernel-chart'));
  byId<HTMLButtonElement>('q8-download').disabled = false;
  renderAdapter();
  renderCompare();
}

// ---------------------------------------------------------------------------------------------
// Gallery and inputs

async function buildGallery(active: Active, initialImage?: string): Promise<void> {
  const def = active.def;
  const gallery = byId('gallery');
  clear(gallery, h('p', { class: 'muted small' }, 'Loading the gallery…'));
  try {
    const items: { id: string; title: string; thumb: HTMLElement; load: () => Promise<InputImage> }[] = [];
    if (def.id === 'fashion-mnist') {
      const test = await fashionSet('test');
      for (let i = 0; i < FASHION_GALLERY; i++) {
        const image = fashionImage(test, i, active.labels);
        const thumb = h('canvas', { width: 28, height: 28 });
        thumb.getContext('2d')!.drawImage(image.source, 0, 0);
        items.push({ id: image.id, title: `${image.name}: ${image.truth ?? ''}`, thumb, load: () => Promise.resolve(image) });
      }
    } else {
      const index = await loadImageIndex();
      const sets = def.gallerySets.map((s) => pickSet(index, [s])).filter((s) => s !== undefined);
      const seen = new Set<string>();
      for (const { set, files } of sets) {
        for (const file of files) {
          if (seen.has(file)) continue;
          seen.add(file);
          const record = index.records.get(file);
          const caption = record?.note?.split(';')[0]?.trim();
          items.push({
            id: `${set}/${file}`,
            title: caption ? `${caption} (${file})` : file,
            thumb: h('img', { src: imageUrl(set, file), alt: caption ?? file, loading: 'lazy', decoding: 'async' }),
            load: async () => imageFromBytes(`${set}/${file}`, file, await fetchImageBytes(set, file), caption),
          });
        }
      }
      if (items.length === 0) throw new AssetError('No photos on the server: run `npm run fetch-models` in the repository, then reload this page.');
    }
    if (state.active !== active) return;
    active.gallery = items;
    clear(
      gallery,
      ...items.map((item) =>
        h(
          'button',
          { type: 'button', class: 'thumb', role: 'option', title: item.title, 'data-id': item.id, 'aria-selected': 'false', onclick: () => void pickGallery(item) },
          item.thumb,
        ),
      ),
    );
    if (!state.input) {
      const find = (name: string | undefined) => (name ? items.find((i) => i.id.endsWith(`/${name}`)) : undefined);
      const first = find(initialImage) ?? find(def.firstImage) ?? items[0];
      if (first) await pickGallery(first);
    } else markSelected();
  } catch (e) {
    if (state.active !== active) return;
    clear(gallery, h('p', { class: 'error-text small' }, explain(e, 'loading the gallery')));
  }
}

async function pickGallery(item: { id: string; load: () => Promise<InputImage> }): Promise<void> {
  try {
    stopWebcam();
    setInput(await item.load());
  } catch (e) {
    reportError(e, 'opening the image');
  }
}

function markSelected(): void {
  byId('gallery')
    .querySelectorAll<HTMLElement>('.thumb')
    .forEach((el) => el.setAttribute('aria-selected', String(el.dataset.id === state.input?.id)));
}

function setInput(input: InputImage): void {
  state.input = input;
  markSelected();
  byId('input-name').textContent = input.caption ?? input.name;
  byId('input-name').title = input.name;
  drawPreview(input);
  requestRun();
}

async function openFile(file: File): Promise<void> {
  try {
    if (file.size > 64 << 20) throw new InputError(`“${file.name}” is ${bytes(file.size)}: too large for this demo (64 MiB at most).`);
    const input = await imageFromBytes(`file/${file.name}/${file.lastModified}`, file.name, new Uint8Array(await file.arrayBuffer()));
    stopWebcam();
    setInput(input);
  } catch (e) {
    reportError(e, `opening ${file.name}`);
  }
}

function drawPreview(input: InputImage): void {
  fitCanvas(byId<HTMLCanvasElement>('preview'), input);
}

/** What the model is fed, back to pixels (undoing its normalization). */
function drawModelView(def: DemoModel, tensor: Tensor, note?: string): void {
  const { height, width, channels } = def.size;
  const canvas = byId<HTMLCanvasElement>('model-view');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(width, height);
  const pre = def.catalog?.preprocess ?? { scale: 1 / 255, mean: [0], std: [1] };
  const data = tensor.data as Float32Array;
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) {
      const c = channels === 1 ? 0 : k;
      const mean = pre.mean.length === 1 ? pre.mean[0]! : pre.mean[c]!;
      const std = pre.std.length === 1 ? pre.std[0]! : pre.std[c]!;
      img.data[i * 4 + k] = ((data[i * channels + c]! * std + mean) / pre.scale) | 0;
    }
    img.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  byId('model-view-caption').textContent = `model input ${width}×${height}${channels === 1 ? ' gray' : ''}`;
  const truth = state.input?.truth ? `True class: ${state.input.truth}. ` : '';
  byId('input-note').textContent = `${truth}${note ? `Note: ${note}.` : ''}`;
}

// ---------------------------------------------------------------------------------------------
// Webcam

async function startWebcam(): Promise<void> {
  if (state.webcam) return stopWebcam();
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' }, audio: false });
    const video = h('video', { playsinline: true, muted: true });
    video.srcObject = stream;
    await video.play();
    state.webcam = { stream, video, frame: 0 };
    byId('webcam-button').textContent = 'Stop webcam';
    byId('webcam-button').classList.add('live');
    requestRun();
  } catch (e) {
    const name = (e as DOMException).name;
    const why =
      name === 'NotAllowedError'
        ? 'the browser (or you) did not allow camera access'
        : name === 'NotFoundError'
          ? 'no camera was found'
          : name === 'NotReadableError'
            ? 'the camera is in use by another application'
            : (e as Error).message;
    showAlert('error', `The webcam could not start: ${why}.`);
  }
}

function stopWebcam(): void {
  const cam = state.webcam;
  if (!cam) return;
  state.webcam = undefined;
  for (const t of cam.stream.getTracks()) t.stop();
  byId('webcam-button').textContent = 'Webcam';
  byId('webcam-button').classList.remove('live');
  renderCompare();
}

function webcamFrame(): InputImage | undefined {
  const cam = state.webcam;
  if (!cam || cam.video.videoWidth === 0) return undefined;
  const scale = Math.min(1, 640 / cam.video.videoWidth);
  return frameImage(`webcam/${cam.frame++}`, cam.video, Math.round(cam.video.videoWidth * scale), Math.round(cam.video.videoHeight * scale));
}

// ---------------------------------------------------------------------------------------------
// Running

let runPending = false;
let running = false;

/** Runs the current input through both programs; calls while a run is going coalesce into one. */
function requestRun(): void {
  runPending = true;
  if (!running) void runLoop();
}

async function runLoop(): Promise<void> {
  running = true;
  try {
    while (runPending) {
      runPending = false;
      if (state.webcam) {
        const frame = webcamFrame();
        if (frame) setInputQuiet(frame);
      }
      await runOnce();
      if (state.webcam) {
        runPending = true;
        await new Promise((r) => requestAnimationFrame(r));
      }
    }
  } finally {
    running = false;
  }
}

function setInputQuiet(input: InputImage): void {
  state.input = input;
  byId('input-name').textContent = 'webcam (live)';
  drawPreview(input);
}

async function timed(session: Session, feeds: Record<string, Tensor>): Promise<Side> {
  const t0 = performance.now();
  const outputs = await track(session.run(feeds));
  return { outputs, ms: performance.now() - t0 };
}

const push = (list: number[], v: number) => {
  list.push(v);
  if (list.length > LATENCY_WINDOW) list.shift();
};

async function runOnce(): Promise<void> {
  const active = state.active;
  const input = state.input;
  if (!active || !input || !state.gpu || state.lost) return;
  const { def } = active;
  let prepared: { tensor: Tensor; note?: string };
  try {
    prepared = input.tensor(def);
  } catch (e) {
    reportError(e, `preparing ${input.name} for ${def.name}`);
    return;
  }
  drawModelView(def, prepared.tensor, prepared.note);
  const feeds = { [def.inputName]: prepared.tensor };
  const int8 = active.int8?.session;
  const float = active.float;
  if (!int8 && !float) return;
  try {
    // Live frames follow each other: no "busy" fading between them.
    if (int8 && !state.webcam) setBusy('int8', 'Running…', true);
    if (float && !state.webcam) setBusy('fp32', 'Running…', true);
    // A model switch retires these sessions once the work then in flight settles: a run must not
    // start on them after it (each await below is a point where the user may have switched).
    const current = () => state.active === active && state.input === input;
    const r8 = int8 ? await timed(int8, feeds) : undefined;
    if (!current()) return;
    const r32 = float ? await timed(float, feeds) : undefined;
    if (!current()) return;
    if (r8) push(active.times.int8, r8.ms);
    if (r32) push(active.times.fp32, r32.ms);
    renderRun(active, input, r8, r32);
    // Fast adapters: a few more runs, for a latency median worth the name (up to ~1 s).
    if (!state.webcam && r8 && r32 && r8.ms + r32.ms < 250) {
      const start = performance.now();
      for (let i = 0; i < 9 && performance.now() - start < 1000 && !runPending && current(); i++) {
        push(active.times.int8, (await timed(int8!, feeds)).ms);
        if (!current()) return;
        push(active.times.fp32, (await timed(float!, feeds)).ms);
      }
      if (state.active === active) renderLatency(active);
    }
    if (state.webcam) {
      const now = performance.now();
      if (state.webcam.last !== undefined) state.webcam.fps = 1000 / (now - state.webcam.last);
      state.webcam.last = now;
    }
    renderCompare(r8 && r32 ? compareOutputs(active, input) : undefined);
    // On a fast adapter, profiling costs nothing: show the kernel chart without being asked.
    if (!state.webcam && r8 && r32 && !active.profile && median(active.times.int8) + median(active.times.fp32) < 100 && state.gpu.features.has('timestamp-query')) {
      await profileKernels();
    }
  } catch (e) {
    reportError(e, `running ${def.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Calibration

const PHASES: Record<Phase, { label: string; from: number; to: number }> = {
  loading: { label: 'Loading the model', from: 0, to: 0.03 },
  preparing: { label: 'Decoding calibration images', from: 0.03, to: 0.1 },
  calibrating: { label: 'Calibrating: float run per image', from: 0.1, to: 0.7 },
  quantizing: { label: 'Quantizing weights and requantization', from: 0.7, to: 0.75 },
  evaluating: { label: 'Measuring per-layer SQNR', from: 0.75, to: 1 },
};

function resetCalibration(def: DemoModel, count?: number, method?: ObserverMethod): void {
  byId<HTMLSelectElement>('calib-method').value = method ?? def.defaultMethod;
  const input = byId<HTMLInputElement>('calib-count');
  input.value = String(count ?? def.defaultCalibration);
  input.removeAttribute('max');
  void calibrationAvailable(def)
    .then((n) => {
      if (state.active?.def !== def) return;
      input.max = String(Math.max(1, n));
      byId('calib-count').title = `${n} calibration images available`;
    })
    .catch(() => undefined);
  clear(byId('layer-chart'));
  byId('layer-detail').textContent = '';
  const status = byId('calib-status');
  status.textContent = '';
  status.dataset.state = 'idle';
  byId<HTMLButtonElement>('q8-download').disabled = true;
  byId('calib-progress').hidden = true;
}

async function startCalibration(): Promise<void> {
  const active = state.active;
  if (!active?.graph) return;
  const method = byId<HTMLSelectElement>('calib-method').value as ObserverMethod;
  const countInput = byId<HTMLInputElement>('calib-count');
  const max = Number(countInput.max) || Infinity;
  const count = Math.max(1, Math.min(max, Math.floor(Number(countInput.value)) || active.def.defaultCalibration));
  countInput.value = String(count);
  const status = byId('calib-status');
  const bar = byId<HTMLProgressElement>('calib-bar');
  const phase = byId('calib-phase');
  byId('calib-progress').hidden = false;
  byId('calib-run').setAttribute('disabled', '');
  byId('calib-cancel').hidden = false;
  status.dataset.state = 'running';
  status.textContent = `${method} calibration on ${count} image${count === 1 ? '' : 's'}; the page stays usable meanwhile.`;
  bar.value = 0;
  if (!active.int8) setBusy('int8', 'Waiting for quantization…');
  const started = performance.now();
  try {
    const result = await calibrator.run({ model: active.def.id, method, count }, (p, done, total) => {
      const { label, from, to } = PHASES[p];
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
    requestRun();
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
      '.',
    );
    renderLayerChart(r.perLayer);
  } else {
    clear(status, h('strong', {}, `Loaded ${int8.fileName ?? 'a .q8 file'}`), ` · ${int8.model.calibration.method} on ${int8.model.calibration.samples} samples · ${bytes(int8.q8.byteLength)} · ${int8.model.steps.length} steps, ${integral}.`);
    clear(byId('layer-chart'), h('p', { class: 'muted small' }, 'Calibrate here to see the per-layer SQNR of a program (a loaded .q8 carries no float model to compare with).'));
    byId('layer-detail').textContent = '';
  }
  status.dataset.state = 'done';
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

function downloadQ8(): void {
  const active = state.active;
  const int8 = active?.int8;
  if (!active || !int8) return;
  const r = int8.result;
  const name = r ? `${active.def.id}-${r.method}-${r.count}.q8` : (int8.fileName ?? `${active.def.id}.q8`);
  const url = URL.createObjectURL(new Blob([int8.q8 as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function loadQ8File(file: File): Promise<void> {
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
    requestRun();
  } catch (e) {
    reportError(e, `loading ${file.name}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Profiling

async function profileKernels(): Promise<void> {
  const active = state.active;
  const input = state.input;
  const chart = byId('kernel-chart');
  if (!active || !input || !state.gpu) return;
  if (!state.gpu.features.has('timestamp-query')) {
    clear(chart, h('p', { class: 'error-text small' }, 'This adapter does not offer timestamp queries, so per-kernel GPU times cannot be measured here.'));
    return;
  }
  const button = byId<HTMLButtonElement>('profile-run');
  button.disabled = true;
  clear(chart, h('p', { class: 'muted small' }, 'Profiling…'));
  try {
    const feeds = { [active.def.inputName]: input.tensor(active.def).tensor };
    const int8 = active.int8?.session ? (await track(active.int8.session.profile(feeds))).kernels : undefined;
    const fp32 = active.float ? (await track(active.float.profile(feeds))).kernels : undefined;
    if (state.active !== active) return;
    active.profile = { input: input.id, ...(int8 ? { int8 } : {}), ...(fp32 ? { fp32 } : {}) };
    clear(chart, kernelChart(int8, fp32));
    chart.dataset.input = input.id;
  } catch (e) {
    clear(chart);
    reportError(e, 'profiling');
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Start

function wire(): void {
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
  byId<HTMLInputElement>('file-input').addEventListener('change', (e) => {
    const input = e.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (file) void openFile(file);
  });
  byId('profile-run').addEventListener('click', () => void profileKernels());
  byId('adapter-chip').addEventListener('click', () => byId('adapter-card').scrollIntoView({ behavior: 'smooth' }));
  byId('no-webgpu-retry').addEventListener('click', () => location.reload());
  byId<HTMLSelectElement>('int8-path-select').addEventListener('change', (e) => {
    state.int8Path = (e.target as HTMLSelectElement).value === 'emulated' ? 'emulated' : 'auto';
    const active = state.active;
    if (active?.int8) {
      if (active.int8.session) retire(active.int8.session);
      active.int8.session = undefined;
      void installInt8(active, active.int8).then(() => requestRun(), (err: unknown) => reportError(err, 'rebuilding the int8 program'));
    }
  });
  // Drag and drop anywhere on the page.
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
  // Charts follow the card width.
  let lastWidth = 0;
  new ResizeObserver(() => {
    const w = byId('layer-chart').clientWidth;
    const r = state.active?.int8?.result;
    if (r && Math.abs(w - lastWidth) > 8) renderLayerChart(r.perLayer);
    lastWidth = w;
  }).observe(byId('layer-chart'));
  window.addEventListener('beforeunload', () => {
    if (state.gpu) retired.add(state.gpu.device);
  });
}

async function offerWebcam(): Promise<void> {
  if (!navigator.mediaDevices?.getUserMedia) return;
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    if (!devices.some((d) => d.kind === 'videoinput')) return;
  } catch {
    return;
  }
  const button = byId('webcam-button');
  button.hidden = false;
  button.addEventListener('click', () => void startWebcam());
}

/** For tests and the curious: window.demo. */
declare global {
  interface Window {
    demo?: { loseDevice(): void; state: typeof state };
  }
}

async function main(): Promise<void> {
  wire();
  renderPicker();
  if (!navigator.gpu) {
    return noWebGpu(
      window.isSecureContext
        ? 'navigator.gpu is undefined: this browser has no WebGPU, or it is switched off.'
        : `navigator.gpu is undefined: this page is not a secure context (${location.origin}), and browsers offer WebGPU only to https:// pages and http://localhost.`,
    );
  }
  try {
    state.gpu = await connectGpu();
  } catch (e) {
    const message = (e as Error).message;
    return noWebGpu(
      message.includes('returned null')
        ? 'The browser has WebGPU but offered no adapter: the GPU may be blocklisted, or WebGPU is disabled by a flag or policy.'
        : message.includes('requestDevice')
          ? `The browser offered a GPU adapter but could not open a device on it: ${message.replace(/^WebGPU /, '')}`
          : message.replace(/\s*\[demo page\].*$/s, '.'),
    );
  }
  document.body.dataset.gpu = 'ok';
  window.demo = {
    state,
    loseDevice: () => state.gpu?.device.destroy(),
  };
  renderAdapter();
  void offerWebcam();
  const wanted = params.get('model');
  const calib = Number(params.get('calib'));
  const method = params.get('method');
  const initial = {
    ...(method && (OBSERVER_METHODS as readonly string[]).includes(method) ? { method: method as ObserverMethod } : {}),
    ...(Number.isInteger(calib) && calib > 0 ? { count: calib } : {}),
    ...(params.get('image') ? { image: params.get('image')! } : {}),
  };
  let first: DemoModelId = 'fashion-mnist';
  if (wanted && demoModel(wanted)) first = wanted as DemoModelId;
  else {
    // BlazeFace on a photo shows more than 28×28 clothes, when the models were fetched.
    const probe = await fetch(assetUrl('models/blazeface-front/model.json'), { method: 'HEAD' }).catch(() => undefined);
    if (probe?.ok) first = 'blazeface-front';
  }
  await selectModel(first, initial);
}

void main();
