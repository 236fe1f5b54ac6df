import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type RunnerMessage,
  type RunRecord,
  SINCE_PROTOCOL,
} from '@floe/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type HubSession, openHubSession } from '../connection/open-hub-session.js';
import { RunSpool } from '../spool/run-spool.js';
import { SpoolReserve } from '../spool/spool-reserve.js';
import { startTestHub, type TestHub } from '../testing/test-hub.js';
import { type HeldRun, HeldRuns } from './held-runs.js';
import { RecordPump } from './record-pump.js';

let root: string;
let hub: TestHub;
let session: HubSession | undefined;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'floe-pump-'));
  hub = await startTestHub({ credentials: ['cred'] });
});
afterEach(async () => {
  session?.close();
  session = undefined;
  await hub.close();
  await rm(root, { recursive: true, force: true });
});

async function connect(): Promise<HubSession> {
  session = await openHubSession({
    hubUrl: hub.url,
    hello: {
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      minProtocol: MIN_PROTOCOL_VERSION,
      credential: 'cred',
      name: 't',
      tags: [],
      slots: 1,
      version: '0',
      runs: [],
    },
    onWelcome: () => undefined,
    onMessage: () => undefined,
    heldRuns: () => [],
  });
  return session;
}

function hold(runs: HeldRuns, runId: string): HeldRun {
  const run: HeldRun = {
    runId,
    epoch: 1,
    spool: RunSpool.create(root, { runId, epoch: 1, acceptedAt: 0, mark: 'm' }),
    running: true,
    pending: [],
    sentSeq: 0,
    log: pino({ level: 'silent' }),
  };
  runs.add(run);
  return run;
}

const lost = (seq: number, runner = 'r'): RunRecord => ({ kind: 'input', seq, input: { type: 'lost', runner, at: 0 } });
const seqs = (message: RunnerMessage) => (message.type === 'record' ? message.records.map((record) => record.seq) : []);

/** A test hub of `protocol` in place of the one there, connected, and a run held with its pump. */
async function hubOf(protocol: number) {
  await hub.close();
  hub = await startTestHub({ credentials: ['cred'], protocol });
  await connect();
  const runs = new HeldRuns();
  const run = hold(runs, `run-${protocol}`);
  return { run, records: pump(runs) };
}

function pump(runs: HeldRuns, options: { batchMs?: number; batchBytes?: number } = {}) {
  return new RecordPump({
    runs,
    reserve: new SpoolReserve(join(root, 'reserve'), 0),
    batchMs: options.batchMs ?? 0,
    batchBytes: options.batchBytes ?? 1024 * 1024,
    session: () => session,
    retryMs: 20,
  });
}

