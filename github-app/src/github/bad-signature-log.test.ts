import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { badSignatureLog } from './bad-signature-log.js';

/** A real pino logger whose lines land in `lines`, parsed. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

describe('badSignatureLog', () => {
  it('logs the first refusal at warn without a stack, then one count per window, then the next first one', async () => {
    const { log, lines } = capture();
    const { refused, quiet } = badSignatureLog(log, 100);
    for (let i = 0; i < 5; i++)
      refused({ reason: 'bad signature', deliveryId: `d-${i}`, event: 'push', remoteAddress: '10.0.0.9' });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'webhook with a bad signature refused',
        reason: 'bad signature',
        deliveryId: 'd-0',
        event: 'push',
        remoteAddress: '10.0.0.9',
      }),
    ]);
    expect(lines[0]).not.toHaveProperty('err');
    expect(lines[0]).not.toHaveProperty('stack');
    // The four that followed, counted in one line when the window ends.
    await vi.waitFor(() => expect(lines).toHaveLength(2), { timeout: 10_000 });
    expect(lines[1]).toMatchObject({
      level: 40,
      msg: 'more webhooks with a bad signature refused',
      refused: 4,
      windowMs: 100,
    });
    // A window with none closes without a line; the next refusal is logged at once, as a first one.
    expect(quiet()).toBe(false);
    await vi.waitFor(() => expect(quiet()).toBe(true), { timeout: 10_000 });
    expect(lines).toHaveLength(2);
    refused({ reason: 'no signature', deliveryId: 'x'.repeat(500) });
    expect(lines).toHaveLength(3);
    const last = lines.at(-1);
    expect(last).toMatchObject({ msg: 'webhook with a bad signature refused', reason: 'no signature' });
    expect(String(last?.deliveryId)).toHaveLength(100);
  });
});
