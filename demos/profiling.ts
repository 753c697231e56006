// Per-kernel GPU times: one profiled run (timestamp queries) of the current input through each
// program, drawn as the kernel chart.

import { byId, clear, h } from './dom.ts';
import { kernelChart } from './charts.ts';
import { reportError } from './gpu-lifecycle.ts';
import { track } from './sessions.ts';
import { state } from './state.ts';

export async function profileKernels(): Promise<void> {
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

export function wireProfiling(): void {
  byId('profile-run').addEventListener('click', () => void profileKernels());
}
