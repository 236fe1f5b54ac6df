import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@floe/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spooledRecords } from '../testing/spooled-records.js';
import { RunSpool } from './run-spool.js';

const log = (seq: number, text = `line ${seq}\n`): Extract<RunRecord, { kind: 'log' }> => ({
  kind: 'log',
  seq,
  node: 'build',
  attempt: 1,
  chunk: { stream: 'out', at: 1_000 + seq, text },
});
const seqs = (spool: RunSpool, from: number, maxBytes = 1 << 20) =>
  (spool.entries(from, maxBytes) ?? []).map((entry) => entry.seq);

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'floe-spool-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('run spool', () => {
  it('keeps appended records readable from any seq, as they were appended', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 2, acceptedAt: 5, mark: 'm' });
    spool.append([{ kind: 'start', seq: 1, at: 5 }, log(2)]);
    spool.append([log(3)]);
    expect(spool.lastSeq).toBe(3);
    expect(seqs(spool, 1)).toEqual([1, 2, 3]);
    expect(seqs(spool, 3)).toEqual([3]);
    expect(spool.entries(4, 1000)).toBeUndefined();
    expect(spooledRecords(spool, 2)).toEqual([log(2), log(3)]);
    spool.close();
  });

  it('keeps any text exactly: quotes, backslashes, newlines, control bytes, other scripts, empty', () => {
    const texts = [
      '',
      'a "quoted" \\ back\nslash\n',
      '\u0001\u0000\t\r\n',
      'é 漢字 🎉\n',
      '\ud800 lone',
      'x'.repeat(300_000),
    ];
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    const records = texts.map((text, i) => ({ ...log(i + 1, text), node: i === 2 ? 'n"ode\n漢' : 'build' }));
    spool.append(records);
    spool.close();
    const again = RunSpool.load(spool.dir);
    expect(again.lastSeq).toBe(texts.length);
    // A lone surrogate cannot be UTF-8: it becomes U+FFFD, as anything written as UTF-8 does.
    expect(spooledRecords(again)).toEqual(
      records.map((record) => ({
        ...record,
        chunk: { ...record.chunk, text: Buffer.from(record.chunk.text).toString() },
      })),
    );
    again.close();
  });

  it('cuts batches by size but always sends at least one record', () => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    spool.append(Array.from({ length: 10 }, (_, i) => log(i + 1, `${'x'.repeat(90)}\n`)));
    const threeLines = spool.bytesAfter(0) - spool.bytesAfter(3);
    const entries = spool.entries(1, threeLines + 5) ?? [];
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect((entries.at(-1)?.end ?? 0) - (entries[0]?.start ?? 0)).toBe(threeLines);
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
    expect(statSync(join(spool.dir, 'records.spool')).size).toBe(0);
    spool.append([log(4)]);
    expect(seqs(spool, 1)).toEqual([4]);
    spool.ack(2); // an old ack changes nothing
    expect(spool.ackedSeq).toBe(3);
    spool.close();
  });

  it('gives back, after a restart, exactly the records not acknowledged', () => {
    const first = RunSpool.create(root, { runId: 'r/1', epoch: 4, acceptedAt: 7, mark: 'm' }, { compactBytes: 1 });
    first.append([log(1), log(2)]);
    first.ack(2); // compacts: records.spool emptied, acked=2 on disk
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

  it.each([
    ['a header without its newline', '{"seq":3,"node":"build","attempt":1,"stream":"out","at":3'],
    [
      'a text shorter than its length',
      '{"seq":3,"node":"build","attempt":1,"stream":"out","at":3,"bytes":         9}\nline',
    ],
    ['a text without its newline', '{"seq":3,"node":"build","attempt":1,"stream":"out","at":3,"bytes":2}\nab'],
    ['a text not followed by a newline', '{"seq":3,"node":"build","attempt":1,"stream":"out","at":3,"bytes":1}\nabc\n'],
    ['a JSON record without its newline', '{"kind":"input","seq":3,"inp'],
    ['zeros (a machine crash)', '\0'.repeat(4096)],
    ['a length past the end', '{"seq":3,"node":"build","attempt":1,"stream":"out","at":3,"bytes":1e300}\nab\n'],
    ['a negative length', '{"seq":3,"node":"build","attempt":1,"stream":"out","at":3,"bytes":-2}\nab\n'],
    ['a log record spooled as JSON', `${JSON.stringify(log(3))}\n`],
    ['a header of another seq', '{"seq":4,"node":"build","attempt":1,"stream":"out","at":3,"bytes":2}\nab\n'],
  ])('cuts off a torn or bad last entry: %s', (_, tail) => {
    const spool = RunSpool.create(root, { runId: 'r1', epoch: 1, acceptedAt: 0, mark: 'm' });
    spool.append([log(1), log(2)]);
    spool.close();
    const whole = statSync(join(spool.dir, 'records.spool')).size;
    appendFileSync(join(spool.dir, 'records.spool'), tail);
    const again = RunSpool.load(spool.dir);
    expect(again.lastSeq).toBe(2);
    expect(statSync(join(spool.dir, 'records.spool')).size).toBe(whole);
    again.append([log(3)]);
    expect(spooledRecords(again)).toEqual([log(1), log(2), log(3)]);
    again.close();
  });

  it('loads and sends a spool a runner older than records.spool left (records.jsonl), then keeps it as records.spool', () => {
    const dir = join(root, 'old');
    mkdirSync(dir);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ runId: 'old', epoch: 3, acceptedAt: 1, mark: 'm' }));
    writeFileSync(join(dir, 'acked'), '2');
    const old: RunRecord[] = [
      log(2),
      log(3, 'a "quoted"\\ line\n\u0001é\n'),
      { kind: 'input', seq: 4, input: { type: 'cancel', by: 'x', at: 0 } },
      log(5, ''),
    ];
    // Every record a JSON line, as an older runner wrote them; its last line torn by a crash.
    writeFileSync(
      join(dir, 'records.jsonl'),
      `${old.map((record) => JSON.stringify(record)).join('\n')}\n{"kind":"log","se`,
    );
    // A rewrite that a crash cut short: records.jsonl is still the spool's records.
    writeFileSync(join(dir, 'records.spool'), '{"seq":3,"node":"build","att');
    const spool = RunSpool.load(dir);
    expect([spool.ackedSeq, spool.lastSeq]).toEqual([2, 5]);
    expect(spooledRecords(spool)).toEqual(old.slice(1));
    expect(existsSync(join(dir, 'records.jsonl'))).toBe(false);
    spool.append([log(6)]);
    spool.close();
    const again = RunSpool.load(dir);
    expect(spooledRecords(again)).toEqual([...old.slice(1), log(6)]);
    again.close();
  });

  it('keeps a records.jsonl out of seq up to where it breaks, as the old loader did', () => {
    const dir = join(root, 'gap');
    mkdirSync(dir);
    writeFileSync(join(dir, 'meta.json'), JSON.stringify({ runId: 'gap', epoch: 1, acceptedAt: 1, mark: 'm' }));
    writeFileSync(join(dir, 'records.jsonl'), [log(1), log(2), log(4)].map((r) => `${JSON.stringify(r)}\n`).join(''));
    const spool = RunSpool.load(dir);
    expect(spooledRecords(spool)).toEqual([log(1), log(2)]);
    spool.close();
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
    expect(readdirSync(fresh.dir).sort()).toEqual(['meta.json', 'records.spool']);
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
