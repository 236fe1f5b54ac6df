// GitHub signs each delivery with the webhook secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`.
// The hub checks it before Probot sees the delivery, so that a forged one is refused in one place and logged our
// way (bad-signature-log.ts), not as an error with a stack.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Why a delivery's signature is refused, or undefined when it is GitHub's. */
export function webhookSignatureProblem(
  secret: string,
  body: string,
  header: string | string[] | undefined,
): 'no signature' | 'bad signature' | undefined {
  if (typeof header !== 'string' || header === '') return 'no signature';
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`);
  const given = Buffer.from(header);
  // Compared in constant time: the time taken must not tell a forger how much of a guess was right.
  return given.length === expected.length && timingSafeEqual(given, expected) ? undefined : 'bad signature';
}
