// The SQLite hub's log files (log-files.ts, log-file-names.ts) on a real file system: names that hostile node ids
// cannot turn into paths out of their run's folder, a disk that fills up mid-write (a small tmpfs: the tests run
// as root, which mounting needs), bytes a crash left past a log's end, and the files going with their run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { LogAppend } from '../store.js';
import { nodeLogFile, nodeLogFileName, runLogDir, storedBytes } from './log-file-names.js';
import { LogFiles } from './log-files.js';
import { openSqliteStore, type SqliteStore, sqliteFile, sqliteLogDir } from './sqlite-store.js';

const root = mkdtempSync(path.join(tmpdir(), 'floe-log-files-'));
let count = 0;
const freshDir = () => path.join(root, `hub-${++count}`);
const mounts: string[] = [];
const stores: SqliteStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
  for (const disk of mounts.splice(0)) spawnSync('umount', ['-l', disk]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const open = (dataDir: string, logDir?: string) => {
  const store = openSqliteStore({ file: sqliteFile(dataDir), logFileMinBytes: 1, ...(logDir ? { logDir } : {}) });
  stores.push(store);
  return store;
};
const line = (text: string | Buffer): LogAppend => ({ node: 'n', attempt: 1, stream: 'out', at: 1, text });
const FLOW = { id: 'f', name: 'f', triggers: [], tasks: [] } as never;
let runs = 0;
const newRun = async (store: SqliteStore) =>
  store.createRun({
    id: `run${++runs}`,
    repo: 'acme',
    flowId: 'f',
    trigger: { type: 'manual', data: {} },
    trust: 'trusted',
    flow: FLOW,
    createdAt: runs,
  });
const wholeLog = async (store: SqliteStore, runId: string, node = 'n') =>
  (await store.readLog(runId, node, 0, 1 << 30)).chunks.map((chunk) => chunk.text).join('');

describe('log file names', () => {
  const hostile = [
    '..',
    '.',
    '',
    'a/b',
    'a\\b',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uD801',
    'x'.repeat(300),
    'ü',
    'u\u0308',
  ];

  it('are distinct, bounded, inside the run folder, and made of safe characters only', () => {
    const names = hostile.map(nodeLogFileName);
    expect(new Set(names).size).toBe(hostile.length);
    for (const name of names) {
      expect(name).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/);
      expect(Buffer.byteLength(name)).toBeLessThanOrEqual(100);
      expect(path.dirname(nodeLogFile('/data/logs', 'abc', hostile[names.indexOf(name)] as string))).toBe(
        '/data/logs/abc',
      );
    }
  });

  it('are made of the id as the database keeps it, lone surrogates too (a backup finds the files by those)', () => {
    const db = new Database(':memory:');
    for (const node of [...hostile, '\uDBFF\uD800', 'a\uD83D\uDE00b', '\uDC00x'])
      expect(storedBytes(node)).toEqual((db.prepare('SELECT CAST(? AS BLOB) AS b').get(node) as { b: Buffer }).b);
    db.close();
  });

  it('refuse a run id the hub would not make', () => {
    for (const runId of ['..', 'a/b', '', 'A', 'x'.repeat(65), 'abc\u0000'])
      expect(() => runLogDir('/l', runId)).toThrow();
    expect(runLogDir('/l', '0mh7abc0000z1x2')).toBe('/l/0mh7abc0000z1x2');
  });

  it('hold each hostile node log apart on disk, inside its run folder, gone with the run', async () => {
    const dataDir = freshDir();
    const store = open(dataDir);
    const run = await newRun(store);
    for (const [i, node] of hostile.entries()) await store.appendLogs(run.id, node, [{ ...line(`log ${i}\n`), node }]);
    for (const [i, node] of hostile.entries()) expect(await wholeLog(store, run.id, node)).toBe(`log ${i}\n`);
    const folder = path.join(sqliteLogDir(dataDir), run.id);
    expect(readdirSync(sqliteLogDir(dataDir))).toEqual([run.id]);
    expect(readdirSync(folder)).toHaveLength(hostile.length);
    await store.archiveRun(run.id, { result: 'good', reason: 'ok', reasonCode: 'cancelled', endedAt: 2 });
    await store.pruneRuns({ endedBefore: 3, keepPerFlow: 100, limit: 10 });
    expect(existsSync(folder)).toBe(false);
  });
});

