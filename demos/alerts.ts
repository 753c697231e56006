// Errors shown to the user in words, with what to do about them.

import { DeviceLostError, InputError, ModelFormatError } from '../src/index.ts';
import { byId, h } from './dom.ts';
import { AssetError } from './models.ts';

export interface AlertAction {
  label: string;
  run: () => void;
}

export function showAlert(kind: 'error' | 'info', message: string, actions: AlertAction[] = [], key = message): void {
  const alerts = byId('alerts');
  alerts.querySelector(`[data-key="${CSS.escape(key)}"]`)?.remove();
  const el = h(
    'div',
    { class: `alert ${kind}`, role: kind === 'error' ? 'alert' : 'status', 'data-key': key },
    h('p', {}, message),
    h(
      'div',
      { class: 'alert-actions' },
      ...actions.map((a) => h('button', { class: 'button', type: 'button', onclick: () => a.run() }, a.label)),
      h('button', { class: 'button secondary', type: 'button', onclick: () => el.remove() }, 'Dismiss'),
    ),
  );
  alerts.append(el);
}

export function dismissAlert(key: string): void {
  byId('alerts').querySelector(`[data-key="${CSS.escape(key)}"]`)?.remove();
}

/** Any error → one sentence for the user. */
export function explain(e: unknown, doing: string): string {
  if (e instanceof DeviceLostError) return `The GPU device was lost while ${doing}.`;
  if (e instanceof AssetError || e instanceof InputError) return e.message;
  if (e instanceof ModelFormatError) return `The model file is damaged or not what it claims (${e.message}).`;
  const message = e instanceof Error ? e.message : String(e);
  return `Something went wrong while ${doing}: ${message}`;
}
