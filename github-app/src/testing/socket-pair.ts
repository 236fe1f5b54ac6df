// Test helper (not exported): a real WebSocket pair on loopback, the server's side handed to the test.
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';

export type SocketPair = {
  /** The hub's side. */
  server: WebSocket;
  /** The runner's side. */
  client: WebSocket;
  /** Every frame the client received, parsed. */
  received: Record<string, unknown>[];
  /** Resolves with the first received frame of `type` (waiting for it if needed). */
  frame(type: string): Promise<Record<string, unknown>>;
  /** Resolves with the close code the client saw. */
  closed: Promise<number>;
  close(): Promise<void>;
};

export async function socketPair(): Promise<SocketPair> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const serverSide = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (frame: Record<string, unknown>) => void }[] = [];
  client.on('message', (data) => {
    const frame = JSON.parse(String(data)) as Record<string, unknown>;
    received.push(frame);
    for (const waiter of waiters.filter((w) => w.type === frame.type)) waiter.resolve(frame);
  });
  const closed = new Promise<number>((resolve) => client.once('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  const server = await serverSide;
  return {
    server,
    client,
    received,
    frame: (type) => {
      const found = received.find((frame) => frame.type === type);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ type, resolve }));
    },
    closed,
    async close() {
      client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
