// Who hears of a run's end: the hub's --notify-url and the flow's `notify:` entries whose `on` holds the result; of a
// `data` task waiting for a person, the flow's entries whose `on` holds `waiting` (the hub's receiver hears of ends).
// Untrusted runs notify nobody (docs/security.md "Trusted and untrusted runs"): their FLOE.yaml is code from outside, which may
// not point the hub's requests anywhere, and the hub's own receivers should not hear from it either.
import type { NotifyTarget } from '@floe/shared';
import type { RunRow } from '../store/store.js';

/** The hub-wide receiver (config.ts `--notify-url`, `--notify-secret`, `--notify-format`). */
export type HubNotify = { url: string; secretName?: string; format: 'floe' | 'slack' };

/** One receiver of one run: `target` names it in the delivery's id and log. */
export type RunReceiver = {
  target: string;
  url: string;
  /** The secret signing the body: the hub's for `hub`, a flow's repository's (else the hub's) for its entries. */
  secretName?: string;
  format: 'floe' | 'slack';
};

const SECRET_NAME = /^\{\{\s*secret\.([A-Za-z0-9_.-]+)\s*\}\}$/;

/** The receivers of `event`: the run's end (its `result` set), or a task waiting for input. */
export function notifyTargets(run: RunRow, hub: HubNotify | undefined, event: 'ended' | 'waiting'): RunReceiver[] {
  const on = event === 'waiting' ? 'waiting' : run.result;
  if (run.trust !== 'trusted' || on === undefined) return [];
  const receivers: RunReceiver[] = [];
  if (hub && event === 'ended') {
    receivers.push({
      target: 'hub',
      url: hub.url,
      ...(hub.secretName ? { secretName: hub.secretName } : {}),
      format: hub.format,
    });
  }
  const entries: NotifyTarget[] = run.flow.notify ?? [];
  for (const [index, entry] of entries.entries()) {
    if (!entry.on.includes(on)) continue;
    const secretName = entry.secret !== undefined ? SECRET_NAME.exec(entry.secret)?.[1] : undefined;
    // A `secret` that is not `{{secret.NAME}}` is a lint error, so the flow could not have run: skip it the same.
    if (entry.secret !== undefined && secretName === undefined) continue;
    receivers.push({
      target: `notify.${index}`,
      url: entry.url,
      ...(secretName ? { secretName } : {}),
      format: entry.format,
    });
  }
  return receivers;
}

/** The secret a URL written as `{{secret.NAME}}` names, or undefined for a plain URL. */
export function urlSecretName(url: string): string | undefined {
  return SECRET_NAME.exec(url)?.[1];
}
