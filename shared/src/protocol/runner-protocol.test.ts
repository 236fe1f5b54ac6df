import { describe, expect, it } from 'vitest';
import { testFlow } from '../testing/test-flow.js';
import {
  decodeFrame,
  type HubMessage,
  HubMessageSchema,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  type RunnerMessage,
  RunnerMessageSchema,
} from './runner-protocol.js';

const spec = {
  id: 'r-1',
  number: 7,
  flow: testFlow({ id: 'build', tasks: [{ id: 'make', listen: 'trigger.good', type: 'exec', opts: { cmd: 'make' } }] }),
  data: { branch: 'main' },
  secrets: {},
  trust: 'untrusted' as const,
};

// One example of every message type: adding a type without a round-trip here fails the `covers` checks.
const runnerMessages: RunnerMessage[] = [
  {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    credential: 'cred',
    name: 'vm-1',
    tags: ['linux', 'docker'],
    slots: 2,
    version: '0.1.0',
    runs: [{ runId: 'r-1', epoch: 3, ackedSeq: 10 }],
  },
  { type: 'accept', runId: 'r-1', epoch: 1 },
  { type: 'decline', runId: 'r-1', epoch: 1, reason: 'no free slot' },
  { type: 'heartbeat', runs: [{ runId: 'r-1', epoch: 1 }] },
  {
    type: 'record',
    runId: 'r-1',
    epoch: 1,
    records: [
      { kind: 'start', seq: 1, at: 1000 },
      { kind: 'log', seq: 2, node: 'make', attempt: 1, chunk: { stream: 'out', at: 1001, text: 'ok\n' } },
      {
        kind: 'input',
        seq: 3,
        input: { type: 'task-finished', node: 'make', attempt: 1, outcome: { kind: 'exited', exitCode: 0 }, at: 1002 },
      },
      { kind: 'input', seq: 4, input: { type: 'lost', runner: 'vm-1', at: 1003 } },
    ],
  },
  // Protocol 2: the runner's slots, the default max-parallel of a matrix (docs/runners.md "Matrices").
  { type: 'record', runId: 'r-2', epoch: 1, records: [{ kind: 'start', seq: 1, at: 1000, parallel: 2 }] },
  { type: 'draining' },
];

const hubMessages: HubMessage[] = [
  {
    type: 'welcome',
    protocol: PROTOCOL_VERSION,
    runnerId: 'rn-1',
    heartbeatMs: 1000,
    leaseMs: 3000,
    runs: [{ runId: 'r-1', epoch: 3, action: 'continue', ackedSeq: 10 }],
  },
  { type: 'refused', code: 'bad-credential', message: 're-register', protocol: PROTOCOL_VERSION },
  { type: 'offer', runId: 'r-1', epoch: 1, leaseMs: 3000, run: spec },
  { type: 'ack', runId: 'r-1', seq: 4 },
  { type: 'accepted', runId: 'r-1', epoch: 2 },
  { type: 'cancel', runId: 'r-1', epoch: 1, by: 'ann' },
  { type: 'data', runId: 'r-1', epoch: 1, node: 'approve', values: { ok: 'yes' }, by: 'ann', reject: false },
  { type: 'stop', runId: 'r-1', epoch: 1, reason: 'stale epoch' },
  { type: 'heartbeat' },
  { type: 'drain', drained: true },
  { type: 'drain', drained: false },
  { type: 'error', code: 'bad-json', message: 'frame is not JSON' },
];