describe('RecordPump', () => {
  it("spools a tick's records with one write, then sends them in one frame", async () => {
    await connect();
    const runs = new HeldRuns();
    const run = hold(runs, 'run-1');
    const records = pump(runs);
    for (const seq of [1, 2, 3]) records.push(run, lost(seq));
    expect(run.spool.lastSeq).toBe(0);
    const frame = await hub.next('record');
    expect(frame).toMatchObject({ runId: 'run-1', epoch: 1 });
    expect(seqs(frame)).toEqual([1, 2, 3]);
    expect(run.spool.entries(1, 1024 * 1024)?.at(-1)?.seq).toBe(3);
    expect(run.sentSeq).toBe(3);
    records.close();
  });

  it("spools a run's start at once, before its tasks can start in the same tick, and sends it", async () => {
    await connect();
    const runs = new HeldRuns();
    const run = hold(runs, 'run-1');
    const records = pump(runs);
    records.push(run, { kind: 'start', seq: 1, at: 0 });
    expect([run.spool.lastSeq, run.pending]).toEqual([1, []]);
    expect(seqs(await hub.next('record'))).toEqual([1]);
    records.close();
  });

  it('keeps records in the spool while the hub is away, and sends them all once a session is there', async () => {
    const runs = new HeldRuns();
    const run = hold(runs, 'run-1');
    const records = pump(runs);
    records.push(run, lost(1));
    records.push(run, lost(2));
    records.flushWrites();
    expect([run.spool.lastSeq, run.sentSeq, run.pending]).toEqual([2, 0, []]);
    await connect();
    records.send();
    expect(seqs(await hub.next('record'))).toEqual([1, 2]);
    records.close();
  });

  it('sends report records to a hub that reads them, and to an older hub a log line in their place, same seq', async () => {
    const report: RunRecord = {
      kind: 'report',
      seq: 2,
      node: 'n',
      attempt: 1,
      report: { type: 'summary', markdown: '# hi', truncated: false },
    };
    for (const protocol of [PROTOCOL_VERSION, SINCE_PROTOCOL.reportRecords - 1]) {
      const { run, records } = await hubOf(protocol);
      records.push(run, lost(1));
      records.push(run, report);
      const frame = await hub.next('record');
      const sent = frame.type === 'record' ? frame.records[1] : undefined;
      if (protocol === PROTOCOL_VERSION) expect(sent).toEqual(report);
      else {
        expect(sent).toMatchObject({ kind: 'log', seq: 2, node: 'n', attempt: 1, chunk: { stream: 'sys' } });
        expect(sent?.kind === 'log' && sent.chunk.text).toBe(
          'a summary is not shown: the hub is older than reports (upgrade it)\n',
        );
      }
      records.close();
      session?.close();
    }
  });

  it('sends log records as binary frames to a hub of protocol 6, as JSON to an older one, all in seq order', async () => {
    const logLine = (seq: number, text: string): RunRecord => ({
      kind: 'log',
      seq,
      node: 'n',
      attempt: 1,
      chunk: { stream: 'out', at: seq, text },
    });
    const sent = [lost(1), logLine(2, 'héllo\n'), logLine(3, 'a "quoted" \\ line\n'), lost(4), logLine(5, 'end')];
    for (const protocol of [PROTOCOL_VERSION, SINCE_PROTOCOL.binaryLogs - 1]) {
      const { run, records } = await hubOf(protocol);
      for (const record of sent) records.push(run, record);
      const got: RunRecord[] = [];
      for (let from = 0; got.length < sent.length; ) {
        const frame = await hub.next('record', from);
        got.push(...(frame.type === 'record' ? frame.records : []));
        from = frame.index + 1;
      }
      expect(got).toEqual(sent);
      // Binary: the two runs of log records (2–3 and 5); the others in JSON frames between them.
      expect(hub.binaryFrames).toBe(protocol >= SINCE_PROTOCOL.binaryLogs ? 2 : 0);
      expect(run.sentSeq).toBe(5);
      records.close();
      session?.close();
    }
  });

  it('sends a spool a runner older than records.spool left (records.jsonl), as binary frames', async () => {
    const dir = join(root, 'left');
    await mkdir(dir);
    await writeFile(join(dir, 'meta.json'), JSON.stringify({ runId: 'left', epoch: 1, acceptedAt: 0, mark: 'm' }));
    const old: RunRecord[] = [
      lost(1),
      { kind: 'log', seq: 2, node: 'n', attempt: 1, chunk: { stream: 'out', at: 2, text: 'a "b" \\ é\n' } },
      { kind: 'log', seq: 3, node: 'n', attempt: 1, chunk: { stream: 'err', at: 3, text: 'x'.repeat(70_000) } },
    ];
    await writeFile(join(dir, 'records.jsonl'), old.map((record) => `${JSON.stringify(record)}\n`).join(''));
    await connect();
    const runs = new HeldRuns();
    const run: HeldRun = {
      runId: 'left',
      epoch: 1,
      spool: RunSpool.load(dir),
      running: false,
      pending: [],
      sentSeq: 0,
      log: pino({ level: 'silent' }),
    };
    runs.add(run);
    const records = pump(runs);
    records.send();
    const got: RunRecord[] = [];
    for (let from = 0; got.length < old.length; ) {
      const frame = await hub.next('record', from);
      got.push(...(frame.type === 'record' ? frame.records : []));
      from = frame.index + 1;
    }
    expect(got).toEqual(old);
    expect(hub.binaryFrames).toBe(1);
    records.close();
  });

  it('keeps JSON frames to an older hub within batchBytes, though escaping makes them larger than the spool', async () => {
    // \u0001 takes 1 byte spooled and 6 in JSON: 20 000 of them are 120 000 bytes a record once escaped.
    const text = '\u0001'.repeat(20_000);
    const { run, records } = await hubOf(SINCE_PROTOCOL.binaryLogs - 1);
    const runs = new HeldRuns();
    runs.add(run);
    const small = pump(runs, { batchBytes: 200_000 });
    records.close();
    for (let seq = 1; seq <= 4; seq++)
      small.push(run, { kind: 'log', seq, node: 'n', attempt: 1, chunk: { stream: 'out', at: seq, text } });
    const frames: number[][] = [];
    for (let from = 0; frames.flat().length < 4; ) {
      const frame = await hub.next('record', from);
      frames.push(seqs(frame));
      expect(frame.type === 'record' && frame.records.every((r) => r.kind === 'log' && r.chunk.text === text)).toBe(
        true,
      );
      from = frame.index + 1;
    }
    expect(frames).toEqual([[1], [2], [3], [4]]);
    small.close();
  });

  it('sends in frames of at most batchBytes each, in seq order', async () => {
    await connect();
    const runs = new HeldRuns();
    const run = hold(runs, 'run-1');
    const oneRecord = JSON.stringify(lost(1, 'x'.repeat(100))).length + 1;
    const records = pump(runs, { batchBytes: 2 * oneRecord });
    for (let seq = 1; seq <= 5; seq++) records.push(run, lost(seq, 'x'.repeat(100)));
    records.flushWrites();
    const frames: number[][] = [];
    for (let from = 0; frames.flat().length < 5; ) {
      const frame = await hub.next('record', from);
      frames.push(seqs(frame));
      from = frame.index + 1;
    }
    expect(frames).toEqual([[1, 2], [3, 4], [5]]);
    records.close();
  });

  it('drops records of a run no longer held (the hub stopped it)', () => {
    const runs = new HeldRuns();
    const run = hold(runs, 'run-1');
    runs.stop(run, 'test');
    const records = pump(runs);
    records.push(run, lost(1));
    expect(run.pending).toEqual([]);
    records.close();
  });

  it('sends again what the hub has not acknowledged after it failed on something (an internal error)', async () => {
    await connect();
    const runs = new HeldRuns();
    const run = hold(runs, 'run-1');
    const records = pump(runs);
    for (const seq of [1, 2, 3]) records.push(run, lost(seq));
    const first = await hub.next('record');
    run.spool.ack(1);
    records.resendUnacknowledged();
    expect(seqs(await hub.next('record', first.index + 1))).toEqual([2, 3]);
    records.close();
  });

  it('holds records in memory, in order, while the spool cannot be written, and sends none of them', async () => {
    await connect();
    const runs = new HeldRuns();
    const run = hold(runs, 'run-1');
    run.spool.close(); // its file is gone from under it: every append fails
    const records = pump(runs);
    records.push(run, lost(1));
    records.push(run, lost(2));
    records.flushWrites();
    expect(run.spoolFailing).toBe(true);
    expect(run.pending.map((record) => record.seq)).toEqual([1, 2]);
    expect(run.sentSeq).toBe(0);
    records.close();
  });
});
