import type { LiveServerMessage, Me } from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FloeError } from '../errors.js';
import { LIVE_CLOSE_AUTH_TIMEOUT, LIVE_CLOSE_UNAUTHENTICATED, LiveAuth } from './live-auth.js';

const ANN: Me = { name: 'ann', role: 'admin' };

describe('LiveAuth', () => {
  const auths: LiveAuth[] = [];
  afterEach(() => {
    for (const auth of auths.splice(0)) auth.dispose();
  });

  /** A LiveAuth over a token table the test changes; `closed` resolves with the close code. */
  function liveAuth(options: { caller?: Me; callerToken?: string; authTimeoutMs?: number } = {}) {
    const tokens = new Map<string, Me | 'expired' | 'database away'>([['good', ANN]]);
    const sent: LiveServerMessage[] = [];
    let close: (code: number) => void = () => {};
    const closed = new Promise<number>((resolve) => {
      close = resolve;
    });
    const auth = new LiveAuth({
      ...options,
      authenticate: async (token) => {
        const who = tokens.get(token);
        if (who === 'expired') throw new FloeError('FLOE_UNAUTHENTICATED', 'your API token expired');
        if (who === 'database away') throw new Error('Connection terminated');
        return who;
      },
      send: (message) => sent.push(message),
      close: (code) => close(code),
      logger: pino({ level: 'silent' }) as FastifyBaseLogger,
    });
    auths.push(auth);
    return { auth, tokens, sent, closed };
  }

  it('authenticates a good token, and refuses and closes on an unknown one', async () => {
    const good = liveAuth();
    await good.auth.authenticate('good');
    expect(good.auth.authenticated).toBe(true);
    expect(good.sent).toEqual([{ type: 'authenticated', name: 'ann', role: 'admin' }]);
    const bad = liveAuth();
    await bad.auth.authenticate('made-up');
    expect(bad.auth.authenticated).toBe(false);
    expect(bad.sent).toMatchObject([{ type: 'error', code: 'FLOE_UNAUTHENTICATED' }]);
    expect(await bad.closed).toBe(LIVE_CLOSE_UNAUTHENTICATED);
  });

  it('closes a socket that does not authenticate in time', async () => {
    const { sent, closed } = liveAuth({ authTimeoutMs: 20 });
    expect(await closed).toBe(LIVE_CLOSE_AUTH_TIMEOUT);
    expect(sent).toMatchObject([{ type: 'error', code: 'FLOE_LIVE_AUTH_TIMEOUT' }]);
  });

  it('says at once who an upgrade header authenticated, and closes when that token is refused later', async () => {
    const { auth, tokens, sent, closed } = liveAuth({ caller: ANN, callerToken: 'good' });
    expect(sent).toEqual([{ type: 'authenticated', name: 'ann', role: 'admin' }]);
    await auth.recheck();
    expect(sent).toHaveLength(1);
    tokens.set('good', 'expired');
    await auth.recheck();
    expect(sent.at(-1)).toMatchObject({
      type: 'error',
      code: 'FLOE_UNAUTHENTICATED',
      message: 'your API token expired',
    });
    expect(await closed).toBe(LIVE_CLOSE_UNAUTHENTICATED);
  });

  it('keeps the socket open when the token cannot be checked because the database is away', async () => {
    const { auth, tokens, sent } = liveAuth({ caller: ANN, callerToken: 'good' });
    tokens.set('good', 'database away');
    await auth.recheck();
    expect(sent).toEqual([{ type: 'authenticated', name: 'ann', role: 'admin' }]);
  });
});