describe('log files', () => {
  it("take the chunks of 16 KiB or more (the hub's default), leaving a one-task run's few lines in rows", async () => {
    const dataDir = freshDir();
    const store = openSqliteStore({ file: sqliteFile(dataDir) });
    stores.push(store);
    const quiet = await newRun(store);
    await store.appendLogs(quiet.id, 'n', [line('hello\n')]);
    expect(existsSync(sqliteLogDir(dataDir))).toBe(false);
    const chatty = await newRun(store);
    const big = Buffer.alloc(16 * 1024, 'b');
    const parts = ['small 1\n', big, 'small 2\n', Buffer.alloc(100_000, 'c'), 'end\n'];
    await store.appendLogs(
      chatty.id,
      'n',
      parts.slice(0, 3).map((part) => line(part)),
    );
    await store.appendLogs(
      chatty.id,
      'n',
      parts.slice(3).map((part) => line(part)),
    );
    const whole = Buffer.concat(parts.map((part) => Buffer.from(part)));
    expect(await wholeLog(store, chatty.id)).toBe(whole.toString());
    for (const from of [3, 8, 10_000, 16_392, 16_400, 50_000, whole.length - 2])
      expect((await store.readLog(chatty.id, 'n', from, 1 << 30)).chunks.map((c) => c.text).join('')).toBe(
        whole.subarray(from).toString(),
      );
    // The file holds the big chunks at their offsets (the small ones' bytes are in their rows).
    expect(statSync(nodeLogFile(sqliteLogDir(dataDir), chatty.id, 'n')).size).toBe(whole.length - 4);
    expect(readdirSync(sqliteLogDir(dataDir))).toEqual([chatty.id]);
  });

  it('keep the bytes out of the database, in the file of their run and node', async () => {
    const dataDir = freshDir();
    const store = open(dataDir);
    const run = await newRun(store);
    const bytes = Buffer.alloc(3 << 20, 'q');
    await store.appendLogs(run.id, 'n', [line(bytes), line('tail\n')]);
    expect(statSync(nodeLogFile(sqliteLogDir(dataDir), run.id, 'n')).size).toBe(bytes.length + 5);
    expect(statSync(sqliteFile(dataDir)).size + statSync(`${sqliteFile(dataDir)}-wal`).size).toBeLessThan(1 << 20);
    expect(await wholeLog(store, run.id)).toBe(`${bytes.toString()}tail\n`);
  });

  it('take appends to one log from two hubs on one data dir, each at the end the other left', async () => {
    const dataDir = freshDir();
    const [a, b] = [open(dataDir), open(dataDir)];
    const run = await newRun(a);
    const parts = Array.from({ length: 12 }, (_, i) => Buffer.alloc(20_000 + i, String.fromCharCode(97 + i)));
    // In turns (in one process a second connection's BEGIN IMMEDIATE would block the first's commit): each append
    // takes the database's write lock, then the end the other hub's rows left, and writes through its own open file.
    for (const [i, part] of parts.entries()) await (i % 2 === 0 ? a : b).appendLogs(run.id, 'n', [line(part)]);
    const whole = Buffer.concat(parts).toString();
    expect(await wholeLog(a, run.id)).toBe(whole);
    expect(await wholeLog(b, run.id)).toBe(whole);
  });

  it('never serve bytes a crash left past the end of a log, and the next append writes over them', async () => {
    const dataDir = freshDir();
    let store = open(dataDir);
    const run = await newRun(store);
    await store.appendLogs(run.id, 'n', [line('one\n')]);
    await store.close();
    // As a hub killed between its pwrite and its COMMIT leaves the file.
    const file = nodeLogFile(sqliteLogDir(dataDir), run.id, 'n');
    writeFileSync(file, 'one\nTORN BYTES NO ROW KNOWS\n');
    store = open(dataDir);
    expect(await store.readLog(run.id, 'n')).toMatchObject({ next: 4 });
    expect(await wholeLog(store, run.id)).toBe('one\n');
    await store.appendLogs(run.id, 'n', [line('two\n')]);
    expect(await wholeLog(store, run.id)).toBe('one\ntwo\n');
    expect(await store.readLog(run.id, 'n', 4)).toMatchObject({ next: 8 });
  });

  it('fail the transaction when the disk fills up mid-write, acknowledging nothing; retried once there is room, the log is exact', async () => {
    const dataDir = freshDir();
    const disk = path.join(root, `disk-${count}`);
    mkdirSync(disk);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'floe-test', disk], { encoding: 'utf8' });
    expect(mounted.status, `mount a tmpfs (the tests run as root): ${mounted.stderr}`).toBe(0);
    mounts.push(disk);
    const store = open(dataDir, disk);
    const run = await newRun(store);
    await store.offerRun(run.id, 0, 'r1', 10_000);
    await store.acceptRun(run.id, 'r1', 1, 10_000, 5);
    const engine = { startedAt: 5, deadline: 10_000, data: {}, nodes: {}, merges: {}, events: [] };
    const save = (lastSeq: number, text: Buffer) =>
      store.saveProgress(run.id, { epoch: 1, expectedLastSeq: lastSeq - 1, lastSeq, engine, logs: [line(text)] });
    const first = Buffer.alloc(600 * 1024, 'a');
    const second = Buffer.alloc(600 * 1024, 'b');
    expect((await save(1, first)).ok).toBe(true);
    await expect(save(2, second)).rejects.toThrow(/ENOSPC/);
    expect(await store.getRun(run.id)).toMatchObject({ lastSeq: 1 });
    expect(await store.readLog(run.id, 'n', 0, 1 << 30)).toMatchObject({ next: first.length });
    // Room again (the operator grew the disk): the runner's resend is stored whole.
    expect(spawnSync('mount', ['-o', 'remount,size=4m', disk]).status).toBe(0);
    expect((await save(2, second)).ok).toBe(true);
    expect(await wholeLog(store, run.id)).toBe(Buffer.concat([first, second]).toString());
  });

  it("keep at most maxOpen files open, closing a run's files when it ends, each file still written where it should", async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    const files = new LogFiles(path.join(freshDir(), 'logs'), { maxOpen: 2 });
    const before = openFds();
    for (let round = 0; round < 3; round++)
      for (let node = 0; node < 6; node++) files.write('run1', `node${node}`, round * 2, Buffer.from(`${round}\n`));
    expect(openFds() - before).toBeLessThanOrEqual(2);
    for (let node = 0; node < 6; node++) expect(files.read('run1', `node${node}`, 0, 6).toString()).toBe('0\n1\n2\n');
    files.closeRun('run1');
    await files.close();
    expect(openFds()).toBe(before);
  });
});
