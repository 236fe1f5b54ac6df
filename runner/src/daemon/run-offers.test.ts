import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROTOCOL_VERSION, parseFloeFile, type RunRecord, type Trust } from '@floe/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubSession, openHubSession } from '../connection/open-hub-session.js';
import { SpoolReserve } from '../spool/spool-reserve.js';
import { startTestHub, type TestHub } from '../testing/test-hub.js';
import { HeldRuns } from './held-runs.js';
import { RecordPump } from './record-pump.js';
import { type Offer, RunOffers } from './run-offers.js';

let workDir: string;
let hub: TestHub;
let session: HubSession;
let runs: HeldRuns;
let offers: RunOffers;
let refusal: string | undefined;
let accepted: number;
let ended: number;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'floe-offers-'));
  hub = await startTestHub({ credentials: ['cred'] });
  runs = new HeldRuns();
  session = await openHubSession({
    hubUrl: hub.url,
    hello: {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      credential: 'cred',
      name: 't',
      tags: [],
      slots: 1,
      version: '0',
      runs: [],
    },
    onWelcome: () => undefined,
    // What the daemon does with acknowledgements: the run's gate opens at the first.
    onMessage: (message) => {
      if (message.type === 'ack') runs.acked(message.runId, message.seq);
    },
    heldRuns: () => [],
  });
  const reserve = new SpoolReserve(join(workDir, 'spool'), 0);
  const pump = new RecordPump({ runs, reserve, batchMs: 0, batchBytes: 1024 * 1024, session: () => session });
  refusal = undefined;
  accepted = 0;
  ended = 0;
  offers = new RunOffers({
    config: { slots: 1, workDir, killGrace: 500 },
    logger: pino({ level: 'silent' }),
    runs,
    pump,
    reserve,
    spoolRoot: join(workDir, 'spool'),
    instance: 'test',
    baseEnv: { PATH: process.env.PATH ?? '' },
    endpoint: () => undefined,
    session: () => session,
    refusal: () => refusal,
    onAccepted: () => accepted++,
    onDriverEnded: () => ended++,
  });
});
afterEach(async () => {
  for (const run of runs.values()) runs.kill(run);
  session.close();
  await hub.close();
  await rm(workDir, { recursive: true, force: true });
});

function offer(runId: string, shell: string, trust: Trust = 'trusted', epoch = 1): Offer {
  const parsed = parseFloeFile(`
id: f
tasks:
  - {id: say, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(shell)}}}
`);
  const flow = parsed.flows[0];
  if (!flow) throw new Error(parsed.diagnostics.map((d) => d.message).join('\n'));
  return {
    type: 'offer',
    runId,
    epoch,
    leaseMs: 10_000,
    run: { id: runId, number: 1, flow, data: {}, secrets: {}, trust },
  };
}

/** Acknowledges every record frame as a hub that stored it would, collecting the records (runs on in the
 * background). */
function acknowledgeAll(): RunRecord[] {
  const records: RunRecord[] = [];
  void (async () => {
    for (let from = 0; ; ) {
      const frame = await hub.next('record', from);
      from = frame.index + 1;
      records.push(...frame.records);
      hub.send({ type: 'ack', runId: frame.runId, seq: frame.records.at(-1)?.seq ?? 0 });
    }
  })();
  return records;
}

describe('RunOffers', () => {
  it('accepts a run, sends its start, runs its tasks once the hub has stored the start, and forgets it once delivered', async () => {
    offers.offer(offer('run-1', 'echo hello from the task'), session);
    const accept = await hub.next('accept');
    const first = await hub.next('record');
    expect(accept.index).toBeLessThan(first.index);
    expect(accept).toMatchObject({ runId: 'run-1', epoch: 1 });
    expect(first.records.map((record) => record.kind)).toEqual(['start']);
    expect(accepted).toBe(1);
    expect(runs.slotsTaken()).toBe(1);

    const records = acknowledgeAll();
    await expect.poll(() => runs.size, { timeout: 20_000 }).toBe(0);
    const text = records.map((record) => (record.kind === 'log' ? record.chunk.text : '')).join('');
    expect(text).toContain('hello from the task');
    expect(ended).toBe(1);
  });

  it('never executes a run the hub gives to another runner before it has stored its start', async () => {
    const marker = join(workDir, 'executed');
    offers.offer(offer('run-1', `touch ${marker}`), session);
    await hub.next('accept');
    const run = runs.get('run-1');
    runs.stopAt('run-1', 1, 'the hub could not store the accept');
    await run?.driver?.done;
    expect(existsSync(marker)).toBe(false);
    expect(runs.size).toBe(0);
  });

  it('declines saying why: no free slot, the runner draining, untrusted code without a sandbox', async () => {
    offers.offer(offer('run-1', 'sleep 30'), session);
    await hub.next('accept');
    offers.offer(offer('run-2', 'true'), session);
    expect(await hub.next('decline')).toMatchObject({ runId: 'run-2', reason: 'no free slot' });

    // The run held is offered again at its epoch (an accept the hub did not hear): accepted again, not run twice.
    const before = hub.messages.length;
    offers.offer(offer('run-1', 'sleep 30'), session);
    expect(await hub.next('accept', before)).toMatchObject({ runId: 'run-1', epoch: 1 });
    expect(accepted).toBe(1);

    runs.stop(runs.get('run-1') as NonNullable<ReturnType<typeof runs.get>>, 'test');
    refusal = 'the runner is draining';
    const draining = hub.messages.length;
    offers.offer(offer('run-3', 'true'), session);
    expect(await hub.next('decline', draining)).toMatchObject({ runId: 'run-3', reason: 'the runner is draining' });

    refusal = undefined;
    const untrusted = hub.messages.length;
    offers.offer(offer('run-4', 'true', 'untrusted'), session);
    expect(await hub.next('decline', untrusted)).toMatchObject({
      runId: 'run-4',
      reason: 'this runner runs no untrusted code: no sandbox',
    });
    expect(runs.get('run-3')).toBeUndefined();
    expect(runs.get('run-4')).toBeUndefined();
  });
});
