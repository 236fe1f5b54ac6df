import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@floe/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { batchLines, RunSpool, type SpooledBatch } from './run-spool.js';

const log = (seq: number, text = `line ${seq}\n`): RunRecord => ({
  kind: 'log',
  seq,
  node: 'build',
  attempt: 1,
  chunk: { stream: 'out', at: 1_000 + seq, text },
});
const seqs = (spool: RunSpool, from: number, maxBytes = 1 << 20) =>
  batchLinesOf(spool.read(from, maxBytes)).map((line) => (JSON.parse(line) as RunRecord).seq);
const batchLinesOf = (batch: SpooledBatch | undefined) => (batch ? batchLines(batch) : []);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'floe-spool-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('run spool', () => {
  it('keeps appended records readable from any seq, as the JSON that was written', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 2, acceptedAt: 5, mark: 'm' });
    spool.append([{ kind: 'start', seq: 1, at: 5 }, log(2)]);
    spool.append([log(3)]);
    expect(spool.lastSeq).toBe(3);
    expect(seqs(spool, 1)).toEqual([1, 2, 3]);
    expect(seqs(spool, 3)).toEqual([3]);
    expect(spool.read(4, 1000)).toBeUndefined();
    expect(JSON.parse(batchLinesOf(spool.read(2, 1000))[0] ?? '')).toEqual(log(2));
    spool.close();
  });

  it('cuts batches by size but always sends at least one record', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    spool.append(Array.from({ length: 10 }, (_, i) => log(i + 1, `${'x'.repeat(90)}\n`)));
    const threeLines = spool.bytesAfter(0) - spool.bytesAfter(3);
    const batch = spool.read(1, threeLines + 5);
    expect(batch).toMatchObject({ firstSeq: 1, lastSeq: 3 });
    expect(batch?.data.length).toBe(threeLines);
    expect(seqs(spool, 4, 1)).toEqual([4]);
    expect(spool.bytesAfter(3)).toBe(spool.bytesAfter(0) - threeLines);
    expect(spool.bytesAfter(10)).toBe(0);
    spool.close();
  });

  it('refuses a record that does not continue the seq', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    spool.append([log(1)]);
    expect(() => spool.append([log(3)])).toThrow(/seq 3 after 1/);
    spool.close();
  });

  it('drops acknowledged records and empties its file once everything is acknowledged', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' }, { compactBytes: 1 });
    spool.append([log(1), log(2), log(3)]);
    spool.ack(2);
    expect(spool.ackedSeq).toBe(2);
    expect(seqs(spool, 1)).toEqual([3]);
    expect(spool.drained).toBe(false);
    spool.ack(3);
    expect(spool.drained).toBe(true);
    expect(statSync(join(spool.dir, 'records.jsonl')).size).toBe(0);
    spool.append([log(4)]);
    expect(seqs(spool, 1)).toEqual([4]);
    spool.ack(2); // an old ack changes nothing
    expect(spool.ackedSeq).toBe(3);
    spool.close();
  });

  it('gives back, after a restart, exactly the records not acknowledged', () => {
    const first = RunSpool.create(root, { runId: 'r/1', epoch: 4, acceptedAt: 7, mark: 'm' }, { compactBytes: 1 });
    first.append([log(1), log(2)]);
    first.ack(2); // compacts: records.jsonl emptied, acked=2 on disk
    first.append([log(3), log(4), log(5)]);
    first.ack(3); // not everything: no compaction, record 3 stays in the file
    first.close(); // what a killed process leaves (nothing is flushed at exit)

    const { spools } = RunSpool.loadAll(root);
    expect(spools).toHaveLength(1);
    const again = spools[0] as RunSpool;
    expect(again.meta).toEqual({ runId: 'r/1', epoch: 4, acceptedAt: 7, mark: 'm', finished: false });
    // The ack of 3 was in memory only: the hub's welcome says what it has; the spool may resend 3, never lose it.
    expect(again.ackedSeq).toBe(2);
    expect(again.lastSeq).toBe(5);
    expect(seqs(again, 1)).toEqual([3, 4, 5]);
    again.append([log(6)]);
    expect(seqs(again, 5)).toEqual([5, 6]);
    again.close();
  });

  it('cuts off a torn last line left by a crash mid-write', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    spool.append([log(1), log(2)]);
    spool.close();
    appendFileSync(join(spool.dir, 'records.jsonl'), '{"kind":"log","seq":3,"no');
    const again = RunSpool.load(spool.dir);
    expect(again.lastSeq).toBe(2);
    again.append([log(3)]);
    expect(seqs(again, 1)).toEqual([1, 2, 3]);
    again.close();
    expect(readFileSync(join(spool.dir, 'records.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('remembers that a run finished, and removes itself when dropped', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    spool.append([log(1)]);
    spool.markFinished();
    spool.close();
    const again = RunSpool.load(spool.dir);
    expect(again.meta.finished).toBe(true);
    again.drop();
    expect(existsSync(spool.dir)).toBe(false);
    expect(RunSpool.loadAll(root).spools).toEqual([]);
  });

  it('removes a spool it made when dropped, compacted or not, and whatever else was put in it', () => {
    const plain = RunSpool.create(root, { runId: 'plain', epoch: 1, acceptedAt: 0, mark: 'm' });
    plain.append([log(1)]);
    plain.markFinished();
    plain.drop();
    expect(existsSync(plain.dir)).toBe(false);
    const compacted = RunSpool.create(
      root,
      { runId: 'compacted', epoch: 1, acceptedAt: 0, mark: 'm' },
      { compactBytes: 1 },
    );
    compacted.append([log(1)]);
    compacted.ack(1);
    expect(existsSync(join(compacted.dir, 'acked'))).toBe(true);
    compacted.drop();
    expect(existsSync(compacted.dir)).toBe(false);
    // Not the spool's own: a file, and a directory with a file in it, that someone else put there.
    const crowded = RunSpool.create(root, { runId: 'crowded', epoch: 1, acceptedAt: 0, mark: 'm' });
    appendFileSync(join(crowded.dir, 'meta.json.tmp'), 'x');
    mkdirSync(join(crowded.dir, 'sub'));
    appendFileSync(join(crowded.dir, 'sub', 'f'), 'x');
    crowded.drop();
    expect(existsSync(crowded.dir)).toBe(false);
    // Gone already (removed by hand): dropping it again is no error.
    expect(() => crowded.drop()).not.toThrow();
    expect(readdirSync(root)).toEqual([]);
  });

  it('replaces a leftover spool of the same run when the run is accepted again', () => {
    const old = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    old.append([log(1), log(2)]);
    old.close();
    appendFileSync(join(old.dir, 'stray'), 'x');
    const fresh = RunSpool.create(root, { runId: 'r1', epoch: 2, acceptedAt: 0, mark: 'm' });
    expect(fresh.lastSeq).toBe(0);
    expect(readdirSync(fresh.dir).sort()).toEqual(['meta.json', 'records.jsonl']);
    fresh.close();
    expect(RunSpool.load(fresh.dir)).toMatchObject({ lastSeq: 0, meta: { epoch: 2 } });
    // A spool root removed under the runner is made again.
    rmSync(root, { recursive: true });
    RunSpool.create(root, { runId: 'r2', epoch: 1, acceptedAt: 0, mark: 'm' }).close();
    expect(readdirSync(root)).toEqual(['r2']);
  });

  it('removes a spool it cannot read instead of failing the runner', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    spool.close();
    appendFileSync(join(spool.dir, 'meta.json'), 'garbage');
    expect(RunSpool.loadAll(root)).toEqual({ spools: [], unreadable: ['r1'] });
    expect(existsSync(spool.dir)).toBe(false);
  });
});
