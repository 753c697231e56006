// The run loop: the current input (or the live webcam frame) through the int8 program and the
// fp32 baseline, one after the other, with their latency; calls while a run is going coalesce
// into one.

import type { Session, Tensor } from '../src/index.ts';
import { byId, median } from './dom.ts';
import { reportError } from './gpu-lifecycle.ts';
import type { InputImage } from './inputs.ts';
import { drawModelView, drawPreview } from './input-view.ts';
import { profileKernels } from './profiling.ts';
import { compareOutputs, renderCompare, renderLatency, renderRun, setBusy } from './results.ts';
import { track } from './sessions.ts';
import { LATENCY_WINDOW, state, type Side } from './state.ts';
import { webcamFrame } from './webcam.ts';

let runPending = false;
let running = false;

/** Runs the current input through both programs; calls while a run is going coalesce into one. */
export function requestRun(): void {
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
