// The HubNotifier of hubs sharing a PostgreSQL database: LISTEN/NOTIFY on one channel (DESIGN §4). Signals of one
// tick are merged and sent as one NOTIFY (a JSON array, kept under PostgreSQL's 8000-byte payload limit); each
// carries the sending hub's id so a hub ignores its own. The listening connection is dedicated (LISTEN belongs to
// a session) and reconnects when it breaks; after a reconnect the hub is told `wake` and `runners`, as signals
// sent meanwhile are gone.
import pg from 'pg';
import type { Logger } from 'pino';
import { type HubNotifier, type HubSignal, HubSignalSchema } from '../../dispatch/hub-notifier.js';

const CHANNEL = 'floe_hub';
/** Below the 8000-byte NOTIFY limit, with room for the envelope. */
const MAX_PAYLOAD = 7_000;

export type PostgresNotifierOptions = {
  url: string;
  /** Sends NOTIFY through this pool (the store's). */
  pool: pg.Pool;
  hubId: string;
  log: Logger;
  /** Wait before reconnecting a broken listening connection; default 500 ms. */
  reconnectMs?: number;
};

/** Opens the listening connection; resolves once LISTEN is in place (signals sent after this are heard). */
export async function openPostgresNotifier(options: PostgresNotifierOptions): Promise<HubNotifier> {
  const { pool, hubId, log } = options;
  const listeners = new Set<(signal: HubSignal) => void>();
  const deliver = (signal: HubSignal) => {
    for (const listener of listeners) {
      try {
        listener(signal);
      } catch (err) {
        log.error({ err }, 'hub signal listener failed');
      }
    }
  };
  let closed = false;
  let client: pg.Client | undefined;

  const listen = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.url, connectionTimeoutMillis: 10_000, keepAlive: true });
    next.on('notification', (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return;
      let envelope: { from?: unknown; signals?: unknown };
      try {
        envelope = JSON.parse(message.payload) as typeof envelope;
      } catch {
        return;
      }
      if (envelope.from === hubId || !Array.isArray(envelope.signals)) return;
      for (const raw of envelope.signals) {
        const parsed = HubSignalSchema.safeParse(raw);
        if (parsed.success) deliver(parsed.data);
      }
    });
    next.on('error', (err) => {
      if (closed) return;
      // Only a connection that was listening reconnects here; one still connecting fails its listen() below.
      if (client !== next) return;
      log.warn({ err }, 'hub signal connection broke; reconnecting');
      client = undefined;
      next.end().catch(() => undefined);
      reconnect();
    });
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      next.end().catch(() => undefined);
      throw err;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
  };
  // One reconnection at a time: a connection that breaks both fails its query and emits 'error'.
  let reconnecting = false;
  const reconnect = () => {
    if (reconnecting) return;
    reconnecting = true;
    setTimeout(() => {
      reconnecting = false;
      if (closed) return;
      listen()
        .then(() => {
          deliver({ kind: 'wake' });
          deliver({ kind: 'runners' });
        })
        .catch((err) => {
          log.warn({ err }, 'cannot listen for hub signals yet; retrying');
          reconnect();
        });
    }, options.reconnectMs ?? 500).unref();
  };
  await listen();

  // Merged per tick: a busy hub emits an event per log chunk; the others need to hear each (run, node) once.
  let pending = new Map<string, HubSignal>();
  let flushing = false;
  const flush = () => {
    flushing = false;
    const signals = [...pending.values()];
    pending = new Map();
    let batch: HubSignal[] = [];
    let size = 0;
    const send = () => {
      if (batch.length === 0) return;
      const payload = JSON.stringify({ from: hubId, signals: batch });
      batch = [];
      size = 0;
      pool.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]).catch((err) => {
        if (!closed) log.warn({ err }, 'could not signal the other hubs');
      });
    };
    for (const signal of signals) {
      const length = JSON.stringify(signal).length + 1;
      if (size + length > MAX_PAYLOAD) send();
      batch.push(signal);
      size += length;
    }
    send();
  };

  return {
    publish(signal) {
      if (closed) return;
      pending.set(JSON.stringify(signal), signal);
      if (!flushing) {
        flushing = true;
        setImmediate(flush);
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      await client?.end().catch(() => undefined);
    },
  };
}
