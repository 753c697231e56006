// The page's GPU device from start to loss: connecting to it (or saying why the browser gives
// none), the adapter panel, errors in words, and a lost device with the reconnect it offers. What
// the rest of the page does when the device goes or comes back is given by main.ts (setGpuHooks),
// so this module knows nothing of sessions, runs or the webcam.

import { DeviceLostError, requestGpuDevice, type GpuContext } from '../src/index.ts';
import { dismissAlert, explain, showAlert } from './alerts.ts';
import { CancelledError } from './calibrator.ts';
import { byId, bytes, clear, h } from './dom.ts';
import { state } from './state.ts';

export interface GpuHooks {
  /** The device is gone: stop what feeds it (the webcam). */
  lost(): void;
  /** A new device is in state.gpu: rebuild the sessions on it and run again. */
  reconnected(): Promise<void>;
}

let hooks: GpuHooks = { lost: () => undefined, reconnected: () => Promise.resolve() };

export function setGpuHooks(h: GpuHooks): void {
  hooks = h;
}

/** Devices we destroy ourselves: their loss is not an error. */
const retired = new WeakSet<GPUDevice>();

/** Any error of the page's work → an alert in words (a lost device → its own alert). */
export function reportError(e: unknown, doing: string): void {
  if (e instanceof CancelledError) return;
  if (e instanceof DeviceLostError || state.lost) {
    deviceLost(e instanceof Error ? e.message : String(e));
    return;
  }
  console.error(e);
  showAlert('error', explain(e, doing));
}

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
  hooks.lost();
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
    await hooks.reconnected();
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

/**
 * Opens the device into state.gpu; false (and the no-WebGPU page, saying why in words a user can
 * act on) when the browser gives none.
 */
export async function startGpu(): Promise<boolean> {
  if (!navigator.gpu) {
    noWebGpu(
      window.isSecureContext
        ? 'navigator.gpu is undefined: this browser has no WebGPU, or it is switched off.'
        : `navigator.gpu is undefined: this page is not a secure context (${location.origin}), and browsers offer WebGPU only to https:// pages and http://localhost.`,
    );
    return false;
  }
  try {
    state.gpu = await connectGpu();
  } catch (e) {
    const message = (e as Error).message;
    noWebGpu(
      message.includes('returned null')
        ? 'The browser has WebGPU but offered no adapter: the GPU may be blocklisted, or WebGPU is disabled by a flag or policy.'
        : message.includes('requestDevice')
          ? `The browser offered a GPU adapter but could not open a device on it: ${message.replace(/^WebGPU /, '')}`
          : message.replace(/\s*\[demo page\].*$/s, '.'),
    );
    return false;
  }
  document.body.dataset.gpu = 'ok';
  return true;
}

export function renderAdapter(): void {
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

/** Page-wide listeners: uncaught errors in words, the adapter chip, retry, and unloading. */
export function wireGpu(): void {
  window.addEventListener('unhandledrejection', (event) => reportError(event.reason, 'working'));
  window.addEventListener('error', (event) => reportError(event.error ?? event.message, 'working'));
  byId('adapter-chip').addEventListener('click', () => byId('adapter-card').scrollIntoView({ behavior: 'smooth' }));
  byId('no-webgpu-retry').addEventListener('click', () => location.reload());
  window.addEventListener('beforeunload', () => {
    if (state.gpu) retired.add(state.gpu.device);
  });
}
