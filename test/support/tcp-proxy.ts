// A TCP proxy of the tests' own (node:net), put between runners and hubs or between hubs and PostgreSQL, that
// does to connections what networks and restarts do: cut them, refuse new ones, delay or stall the bytes, close
// one direction. Faults are switched on and off by the test; what the proxy holds is ended by close().
import net from 'node:net';

export type ProxyMode =
  /** Bytes pass. */
  | 'open'
  /** Every connection is reset and new ones are refused (a database restart, a cut cable). */
  | 'cut'
  /** Connections stay open but no byte passes until the mode changes; then what was held goes on (a stall). */
  | 'stall';

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  readonly mode: ProxyMode;
  /** Switches the mode; `cut` resets every open connection at once. */
  set(mode: ProxyMode): void;
  /** Delays every chunk by this many ms from now on, in order (0: none). */
  delay(ms: number): void;
  /** Half-closes every open connection: each side sees the other end its writing (FIN), then it is reset. */
  halfClose(): void;
  /** Connections open now. */
  readonly open: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

type Pair = { client: net.Socket; upstream: net.Socket; destroy(): void };

/** Listens on 127.0.0.1 (any free port unless `port`) and forwards to `target`. */
export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  let mode: ProxyMode = 'open';
  let delayMs = 0;
  let accepted = 0;
  const pairs = new Set<Pair>();
  /** Callbacks waiting for the stall to end. */
  let stalled: (() => void)[] = [];

  /** Forwards `from` to `to` honouring the stall and the delay, keeping the order of chunks. */
  const pipe = (from: net.Socket, to: net.Socket, pair: Pair) => {
    let chain = Promise.resolve();
    from.on('data', (chunk: Buffer) => {
      from.pause();
      chain = chain.then(async () => {
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        while (mode === 'stall') await new Promise<void>((resolve) => stalled.push(resolve));
        if (!to.destroyed) to.write(chunk);
        from.resume();
      });
    });
    from.on('end', () => {
      chain = chain.then(() => {
        if (!to.destroyed) to.end();
      });
    });
    from.on('error', () => pair.destroy());
    from.on('close', () => {
      chain = chain.then(() => pair.destroy());
    });
  };

  const server = net.createServer((client) => {
    accepted += 1;
    if (mode === 'cut') {
      client.on('error', () => undefined);
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair: Pair = {
      client,
      upstream,
      destroy() {
        if (!pairs.delete(pair)) return;
        if (!client.destroyed) client.resetAndDestroy();
        if (!upstream.destroyed) upstream.resetAndDestroy();
      },
    };
    pairs.add(pair);
    pipe(client, upstream, pair);
    pipe(upstream, client, pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const listening = (server.address() as net.AddressInfo).port;

  return {
    port: listening,
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(listening);
      return parsed.toString();
    },
    get mode() {
      return mode;
    },
    set(next) {
      mode = next;
      if (next === 'cut') for (const pair of [...pairs]) pair.destroy();
      if (next !== 'stall') {
        const waiting = stalled;
        stalled = [];
        for (const resume of waiting) resume();
      }
    },
    delay(ms) {
      delayMs = ms;
    },
    halfClose() {
      for (const pair of [...pairs]) {
        pair.client.end();
        pair.upstream.end();
        setTimeout(() => pair.destroy(), 500).unref();
      }
    },
    get open() {
      return pairs.size;
    },
    get accepted() {
      return accepted;
    },
    close() {
      mode = 'cut';
      for (const pair of [...pairs]) pair.destroy();
      for (const resume of stalled.splice(0)) resume();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
