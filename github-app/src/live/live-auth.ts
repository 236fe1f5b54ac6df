import { LIVE_AUTH_TIMEOUT_MS, type LiveServerMessage, type Me } from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import { FloeError } from '../errors.js';
import { liveError } from './live-error.js';

/** WebSocket close codes of the live API: 4401 bad token (do not retry), 4408 no auth in time. */
export const LIVE_CLOSE_UNAUTHENTICATED = 4401;
export const LIVE_CLOSE_AUTH_TIMEOUT = 4408;

export type LiveAuthOptions = {
  /** Who an API token (admin token included) belongs to. */
  authenticate: (token: string) => Promise<Me | undefined>;
  send: (message: LiveServerMessage) => void;
  close: (code: number, reason: string) => void;
  /** Already authenticated by an Authorization header on the upgrade request. */
  caller?: Me | undefined;
  /** The token of that header, checked again when tokens are removed or rotated. */
  callerToken?: string | undefined;
  /** Default 10 s (LIVE_AUTH_TIMEOUT_MS). */
  authTimeoutMs?: number | undefined;
  /** How often the token is checked again, so that one that expires closes its socket; default 60 s. */
  recheckMs?: number | undefined;
  logger: FastifyBaseLogger;
};

/**
 * Who a live socket speaks for: authenticated by its upgrade request or its first message (in time, or the socket
 * closes), and checked again while it is open — a token removed, rotated away or expired closes it
 * (docs/security.md).
 */
export class LiveAuth {
  private caller: Me | undefined;
  private token: string | undefined;
  private disposed = false;
  private readonly authTimer: NodeJS.Timeout | undefined;
  private readonly recheckTimer: NodeJS.Timeout;

  constructor(private readonly options: LiveAuthOptions) {
    this.caller = options.caller;
    this.token = options.callerToken;
    this.authTimer = this.caller
      ? undefined
      : setTimeout(() => {
          if (this.caller || this.disposed) return;
          options.send(liveError('FLOE_LIVE_AUTH_TIMEOUT'));
          options.close(LIVE_CLOSE_AUTH_TIMEOUT, 'no auth message in time');
        }, options.authTimeoutMs ?? LIVE_AUTH_TIMEOUT_MS);
    if (this.caller) options.send({ type: 'authenticated', name: this.caller.name, role: this.caller.role });
    // A token that expires while its socket is open is caught by this; removed and rotated ones when told.
    this.recheckTimer = setInterval(() => void this.recheck(), options.recheckMs ?? 60_000);
    this.recheckTimer.unref();
  }

  get authenticated(): boolean {
    return this.caller !== undefined;
  }

  /** The client's `auth` message: authenticated, or refused and closed. */
  async authenticate(given: string): Promise<void> {
    let refusal: string | undefined;
    const who = await this.options.authenticate(given).catch((err: unknown) => {
      // An expired token is refused with a message that says so; anything else is the hub's failure.
      if (err instanceof FloeError && err.code === 'FLOE_UNAUTHENTICATED') refusal = err.message;
      else this.options.logger.error({ err }, 'live auth failed');
      return undefined;
    });
    if (this.disposed) return;
    if (who === undefined) {
      this.options.send(liveError('FLOE_UNAUTHENTICATED', refusal));
      this.options.close(LIVE_CLOSE_UNAUTHENTICATED, 'unknown API token');
      return;
    }
    this.caller = who;
    this.token = given;
    if (this.authTimer) clearTimeout(this.authTimer);
    this.options.send({ type: 'authenticated', name: who.name, role: who.role });
  }

  /** Checks the token again; closes the socket when it is refused (not when the database could not say). */
  async recheck(): Promise<void> {
    const { token } = this;
    if (this.caller === undefined || token === undefined || this.disposed) return;
    let refusal = 'your API token was removed or rotated; sign in again';
    let unchecked = false;
    const who = await this.options.authenticate(token).catch((err: unknown) => {
      if (err instanceof FloeError && err.code === 'FLOE_UNAUTHENTICATED') refusal = err.message;
      // The database is away: the token is not known to be bad, and is checked again next time.
      else unchecked = true;
      return undefined;
    });
    if (who !== undefined || unchecked || this.disposed) return;
    this.options.send(liveError('FLOE_UNAUTHENTICATED', refusal));
    this.options.close(LIVE_CLOSE_UNAUTHENTICATED, 'token revoked');
  }

  dispose(): void {
    this.disposed = true;
    if (this.authTimer) clearTimeout(this.authTimer);
    clearInterval(this.recheckTimer);
  }
}
