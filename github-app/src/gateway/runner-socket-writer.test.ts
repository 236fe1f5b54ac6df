import { MAX_FRAME_BYTES } from '@floe/shared';
import type { FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type SocketPair, socketPair } from '../testing/socket-pair.js';
import { CLOSE_POLICY, RunnerSocketWriter } from './runner-socket-writer.js';

const WELCOME = { type: 'welcome' as const, protocol: 1, runnerId: 'r1', heartbeatMs: 1000, leaseMs: 5000, runs: [] };

describe('RunnerSocketWriter', () => {
  let pair: SocketPair;
  afterEach(() => pair.close());

  const writerOf = (logged: string[] = []) =>
    new RunnerSocketWriter(
      pair.server,
      pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line).msg) }) as FastifyBaseLogger,
    );

  it('holds what the core sends until the welcome, then sends it after the welcome, in order', async () => {
    pair = await socketPair();
    const writer = writerOf();
    writer.send({ type: 'cancel', runId: 'run-1', epoch: 1, by: 'ann' });
    writer.send({ type: 'heartbeat' });
    writer.welcome(WELCOME);
    writer.send({ type: 'ack', runId: 'run-1', seq: 3 });
    await pair.frame('ack');
    expect(pair.received.map((frame) => frame.type)).toEqual(['welcome', 'cancel', 'heartbeat', 'ack']);
  });

  it('does not send a message too large for the runner, says so, and goes on with the next', async () => {
    pair = await socketPair();
    const logged: string[] = [];
    const writer = writerOf(logged);
    writer.welcome(WELCOME);
    writer.write({ type: 'error', code: 'internal', message: 'x'.repeat(MAX_FRAME_BYTES + 1) });
    writer.write({ type: 'heartbeat' });
    await pair.frame('heartbeat');
    expect(pair.received.map((frame) => frame.type)).toEqual(['welcome', 'heartbeat']);
    expect(logged).toContain('message for runner too large; not sent');
  });

  it('refuses with a frame that says why and the versions it speaks, then closes as a policy violation', async () => {
    pair = await socketPair();
    const writer = writerOf();
    writer.refuse('bad-credential', 'runner credential rejected');
    expect(await pair.frame('refused')).toMatchObject({
      code: 'bad-credential',
      message: 'runner credential rejected',
    });
    expect(await pair.closed).toBe(CLOSE_POLICY);
    writer.write({ type: 'heartbeat' });
    expect(writer.closed).toBe(true);
    expect(pair.received.map((frame) => frame.type)).toEqual(['refused']);
  });
});