describe('runner protocol', () => {
  it('refuses an offer whose flow is not a whole resolved flow', () => {
    const offer = (flow: unknown) =>
      decodeFrame(
        HubMessageSchema,
        JSON.stringify({ type: 'offer', runId: 'r', epoch: 1, leaseMs: 1, run: { ...spec, flow } }),
      );
    expect(offer(spec.flow).ok).toBe(true);
    // A task without a name (not resolved), a task type no runner knows, a key the flow language does not have.
    const [make] = spec.flow.tasks;
    const { name: _name, ...unnamed } = make!;
    expect(offer({ ...spec.flow, tasks: [unnamed] }).ok).toBe(false);
    expect(offer({ ...spec.flow, tasks: [{ ...make, type: 'docker' }] }).ok).toBe(false);
    expect(offer({ ...spec.flow, 'run-as-root': true }).ok).toBe(false);
  });

  it('takes a run whose hub does not say its trust as untrusted', () => {
    const { trust: _trust, ...unsaid } = spec;
    const decoded = decodeFrame(
      HubMessageSchema,
      JSON.stringify({ type: 'offer', runId: 'r', epoch: 1, leaseMs: 1, run: unsaid }),
    );
    expect(decoded.ok && decoded.message.type === 'offer' && decoded.message.run.trust).toBe('untrusted');
  });

  it.each(runnerMessages.map((m) => [m.type, m] as const))('round-trips the runner message %s', (_, message) => {
    expect(decodeFrame(RunnerMessageSchema, JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it.each(hubMessages.map((m) => [m.type, m] as const))('round-trips the hub message %s', (_, message) => {
    expect(decodeFrame(HubMessageSchema, JSON.stringify(message))).toEqual({ ok: true, message });
  });

  it('covers every message type in the round trips', () => {
    expect(new Set(runnerMessages.map((m) => m.type))).toEqual(new Set(RunnerMessageSchema.options.map(typeOf)));
    expect(new Set(hubMessages.map((m) => m.type))).toEqual(new Set(HubMessageSchema.options.map(typeOf)));
  });

  it('decodes binary frames like text frames', () => {
    const frame = new TextEncoder().encode(JSON.stringify(runnerMessages[1]));
    expect(decodeFrame(RunnerMessageSchema, frame)).toEqual({ ok: true, message: runnerMessages[1] });
  });

  it.each([
    ['garbage', 'not json {', 'bad-json'],
    ['an unknown type', '{"type":"reboot"}', 'bad-message'],
    ['a missing field', '{"type":"accept","runId":"r-1"}', 'bad-message'],
    ['a negative epoch', '{"type":"accept","runId":"r-1","epoch":-1}', 'bad-message'],
    ['an empty record batch', '{"type":"record","runId":"r-1","epoch":1,"records":[]}', 'bad-message'],
    [
      'a record with seq 0',
      '{"type":"record","runId":"r","epoch":1,"records":[{"kind":"start","seq":0,"at":1}]}',
      'bad-message',
    ],
    ['a JSON array', '[1,2]', 'bad-message'],
    ['null', 'null', 'bad-message'],
  ])('refuses %s with a code and a sentence', (_, frame, code) => {
    const decoded = decodeFrame(RunnerMessageSchema, frame);
    expect(decoded).toMatchObject({ ok: false, code });
    expect(decoded.ok ? '' : decoded.message).not.toBe('');
  });

  it('names where an invalid message is wrong', () => {
    const decoded = decodeFrame(RunnerMessageSchema, '{"type":"accept","runId":"r-1","epoch":"x"}');
    expect(decoded.ok ? '' : decoded.message).toContain('epoch');
  });

  it('refuses a frame over MAX_FRAME_BYTES, counting UTF-8 bytes', () => {
    const pad = 'é'.repeat(MAX_FRAME_BYTES / 2); // 2 bytes each: just over the limit once wrapped in JSON
    const frame = JSON.stringify({ type: 'decline', runId: 'r', epoch: 1, reason: pad });
    expect(frame.length).toBeLessThan(MAX_FRAME_BYTES);
    expect(decodeFrame(RunnerMessageSchema, frame)).toMatchObject({ ok: false, code: 'bad-message' });
    const fits = JSON.stringify({ type: 'decline', runId: 'r', epoch: 1, reason: 'é'.repeat(MAX_FRAME_BYTES / 4) });
    expect(decodeFrame(RunnerMessageSchema, fits)).toMatchObject({ ok: true });
  });

  it('refuses a hub message the runner does not know', () => {
    expect(decodeFrame(HubMessageSchema, '{"type":"upgrade","to":"9"}')).toMatchObject({ ok: false });
  });
});

function typeOf(option: { shape: { type: { value: unknown } } }): unknown {
  return option.shape.type.value;
}
