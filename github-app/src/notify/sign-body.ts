// The signature of an outgoing webhook's body, GitHub's way (its X-Hub-Signature-256): `sha256=` and the hex
// HMAC-SHA256 of the exact bytes sent, keyed with the secret the hub or the flow names. A receiver computes the same
// over the raw body and compares in constant time (docs/api.md "Notifications" shows how).
import { createHmac } from 'node:crypto';

/** The header a signed delivery carries. */
export const SIGNATURE_HEADER = 'x-floe-signature-256';

export function signBody(body: string, key: string): string {
  return `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;
}
