// The GPU sessions of the model on show: the fp32 one, built from the float graph as soon as it
// is loaded, and the int8 one, built from each program calibration (or a .q8 file) gives. A
// session is destroyed only once the GPU work in flight on it has settled (track / retire).

import { createFloatSession, createSession, type Session } from '../src/index.ts';
import { byId, clear } from './dom.ts';
import { renderAdapter } from './gpu-lifecycle.ts';
import { renderCompare, setBusy } from './results.ts';
import { state, type Active, type Int8State } from './state.ts';

/** GPU work in flight (runs, profiles): sessions are destroyed only once it has settled. */
const inFlight = new Set<Promise<unknown>>();

export function track<T>(work: Promise<T>): Promise<T> {
  inFlight.add(work);
  void work.finally(() => inFlight.delete(work)).catch(() => undefined);
  return work;
}

export function retire(session: Session): void {
  void Promise.allSettled([...inFlight]).then(() => session.destroy());
}

/** Retires the active model's sessions (a model switch). */
export function disposeActive(): void {
  const a = state.active;
  if (!a) return;
  if (a.float) retire(a.float);
  if (a.int8?.session) retire(a.int8.session);
  a.float = undefined;
  if (a.int8) a.int8.session = undefined;
}

/** The fp32 session (and the int8 one when a program is there) on the current device. */
export async function buildSessions(active: Active): Promise<void> {
  const gpu = state.gpu;
  if (!gpu || !active.graph) return;
  if (!active.float) {
    setBusy('fp32', 'Building the fp32 pipelines…');
    const inputShapes = active.def.inputShapes;
    const float = await createFloatSession(active.graph, { gpu, ...(inputShapes ? { inputShapes } : {}) });
    if (state.active !== active || state.gpu !== gpu) return retire(float);
    active.float = float;
    setBusy('fp32', 'Ready.');
  }
  if (active.int8 && !active.int8.session) await installInt8(active, active.int8);
  renderCompare();
}

/** Builds the int8 session of a program and makes it the active model's. */
export async function installInt8(active: Active, int8: Int8State): Promise<void> {
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

/** Rebuilds the int8 session (the int8 path changed); resolves once it is installed. */
export async function rebuildInt8(): Promise<boolean> {
  const active = state.active;
  if (!active?.int8) return false;
  if (active.int8.session) retire(active.int8.session);
  active.int8.session = undefined;
  await installInt8(active, active.int8);
  return true;
}
