// Test helper (not a test): a small hub on loopback that speaks the runner protocol for real — registration over
// HTTP, hello/welcome and messages over a WebSocket — and records what runners send, so that the daemon's parts
// can be tested against a socket without starting the whole hub.
import { isUtf8 } from 'node:buffer';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeLogFrame,
  type Hello,
  type HubMessage,
  PROTOCOL_VERSION,
  type RefusalCode,
  type RunnerMessage,
  RunnerMessageSchema,
} from '@floe/shared';
import { type WebSocket, WebSocketServer } from 'ws';

export interface TestHubOptions {
  heartbeatMs?: number;
  leaseMs?: number;
  /** The registration tokens it takes, once each. */
  tokens?: string[];
  /** The credentials it knows; a registration adds one. */
  credentials?: string[];
  /** The welcome's answers for the runs named in hello; default: continue each, nothing stored. */
  answer?: (hello: Hello) => Extract<HubMessage, { type: 'welcome' }>['runs'];
  /** Refuses a hello with this code instead of welcoming it (bad-credential is also said for unknown credentials). */
  refuse?: (hello: Hello) => RefusalCode | undefined;
  /** Sends no heartbeat after the welcome: a hub gone silent. */
  silent?: boolean;
  /** Answers no hello at all: a hub that froze while the runner was saying hello. */
  mute?: boolean;
  /** The protocol version its welcome agrees on; default PROTOCOL_VERSION (an older hub: a lower one). */
  protocol?: number;
}

export interface TestHub {
  /** http://127.0.0.1:<port> */
  url: string;
  hellos: Hello[];
  registrations: { token: string; name: string }[];
  /** Every message after hello, from every runner socket, in order (a binary log frame as the `record` message
   * of its records). */
  messages: RunnerMessage[];
  /** How many of them came as binary log frames. */
  readonly binaryFrames: number;
  /** Resolves with the first message after `from` (an index into `messages`) that matches. */
  next<T extends RunnerMessage['type']>(
    type: T,
    from?: number,
  ): Promise<Extract<RunnerMessage, { type: T }> & { index: number }>;
  /** Resolves once `count` hellos have come. */
  helloCount(count: number): Promise<void>;
  /** Sends to the newest welcomed socket (a string as it is: a frame the runner may not be able to read). */
  send(message: HubMessage | string): void;
  /** Closes the runner sockets (the hub restarting), keeping the server up. */
  dropSockets(): void;
  close(): Promise<void>;
}

export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const tokens = new Set(options.tokens ?? []);
  const credentials = new Set(options.credentials ?? []);
  const hellos: Hello[] = [];
  const registrations: { token: string; name: string }[] = [];
  const messages: RunnerMessage[] = [];
  let binaryFrames = 0;
  const sockets: WebSocket[] = [];
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const until = async (found: () => boolean) => {
    while (!found())
      await new Promise<void>((resolve) => {
        const waiter = () => {
          waiters.delete(waiter);
          resolve();
        };
        waiters.add(waiter);
      });
  };

  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.method !== 'POST' || request.url !== '/api/runners/register') {
        response.writeHead(404).end();
        return;
      }
      const { token, name } = JSON.parse(body) as { token: string; name: string };
      registrations.push({ token, name });
      wake();
      if (!tokens.delete(token)) {
        response.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"bad token"}');
        return;
      }
      const credential = `cred-${name}-${registrations.length}`;
      credentials.add(credential);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ runnerId: `r-${name}`, credential }));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (request, socket, head) => {
    if (request.url !== '/api/runners/connect') return socket.destroy();
    wss.handleUpgrade(request, socket, head, (ws) => {
      let welcomed = false;
      ws.on('message', (data, isBinary) => {
        const message = isBinary ? binaryRecords(data as Buffer) : RunnerMessageSchema.parse(JSON.parse(String(data)));
        if (isBinary) binaryFrames += 1;
        if (welcomed || message.type !== 'hello') {
          messages.push(message);
          wake();
          return;
        }
        hellos.push(message);
        wake();
        if (options.mute) return;
        const code = options.refuse?.(message) ?? (credentials.has(message.credential) ? undefined : 'bad-credential');
        if (code) {
          ws.send(JSON.stringify({ type: 'refused', code, message: `refused: ${code}`, protocol: PROTOCOL_VERSION }));
          ws.close();
          return;
        }
        welcomed = true;
        sockets.push(ws);
        const heartbeatMs = options.heartbeatMs ?? 1_000;
        ws.send(
          JSON.stringify({
            type: 'welcome',
            protocol: options.protocol ?? PROTOCOL_VERSION,
            runnerId: 'r-test',
            heartbeatMs,
            leaseMs: options.leaseMs ?? 3_000,
            runs:
              options.answer?.(message) ??
              message.runs.map((run) => ({ ...run, action: 'continue' as const, ackedSeq: 0 })),
          }),
        );
        if (options.silent) return;
        const beat = setInterval(() => ws.send('{"type":"heartbeat"}'), heartbeatMs);
        ws.on('close', () => clearInterval(beat));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    hellos,
    registrations,
    messages,
    get binaryFrames() {
      return binaryFrames;
    },
    async next(type, from = 0) {
      let index = -1;
      await until(() => {
        index = messages.findIndex((message, i) => i >= from && message.type === type);
        return index >= 0;
      });
      // biome-ignore lint/suspicious/noExplicitAny: the message at index is of the type looked for
      return { ...(messages[index] as any), index };
    },
    helloCount: (count) => until(() => hellos.length >= count),
    send(message) {
      sockets.at(-1)?.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    dropSockets() {
      for (const ws of sockets.splice(0)) ws.terminate();
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A binary log frame as the `record` message of its records, text decoded; a bad one throws (a test fails). */
export function binaryRecords(frame: Buffer): RunnerMessage {
  const decoded = decodeLogFrame(frame, isUtf8);
  if (!decoded.ok) throw new Error(decoded.message);
  const { runId, epoch, records } = decoded.header;
  return {
    type: 'record',
    runId,
    epoch,
    records: records.map(({ bytes: _, stream, at, ...record }, i) => ({
      kind: 'log' as const,
      ...record,
      chunk: { stream, at, text: Buffer.from(decoded.texts[i] as Uint8Array).toString('utf8') },
    })),
  };
}
