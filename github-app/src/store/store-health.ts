// Whether the hub can reach its database (DESIGN §4 "When the database is out of reach"). Every store call goes
// through watch(): a failure that says the database is away (a refused or broken connection, a server shutting
// down) marks the store unavailable and becomes FLOE_STORE_UNAVAILABLE (503), which the API answers and the hub's
// timers log and retry; the next call that gets an answer marks it available again. The hub reads this for
// /healthz and /readyz, and to give every lease a full term after an outage before judging any (hub.ts).
import { FloeError } from '../errors.js';

/** Error codes of Node's sockets and of PostgreSQL (class 08 connection exception, 57P admin shutdown, 53300). */
const AWAY_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);
/** What `pg` says when a connection breaks or cannot be had; it gives these errors no code. */
const AWAY_MESSAGES =
  /Connection terminated|connection error|timeout exceeded when trying to connect|Query read timeout|Connection timed out|Client was closed|Cannot use a pool after calling end/i;

/** Whether `err` means the database could not be reached (rather than that it refused what was asked). */
export function isDatabaseAway(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (AWAY_CODES.has(code) || code.startsWith('08'))) return true;
  return AWAY_MESSAGES.test(err.message);
}

export class StoreHealth {
  private failingSince: number | undefined;
  private lastProblem = '';
  private outage = false;

  constructor(
    private readonly now: () => number,
    /** Told once when the store becomes unavailable (with why) and once when it answers again. */
    private readonly onChange: (available: boolean, problem: string) => void = () => undefined,
  ) {}

  /** True unless the last store call found the database away. */
  get available(): boolean {
    return this.failingSince === undefined;
  }

  /** What is wrong, one sentence each; empty when nothing is. */
  problems(): string[] {
    if (this.failingSince === undefined) return [];
    const seconds = Math.round((this.now() - this.failingSince) / 1000);
    return [`the database is out of reach since ${seconds} s ago (${this.lastProblem}); the hub retries by itself`];
  }

  /**
   * True once after the store found the database away, whether or not it answers again by now: the caller then
   * renews leases before judging any. Its store calls failing set it again, so it is asked until they succeed
   * (the first call that succeeds after an outage must not be the one that judges leases).
   */
  takeOutage(): boolean {
    if (!this.outage) return false;
    this.outage = false;
    return true;
  }

  /**
   * The store, its every async method watched (the GitHub state's too); `observe` is told how long each call that
   * answered took, by method (the hub's `floe_store_query_seconds`).
   */
  watch<T extends object>(store: T, observe?: (method: string, seconds: number) => void, prefix = ''): T {
    // One wrapper per method, made at its first use: store calls are on the dispatch path.
    const wrappers = new WeakMap<object, unknown>();
    return new Proxy(store, {
      get: (target, property, receiver) => {
        const value = Reflect.get(target, property, receiver) as unknown;
        if (property === 'github' && typeof value === 'object' && value !== null) {
          const known = wrappers.get(value) ?? this.watch(value, observe, 'github.');
          wrappers.set(value, known);
          return known;
        }
        if (typeof value !== 'function' || property === 'close' || property === 'constructor') return value;
        const known = wrappers.get(value);
        if (known !== undefined) return known;
        const method = `${prefix}${String(property)}`;
        const wrapper = (...args: unknown[]) => {
          const started = observe ? performance.now() : 0;
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (err) {
            throw this.failed(err);
          }
          if (!(result instanceof Promise)) return result;
          return result.then(
            (answer) => {
              this.answered();
              observe?.(method, (performance.now() - started) / 1000);
              return answer;
            },
            (err: unknown) => {
              throw this.failed(err);
            },
          );
        };
        wrappers.set(value, wrapper);
        return wrapper;
      },
    });
  }

  private answered(): void {
    if (this.failingSince === undefined) return;
    this.failingSince = undefined;
    this.onChange(true, '');
  }

  private failed(err: unknown): unknown {
    if (!isDatabaseAway(err)) {
      // The database answered (with a refusal of what was asked): it is there.
      this.answered();
      return err;
    }
    this.lastProblem = (err as Error).message;
    this.outage = true;
    if (this.failingSince === undefined) {
      this.failingSince = this.now();
      this.onChange(false, this.lastProblem);
    }
    const away = new FloeError('FLOE_STORE_UNAVAILABLE');
    away.cause = err;
    return away;
  }
}
