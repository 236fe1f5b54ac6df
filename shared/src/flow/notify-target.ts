// `notify:` (docs/floe-yaml.md "notify"): where the hub POSTs a run's end. The hub sends from its own network, so
// the URL is held to the rules of flow-file URLs (docs/security.md): https only, to a public address (checked by the
// hub on the address it connects to, for every attempt). A receiver URL that is itself a credential (a Slack
// incoming webhook) is written `{{secret.NAME}}`; the body is signed with the value of the secret named by `secret`,
// never with text kept in the repository.
import { z } from 'zod';
import type { Diagnostic } from './diagnostic.js';
import type { ResolvedFlow } from './flow-schema.js';
import type { diagnosticMaker } from './flow-source.js';

/** `{{secret.NAME}}`, the whole value: the only way a `notify:` entry names a secret. */
export const SECRET_ONLY = /^\{\{\s*secret\.([A-Za-z0-9_.-]+)\s*\}\}$/;

/** A run result that notifies, or `waiting`: a `data` task of the run waits for a person (an approval). */
export const NotifyOnSchema = z.enum(['good', 'bad', 'cancelled', 'waiting']);
export type NotifyOn = z.infer<typeof NotifyOnSchema>;

/** Receivers a flow may name: each run's end is a POST to each, so their number is a cost anyone can push. */
export const MAX_NOTIFY_TARGETS = 10;

export const NotifyTargetSchema = z.strictObject({
  url: z.string().max(2048).describe('The https URL to POST to, or `{{secret.NAME}}` holding it.'),
  secret: z
    .string()
    .optional()
    .describe('`{{secret.NAME}}`: its value signs the body (HMAC-SHA256, header X-Floe-Signature-256).'),
  format: z.enum(['floe', 'slack']).default('floe').describe('`floe` JSON, or a Slack-compatible `{text}` body.'),
  on: z
    .array(NotifyOnSchema)
    .default(['good', 'bad', 'cancelled'])
    .describe('The run results that notify (default every one), and `waiting` for a data task awaiting a person.'),
});
export type NotifyTarget = z.infer<typeof NotifyTargetSchema>;

/** Why a `notify:` URL is refused, or undefined when it is an https URL or a whole `{{secret.NAME}}` (no I/O). */
export function notifyUrlProblem(value: string): string | undefined {
  if (SECRET_ONLY.test(value)) return undefined;
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'it holds control characters';
  // A secret inside a URL would be resolved into a host or path no lint could check, and shown wherever the URL is.
  if (value.includes('{{')) return '`{{secret.NAME}}` must be the whole value, not part of a URL';
  if (!/^https:\/\//i.test(value)) return 'only https URLs are sent to (anyone on the way could read plain http)';
  try {
    new URL(value);
    return undefined;
  } catch {
    return 'it is not a valid URL';
  }
}

/** The lint findings about a flow's `notify:` entries (lint-flow.ts calls this). */
export function notifyDiagnostics(flow: ResolvedFlow, make: ReturnType<typeof diagnosticMaker>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [index, target] of (flow.notify ?? []).entries()) {
    const problem = notifyUrlProblem(target.url);
    if (problem) {
      out.push(
        make(
          'notify-url-invalid',
          `\`notify\` URL \`${target.url}\` is refused: ${problem}.`,
          ['notify', index, 'url'],
          'value',
          'write an https URL, or `{{secret.NAME}}` when the URL itself is a credential',
        ),
      );
    }
    if (target.secret !== undefined && !SECRET_ONLY.test(target.secret)) {
      out.push(
        make(
          'notify-secret-invalid',
          '`notify` `secret` must be `{{secret.NAME}}`: a key written in FLOE.yaml is readable by everyone who reads the repository.',
          ['notify', index, 'secret'],
          'value',
          'store the key as a secret (PUT /api/secrets/NAME) and write `secret: "{{secret.NAME}}"`',
        ),
      );
    }
  }
  return out;
}
