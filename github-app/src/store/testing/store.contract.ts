// The contract every store driver passes (CONTRIBUTING.md "One contract per seam"): the SQLite driver runs it in
// sqlite-store.test.ts, the PostgreSQL driver in postgres-store.test.ts. It pins what the hub relies on, not how a
// driver does it.
import { ResolvedFlowSchema, ResolvedTriggerSchema, type RunState } from '@floe/shared';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashSecret } from '../hash-secret.js';
import { newRunId } from '../new-run-id.js';
import type { NewRun, ReportRow, Store } from '../store.js';

const FLOW = ResolvedFlowSchema.parse({ id: 'build', name: 'build', triggers: [], tasks: [] });
const T = Date.UTC(2026, 0, 1);

const engineAt = (at: number): RunState => ({
  startedAt: at,
  deadline: at + 60_000,
  data: {},
  nodes: {},
  merges: {},
  events: [],
});

export type StoreContractOptions = {
  /**
   * Closes `store` and opens its database again, as a restarted hub does; `bytesInRows`: as a hub did before log
   * bytes could be kept outside the rows (SQLite's log files), where the driver has such a choice.
   */
  reopen: (store: Store, options?: { bytesInRows?: boolean }) => Promise<Store>;
};

export function describeStoreContract(
  name: string,
  makeStore: () => Promise<Store>,
  { reopen }: StoreContractOptions,
): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    let clock = T;
    const newRun = (over: Partial<NewRun> = {}): NewRun => {
      clock += 1;
      return {
        id: newRunId(clock),
        repo: 'acme',
        flowId: 'build',
        trigger: { type: 'manual', data: {} },
        trust: 'trusted',
        flow: FLOW,
        createdAt: clock,
        ...over,
      };
    };
    /** A run offered and accepted by runner r1: active at epoch 1. */
    const activeRun = async (over: Partial<NewRun> = {}) => {
      const run = await store.createRun(newRun(over));
      await store.offerRun(run.id, 0, 'r1', clock + 1_000);
      const active = await store.acceptRun(run.id, 'r1', 1, clock + 10_000, clock);
      if (!active) throw new Error('could not activate');
      return active;
    };

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('numbers runs per (repo, flow) from 1', async () => {
      const a = await store.createRun(newRun());
      const b = await store.createRun(newRun());
      const other = await store.createRun(newRun({ flowId: 'deploy' }));
      const otherRepo = await store.createRun(newRun({ repo: 'zeta' }));
      expect([a.number, b.number, other.number, otherRepo.number]).toEqual([1, 2, 1, 1]);
      expect(a.state).toBe('pending');
      expect(a.epoch).toBe(0);
      expect((await store.getRunByNumber('acme', 'build', 2))?.id).toBe(b.id);
    });

    it('allocates distinct numbers to runs created at the same time', async () => {
      const runs = await Promise.all(Array.from({ length: 20 }, () => store.createRun(newRun())));
      expect(new Set(runs.map((run) => run.number)).size).toBe(20);
      expect(Math.max(...runs.map((run) => run.number))).toBe(20);
    });

    it('keeps the run as it was created (flow snapshot, trigger data, ref, retry links)', async () => {
      const made = await store.createRun(
        newRun({
          trigger: { type: 'timer', id: 'nightly', by: 'ann', data: { size: '3' } },
          ref: 'refs/heads/feature/x',
          sha: 'abc',
          cloneUrl: '/repos/acme',
          retryOf: 'r0',
          replayFrom: 'test',
          pinnedRunnerId: 'r9',
        }),
      );
      const got = await store.getRun(made.id);
      expect(got).toEqual(made);
      expect(got).toMatchObject({
        flow: FLOW,
        trigger: { type: 'timer', id: 'nightly', by: 'ann', data: { size: '3' } },
        ref: 'refs/heads/feature/x',
        retryOf: 'r0',
        replayFrom: 'test',
        pinnedRunnerId: 'r9',
      });
      expect(await store.getRun('nope')).toBeUndefined();
    });

    it('lists runs newest first, filtered, in pages that follow the cursor', async () => {
      const made = [];
      for (let i = 0; i < 7; i++) made.push(await store.createRun(newRun({ flowId: i % 2 ? 'deploy' : 'build' })));
      await store.createRun(newRun({ repo: 'zeta', ref: 'refs/heads/main' }));
      const first = await store.listRuns({ repo: 'acme', limit: 3 });
      expect(first.runs.map((run) => run.id)).toEqual(
        made
          .slice(-3)
          .reverse()
          .map((run) => run.id),
      );
      expect(first.next).toBeDefined();
      const second = await store.listRuns({ repo: 'acme', limit: 3, cursor: first.next });
      expect(second.runs.map((run) => run.id)).toEqual(
        made
          .slice(1, 4)
          .reverse()
          .map((run) => run.id),
      );
      const third = await store.listRuns({ repo: 'acme', limit: 3, cursor: second.next });
      expect(third.runs.map((run) => run.id)).toEqual([made[0]?.id]);
      expect(third.next).toBeUndefined();
      expect((await store.listRuns({ flowId: 'deploy' })).runs).toHaveLength(3);
      expect((await store.listRuns({ ref: 'refs/heads/main' })).runs.map((run) => run.repo)).toEqual(['zeta']);
      await activeRun();
      expect((await store.listRuns({ state: 'active' })).runs).toHaveLength(1);
      expect((await store.listRuns({ state: 'pending' })).runs).toHaveLength(8);
    });

    it('tallies runs by list and result, the queue with its oldest run, and the live runs of each runner', async () => {
      expect(await store.runTallies()).toEqual({
        pending: 0,
        active: 0,
        archived: 0,
        results: { good: 0, bad: 0, cancelled: 0 },
        waiting: 0,
        byRunner: [],
      });
      const oldest = await store.createRun(newRun());
      await store.createRun(newRun());
      const offered = await store.createRun(newRun());
      await store.offerRun(offered.id, 0, 'r2', clock + 1_000);
      await activeRun();
      const ended = await activeRun();
      await store.archiveRun(ended.id, { result: 'bad', reason: 'x', reasonCode: 'end', endedAt: clock });
      const cancelled = await store.createRun(newRun());
      await store.archiveRun(cancelled.id, { result: 'cancelled', reason: 'x', reasonCode: 'end', endedAt: clock });
      expect(await store.runTallies()).toEqual({
        pending: 3,
        active: 1,
        archived: 2,
        results: { good: 0, bad: 1, cancelled: 1 },
        waiting: 2,
        oldestWaitingAt: oldest.createdAt,
        byRunner: [
          { runnerId: 'r1', runs: 1 },
          { runnerId: 'r2', runs: 1 },
        ],
      });
    });

    it('says how many bytes the database takes, more once it holds logs', async () => {
      const before = await store.sizeBytes();
      expect(before).toBeGreaterThan(0);
      const run = await activeRun();
      const text = 'x'.repeat(4096);
      for (let i = 0; i < 64; i++)
        await store.appendLogs(run.id, 'n', [{ node: 'n', attempt: 1, stream: 'out', at: clock, text }]);
      expect(await store.sizeBytes()).toBeGreaterThan(before);
    });

    it('lists archived runs by how they ended', async () => {
      const ended = async (result: 'good' | 'bad' | 'cancelled') => {
        const run = await activeRun();
        await store.archiveRun(run.id, { result, reason: result, reasonCode: 'end', endedAt: clock });
        return run.id;
      };
      const ids = [await ended('bad'), await ended('good'), await ended('bad'), await ended('cancelled')];
      await activeRun();
      expect((await store.listRuns({ result: 'bad' })).runs.map((run) => run.id)).toEqual([ids[2], ids[0]]);
      expect((await store.listRuns({ result: 'cancelled', state: 'archived' })).runs.map((run) => run.id)).toEqual([
        ids[3],
      ]);
      expect((await store.listRuns({ result: 'good', state: 'active' })).runs).toEqual([]);
    });

    it('lets one offer win when two dispatchers offer the same run at the same epoch', async () => {
      const run = await store.createRun(newRun());
      const [a, b] = await Promise.all([
        store.offerRun(run.id, 0, 'r1', clock + 1_000),
        store.offerRun(run.id, 0, 'r2', clock + 1_000),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const offered = a ?? b;
      expect(offered).toMatchObject({ state: 'pending', epoch: 1 });
      expect(await store.offerRun(run.id, 1, 'r3', clock)).toBeUndefined();
    });

    it('claims a run once, and not while another run holds one of its resource tags or an older one waits for it', async () => {
      const tagged = (tags: string[]) => ({ flow: ResolvedFlowSchema.parse({ ...FLOW, 'resource-tags': tags }) });
      const first = await store.createRun(newRun(tagged(['db'])));
      const second = await store.createRun(newRun(tagged(['cache', 'db'])));
      const other = await store.createRun(newRun(tagged(['cache'])));
      const plain = await store.createRun(newRun());
      // The second waits behind the first for db; the third then waits behind the second for cache.
      expect(await store.claimRun(second, 'r1', clock + 1_000)).toBeUndefined();
      expect(await store.claimRun(other, 'r1', clock + 1_000)).toBeUndefined();
      expect(await store.claimRun(first, 'r1', clock + 1_000)).toMatchObject({ epoch: 1, runnerId: 'r1' });
      expect(await store.claimRun(first, 'r2', clock + 1_000)).toBeUndefined();
      expect(await store.claimRun(plain, 'r2', clock + 1_000)).toMatchObject({ epoch: 1, runnerId: 'r2' });
      // db is the first's while it holds a runner.
      expect(await store.claimRun(second, 'r2', clock + 1_000)).toBeUndefined();
      await store.archiveRun(first.id, { result: 'good', reason: 'x', reasonCode: 'end', endedAt: clock });
      expect(await store.claimRun(second, 'r2', clock + 1_000)).toMatchObject({ epoch: 1, runnerId: 'r2' });
      expect(await store.claimRun(other, 'r1', clock + 1_000)).toBeUndefined();
      await store.withdrawOffer(second.id, 1);
      // Withdrawn, the second waits again, and still comes first for cache.
      expect(await store.claimRun(other, 'r1', clock + 1_000)).toBeUndefined();
      await store.archiveRun(second.id, { result: 'good', reason: 'x', reasonCode: 'end', endedAt: clock });
      expect(await store.claimRun(other, 'r1', clock + 1_000)).toMatchObject({ epoch: 1, runnerId: 'r1' });
    });

    it('activates a run only for the runner and epoch it was offered at', async () => {
      const run = await store.createRun(newRun());
      await store.offerRun(run.id, 0, 'r1', clock + 1_000);
      expect(await store.acceptRun(run.id, 'r2', 1, clock + 5_000, clock)).toBeUndefined();
      expect(await store.acceptRun(run.id, 'r1', 0, clock + 5_000, clock)).toBeUndefined();
      const active = await store.acceptRun(run.id, 'r1', 1, clock + 5_000, clock);
      expect(active).toMatchObject({ state: 'active', runnerId: 'r1', epoch: 1, leaseExpiresAt: clock + 5_000 });
      expect(active?.startedAt).toBe(clock);
    });

    it('puts a declined offer back in the queue, and the next offer has a higher epoch', async () => {
      const run = await store.createRun(newRun());
      await store.offerRun(run.id, 0, 'r1', clock + 1_000);
      const back = await store.withdrawOffer(run.id, 1);
      expect(back).toMatchObject({ state: 'pending', epoch: 1 });
      expect(back?.runnerId).toBeUndefined();
      expect(await store.withdrawOffer(run.id, 1)).toBeUndefined();
      expect(await store.acceptRun(run.id, 'r1', 1, clock, clock)).toBeUndefined();
      expect((await store.offerRun(run.id, 1, 'r2', clock + 1_000))?.epoch).toBe(2);
    });

    it('renews leases only of runs the runner holds at the current epoch', async () => {
      const a = await activeRun();
      const b = await activeRun();
      const renewed = await store.renewLeases(
        'r1',
        [
          { runId: a.id, epoch: 1 },
          { runId: b.id, epoch: 0 },
        ],
        clock + 99_000,
      );
      expect(renewed).toEqual([a.id]);
      expect((await store.getRun(a.id))?.leaseExpiresAt).toBe(clock + 99_000);
      expect(await store.renewLeases('r2', [{ runId: a.id, epoch: 1 }], clock)).toEqual([]);
    });

    it('lists active and offered runs whose lease expired', async () => {
      const active = await activeRun();
      const offered = await store.createRun(newRun());
      await store.offerRun(offered.id, 0, 'r2', clock + 100);
      await store.createRun(newRun());
      const expired = await store.listExpiredLeases(clock + 20_000);
      expect(expired.map((run) => run.id).sort()).toEqual([active.id, offered.id].sort());
      expect(await store.listExpiredLeases(clock - 50_000)).toEqual([]);
    });

    it('stores progress and logs together, and refuses a stale epoch or a concurrent write', async () => {
      const run = await activeRun();
      const saved = await store.saveProgress(run.id, {
        epoch: 1,
        expectedLastSeq: 0,
        lastSeq: 3,
        engine: engineAt(clock),
        logs: [{ node: 'build', attempt: 1, stream: 'stdout', at: clock, text: 'héllo\n' }],
      });
      expect(saved.ok).toBe(true);
      if (saved.ok) expect(saved.logs).toEqual([expect.objectContaining({ offset: 0, text: 'héllo\n' })]);
      expect(await store.getRun(run.id)).toMatchObject({ lastSeq: 3, engine: engineAt(clock) });
      const stale = await store.saveProgress(run.id, {
        epoch: 0,
        expectedLastSeq: 3,
        lastSeq: 4,
        engine: engineAt(clock),
        logs: [{ node: 'build', attempt: 1, stream: 'stdout', at: clock, text: 'lost' }],
      });
      expect(stale).toMatchObject({ ok: false, reason: 'stale' });
      const conflict = await store.saveProgress(run.id, {
        epoch: 1,
        expectedLastSeq: 2,
        lastSeq: 4,
        engine: engineAt(clock),
        logs: [{ node: 'build', attempt: 1, stream: 'stdout', at: clock, text: 'twice' }],
      });
      expect(conflict).toMatchObject({ ok: false, reason: 'conflict' });
      expect((await store.readLog(run.id, 'build')).chunks.map((chunk) => chunk.text)).toEqual(['héllo\n']);
    });

    it('stores reports with the records that carry them, lists them in seq order, and drops them on re-queue', async () => {
      const run = await activeRun();
      const annotation = { type: 'annotation', level: 'error', message: 'bad', file: 'src/a.ts', line: 3 } as const;
      const summary = { type: 'summary', markdown: '# héllo', truncated: false } as const;
      const saved = await store.saveProgress(run.id, {
        epoch: 1,
        expectedLastSeq: 0,
        lastSeq: 3,
        engine: engineAt(clock),
        logs: [],
        reports: [
          { seq: 3, node: 'build', attempt: 1, report: summary },
          { seq: 2, node: 'build', attempt: 1, report: annotation },
        ],
      });
      expect(saved.ok).toBe(true);
      // A stale write stores none of its reports.
      await store.saveProgress(run.id, {
        epoch: 0,
        expectedLastSeq: 3,
        lastSeq: 4,
        engine: engineAt(clock),
        logs: [],
        reports: [{ seq: 4, node: 'build', attempt: 1, report: summary }],
      });
      expect(await store.listReports(run.id)).toEqual([
        { seq: 2, node: 'build', attempt: 1, report: annotation },
        { seq: 3, node: 'build', attempt: 1, report: summary },
      ]);
      await store.requeueRun(run.id, 1);
      expect(await store.listReports(run.id)).toEqual([]);
    });

    it('archives a run with its ending in the same write as its last records', async () => {
      const run = await activeRun();
      const saved = await store.saveProgress(run.id, {
        epoch: 1,
        expectedLastSeq: 0,
        lastSeq: 1,
        engine: engineAt(clock),
        logs: [],
        ended: { result: 'bad', reason: 'task build exited 2', reasonCode: 'unhandled-failure', endedAt: clock + 5 },
      });
      expect(saved.ok && saved.run).toMatchObject({
        state: 'archived',
        result: 'bad',
        reasonCode: 'unhandled-failure',
        endedAt: clock + 5,
      });
      expect(saved.ok && saved.run.leaseExpiresAt).toBeUndefined();
    });

    it('keeps records that come after the end of a run, without changing how it ended', async () => {
      const run = await activeRun();
      const ended = { result: 'good', reason: 'all tasks finished', reasonCode: 'no-end', endedAt: clock } as const;
      const progress = { epoch: 1, expectedLastSeq: 0, lastSeq: 2, engine: engineAt(clock), logs: [], ended };
      expect((await store.saveProgress(run.id, progress)).ok).toBe(true);
      const log = { node: 'build', attempt: 1, stream: 'sys', at: clock, text: 'killed\n' };
      expect(
        await store.saveTrailingRecords(run.id, { epoch: 0, expectedLastSeq: 2, lastSeq: 3, logs: [log] }),
      ).toMatchObject({
        ok: false,
        reason: 'stale',
      });
      const late = await store.saveTrailingRecords(run.id, { epoch: 1, expectedLastSeq: 2, lastSeq: 3, logs: [log] });
      expect(late).toMatchObject({ ok: true, run: { state: 'archived', result: 'good', lastSeq: 3 } });
      expect(late.ok && late.logs[0]?.offset).toBe(0);
      const active = await activeRun();
      expect(
        await store.saveTrailingRecords(active.id, { epoch: 1, expectedLastSeq: 0, lastSeq: 1, logs: [] }),
      ).toMatchObject({
        ok: false,
        reason: 'stale',
      });
    });

    it('archives a run once, and only at its current epoch when one is given', async () => {
      const run = await activeRun();
      const ending = {
        result: 'cancelled',
        reason: 'cancelled by ann',
        reasonCode: 'cancelled',
        endedAt: clock,
      } as const;
      expect(await store.archiveRun(run.id, ending, { epoch: 0 })).toBeUndefined();
      expect(await store.archiveRun(run.id, ending, { epoch: 1 })).toMatchObject({
        state: 'archived',
        result: 'cancelled',
      });
      expect(await store.archiveRun(run.id, { ...ending, reason: 'again' })).toBeUndefined();
      expect((await store.getRun(run.id))?.reason).toBe('cancelled by ann');
      const pending = await store.createRun(newRun());
      expect(await store.archiveRun(pending.id, ending)).toMatchObject({ state: 'archived', runnerId: undefined });
    });

    it('re-queues a lost run with a new epoch, so the lost runner can no longer write to it', async () => {
      const run = await activeRun();
      const again = await store.requeueRun(run.id, 1);
      expect(again).toMatchObject({ state: 'pending', epoch: 2, lastSeq: 0 });
      expect(again?.runnerId).toBeUndefined();
      expect(again?.engine).toBeUndefined();
      expect(await store.renewLeases('r1', [{ runId: run.id, epoch: 1 }], clock)).toEqual([]);
      expect(await store.requeueRun(run.id, 1)).toBeUndefined();
    });

    describe('task caches (store migration 16)', () => {
      const cache = (space: string, key: string, savedAt: number, size = 100) => ({
        space,
        key,
        blobId: `blob-${space}-${key}-${savedAt}`,
        size,
        savedAt,
        usedAt: savedAt,
      });

      it('finds a key exactly, else the newest of the first prefix that has one, only in its own space', async () => {
        expect(await store.addTaskCache(cache('trusted\nrepo:o/r', 'npm-a', 1))).toBe(true);
        expect(await store.addTaskCache(cache('trusted\nrepo:o/r', 'npm-b', 2))).toBe(true);
        expect(await store.addTaskCache(cache('trusted\nrepo:o/r', 'go-c', 3))).toBe(true);
        expect(await store.addTaskCache(cache('untrusted\nrepo:o/r', 'npm-z', 9))).toBe(true);
        expect((await store.findTaskCache('trusted\nrepo:o/r', 'npm-a', ['go-']))?.key).toBe('npm-a');
        expect((await store.findTaskCache('trusted\nrepo:o/r', 'npm-x', ['npm-']))?.key).toBe('npm-b');
        expect((await store.findTaskCache('trusted\nrepo:o/r', 'npm-x', ['none-', 'go-', 'npm-']))?.key).toBe('go-c');
        // The untrusted space's newer npm-z is never found from the trusted one, nor the reverse.
        expect((await store.findTaskCache('untrusted\nrepo:o/r', 'npm-x', ['npm-']))?.key).toBe('npm-z');
        expect(await store.findTaskCache('trusted\nrepo:o/other', 'npm-a', ['npm-'])).toBeUndefined();
        // A prefix is text, not a pattern: % and _ match only themselves.
        expect(await store.findTaskCache('trusted\nrepo:o/r', 'x', ['%'])).toBeUndefined();
        expect(await store.findTaskCache('trusted\nrepo:o/r', 'x', ['npm_'])).toBeUndefined();
        expect(await store.getTaskCacheByBlob('blob-trusted\nrepo:o/r-npm-b-2')).toMatchObject({ key: 'npm-b' });
      });

      it('keeps the first save of a key: a second one writes nothing', async () => {
        expect(await store.addTaskCache(cache('s', 'k', 1))).toBe(true);
        expect(await store.addTaskCache({ ...cache('s', 'k', 2), blobId: 'other-blob' })).toBe(false);
        expect(await store.findTaskCache('s', 'k', [])).toMatchObject({ blobId: 'blob-s-k-1', savedAt: 1 });
        expect(await store.getTaskCacheByBlob('other-blob')).toBeUndefined();
      });

      it('evicts the least recently used (a restore counts) until the rest fit under the cap', async () => {
        await store.addTaskCache(cache('s', 'one', 1, 400));
        await store.addTaskCache(cache('s', 'two', 2, 400));
        await store.addTaskCache(cache('s', 'three', 3, 400));
        await store.useTaskCache('s', 'one', 10);
        expect(await store.evictTaskCaches(900)).toEqual(['blob-s-two-2']);
        expect(await store.evictTaskCaches(900)).toEqual([]);
        expect(await store.evictTaskCaches(400)).toEqual(['blob-s-three-3']);
        expect((await store.findTaskCache('s', 'one', []))?.usedAt).toBe(10);
      });
    });

    describe('artifacts (store migration 12)', () => {
      const CAPS = { maxRunBytes: 1_000, maxHubBytes: 1_500 };
      const file = (path: string, size: number, n = 0) => ({
        path,
        size,
        sha256: String(n).repeat(64).slice(0, 64),
        blobId: `b-${path}-${n}-${Math.random()}`,
      });
      const artifact = (runId: string, name: string, files: ReturnType<typeof file>[], over: object = {}) => ({
        id: `a-${Math.random()}`,
        runId,
        name,
        node: 'make',
        epoch: 1,
        size: files.reduce((sum, f) => sum + f.size, 0),
        createdAt: clock,
        files,
        ...over,
      });

      it('begins an upload once per name and epoch, resumes it, stores it when every file is verified', async () => {
        const run = await activeRun({ trust: 'untrusted' });
        const files = [file('a.txt', 10), file('b/c.bin', 20)];
        const first = await store.beginArtifact(artifact(run.id, 'dist', files), CAPS);
        if (!first.ok) throw new Error(first.reason);
        expect(first).toMatchObject({ resumed: false, replaced: [] });
        expect(first.artifact).toMatchObject({ state: 'uploading', trust: 'untrusted', size: 30, epoch: 1 });
        const again = await store.beginArtifact(artifact(run.id, 'dist', [...files].reverse()), CAPS);
        expect(again).toMatchObject({ ok: true, resumed: true, artifact: { id: first.artifact.id } });
        expect(await store.verifyArtifactFile(first.artifact.id, files[0]?.blobId as string, clock)).toEqual({
          stored: false,
        });
        expect(await store.verifyArtifactFile(first.artifact.id, files[1]?.blobId as string, clock + 5)).toEqual({
          stored: true,
        });
        const stored = await store.findArtifact(run.id, 'dist');
        expect(stored).toMatchObject({ state: 'stored', storedAt: clock + 5 });
        expect(stored?.files.map((f) => [f.path, f.verified])).toEqual([
          ['a.txt', true],
          ['b/c.bin', true],
        ]);
        expect((await store.listArtifacts(run.id)).map((a) => a.name)).toEqual(['dist']);
      });

      it('refuses a stale epoch, a name of another task, and sizes over the run or hub cap', async () => {
        const run = await activeRun();
        expect(await store.beginArtifact(artifact(run.id, 'x', [file('a', 1)], { epoch: 0 }), CAPS)).toEqual({
          ok: false,
          reason: 'stale',
        });
        await store.beginArtifact(artifact(run.id, 'x', [file('a', 600)]), CAPS);
        expect(await store.beginArtifact(artifact(run.id, 'x', [file('a', 1)], { node: 'other' }), CAPS)).toEqual({
          ok: false,
          reason: 'name-taken',
          node: 'make',
        });
        expect(await store.beginArtifact(artifact(run.id, 'y', [file('b', 500)]), CAPS)).toEqual({
          ok: false,
          reason: 'run-cap',
          used: 600,
        });
        const other = await activeRun();
        await store.beginArtifact(artifact(other.id, 'x', [file('a', 800)]), CAPS);
        expect(await store.beginArtifact(artifact(other.id, 'y', [file('b', 150)]), CAPS)).toEqual({
          ok: false,
          reason: 'hub-cap',
          used: 1_400,
        });
      });

      it('replaces an upload of the same task at another attempt, handing back the old blobs', async () => {
        const run = await activeRun();
        const old = file('a', 5, 1);
        await store.beginArtifact(artifact(run.id, 'x', [old]), CAPS);
        const next = await store.beginArtifact(artifact(run.id, 'x', [file('a', 6, 2)]), CAPS);
        expect(next).toMatchObject({ ok: true, resumed: false, replaced: [old.blobId] });
      });

      it('no longer verifies files once the run moved on, and lists dead artifacts', async () => {
        const run = await activeRun();
        const f = file('a', 5);
        const begun = await store.beginArtifact(artifact(run.id, 'x', [f], { expiresAt: clock + 100 }), CAPS);
        if (!begun.ok) throw new Error(begun.reason);
        await store.requeueRun(run.id, 1);
        expect(await store.verifyArtifactFile(begun.artifact.id, f.blobId, clock)).toBeUndefined();
        expect(await store.listDeadArtifacts(clock, 10)).toEqual([]);
        expect(await store.listDeadArtifacts(clock + 101, 10)).toEqual([begun.artifact.id]);
        expect(await store.deleteArtifact(begun.artifact.id)).toEqual([f.blobId]);
        expect(await store.getArtifact(begun.artifact.id)).toBeUndefined();
      });

      it('finds the newest good trusted run with the artifact stored, on a ref or by id', async () => {
        const make = async (over: Partial<NewRun>, result: 'good' | 'bad') => {
          const run = await activeRun({ ref: 'refs/heads/main', ...over });
          const f = file('out', 3);
          const begun = await store.beginArtifact(artifact(run.id, 'dist', [f]), CAPS);
          if (!begun.ok) throw new Error(begun.reason);
          await store.verifyArtifactFile(begun.artifact.id, f.blobId, clock);
          await store.archiveRun(run.id, { result, reason: 'r', reasonCode: 'no-end', endedAt: clock });
          return run;
        };
        const good = await make({}, 'good');
        await make({}, 'bad');
        await make({ trust: 'untrusted' }, 'good');
        const onBranch = await make({ ref: 'refs/heads/dev' }, 'good');
        const query = { repo: 'acme', flowId: 'build', name: 'dist' };
        expect((await store.findArtifactSource({ ...query, ref: 'refs/heads/main' }))?.run.id).toBe(good.id);
        expect((await store.findArtifactSource({ ...query, ref: 'refs/heads/dev' }))?.run.id).toBe(onBranch.id);
        expect((await store.findArtifactSource({ ...query, runId: good.id }))?.artifact.name).toBe('dist');
        expect(await store.findArtifactSource({ ...query, name: 'other', ref: 'refs/heads/main' })).toBeUndefined();
        const untrusted = (await store.listRuns({ repo: 'acme' })).runs.find((r) => r.trust === 'untrusted');
        expect(await store.findArtifactSource({ ...query, runId: untrusted?.id as string })).toBeUndefined();
        // Retention deleting the run leaves its artifacts dead.
        await store.pruneRuns({ endedBefore: clock + 1, keepPerFlow: 1000, limit: 100 });
        expect((await store.listDeadArtifacts(0, 10)).length).toBe(4);
      });
    });

    it('appends logs at byte offsets and reads them from any offset', async () => {
      const run = await store.createRun(newRun());
      const first = await store.appendLogs(run.id, 'build', [
        { node: 'build', attempt: 1, stream: 'stdout', at: clock, text: 'ab' },
        { node: 'build', attempt: 1, stream: 'stderr', at: clock, text: 'ünï\n' },
      ]);
      expect(first.map((chunk) => chunk.offset)).toEqual([0, 2]);
      await store.appendLogs(run.id, 'other', [{ node: 'other', attempt: 1, stream: 'stdout', at: clock, text: 'x' }]);
      const more = await store.appendLogs(run.id, 'build', [
        { node: 'build', attempt: 2, stream: 'stdout', at: clock, text: 'end' },
      ]);
      // 'ünï\n' is 6 bytes in UTF-8.
      expect(more[0]?.offset).toBe(8);
      const all = await store.readLog(run.id, 'build');
      expect(all.chunks.map((chunk) => chunk.text).join('')).toBe('abünï\nend');
      expect(all.next).toBe(11);
      expect(all.chunks[2]).toMatchObject({ attempt: 2, stream: 'stdout', offset: 8 });
      const from = await store.readLog(run.id, 'build', 1);
      expect(from.chunks.map((chunk) => chunk.text).join('')).toBe('bünï\nend');
      expect(from.chunks[0]?.offset).toBe(1);
      expect(await store.readLog(run.id, 'build', 11)).toEqual({ chunks: [], next: 11 });
      expect(await store.readLog(run.id, 'nothing')).toEqual({ chunks: [], next: 0 });
    });

    it('stores a chunk given as its UTF-8 bytes (a binary log frame) as the text they encode', async () => {
      const run = await store.createRun(newRun());
      const bytes = Buffer.from('héllo\nwörld\n');
      const appended = await store.appendLogs(run.id, 'n', [
        { node: 'n', attempt: 1, stream: 'out', at: clock, text: bytes },
        { node: 'n', attempt: 1, stream: 'err', at: clock, text: 'after\n' },
      ]);
      expect(appended.map((chunk) => chunk.offset)).toEqual([0, bytes.length]);
      const all = await store.readLog(run.id, 'n');
      expect(all.chunks.map((chunk) => chunk.text)).toEqual(['héllo\nwörld\n', 'after\n']);
      expect(all.next).toBe(bytes.length + 6);
      // From inside the bytes (after 'hé'): cut on the byte offset.
      expect((await store.readLog(run.id, 'n', 3)).chunks[0]?.text).toBe('llo\nwörld\n');
      await store.capLog(run.id, 'n', 3, 6);
      const capped = (await store.readLog(run.id, 'n')).chunks.map((chunk) => chunk.text).join('');
      expect(capped.startsWith('hé')).toBe(true);
      expect(capped.endsWith('after\n')).toBe(true);
    });

    it('pages a long log by size', async () => {
      const run = await store.createRun(newRun());
      const chunks = Array.from({ length: 10 }, (_, i) => ({
        node: 'n',
        attempt: 1,
        stream: 'stdout',
        at: clock,
        text: `${i}`.repeat(100),
      }));
      await store.appendLogs(run.id, 'n', chunks);
      const page = await store.readLog(run.id, 'n', 0, 250);
      expect(page.chunks).toHaveLength(3);
      expect(page.next).toBe(300);
      const rest = await store.readLog(run.id, 'n', page.next);
      expect(rest.chunks).toHaveLength(7);
      expect(rest.next).toBe(1_000);
    });

    it('pages a log of more chunks than one query reads, from inside a chunk, every byte once', async () => {
      const run = await store.createRun(newRun());
      const chunks = Array.from({ length: 130 }, (_, i) => ({
        node: 'n',
        attempt: 1,
        stream: 'stdout',
        at: clock,
        text: `${String(i).padStart(3, '0')}${'x'.repeat(97)}`,
      }));
      await store.appendLogs(run.id, 'n', chunks);
      let text = '';
      for (let from = 50; from < 13_000; ) {
        const page = await store.readLog(run.id, 'n', from, 4_000);
        text += page.chunks.map((chunk) => chunk.text).join('');
        expect(page.next).toBeGreaterThan(from);
        from = page.next;
      }
      expect(text).toBe(
        chunks
          .map((chunk) => chunk.text)
          .join('')
          .slice(50),
      );
    });

    /** The node's whole log, read in pages of `pageBytes` from `from`. */
    const wholeLog = async (runId: string, node: string, from = 0, pageBytes = 1 << 20) => {
      let text = '';
      for (let at = from; ; ) {
        const page = await store.readLog(runId, node, at, pageBytes);
        text += page.chunks.map((chunk) => chunk.text).join('');
        if (page.next === at) return text;
        at = page.next;
      }
    };
    const chunk = (node: string, text: string | Buffer, stream = 'out') => ({
      node,
      attempt: 1,
      stream,
      at: clock,
      text,
    });

    it('reads a log written across restarts of the store, every byte once, from any offset', async () => {
      const run = await activeRun();
      const parts = ['first ünï\n', Buffer.from('bytes from a frame ✓\n'), 'x'.repeat(70_000), 'after restart\n'];
      await store.appendLogs(run.id, 'n', [chunk('n', parts[0] as string), chunk('n', parts[1] as Buffer)]);
      store = await reopen(store);
      await store.appendLogs(run.id, 'n', [chunk('n', parts[2] as string, 'err')]);
      store = await reopen(store);
      await store.appendLogs(run.id, 'n', [chunk('n', parts[3] as string)]);
      const expected = Buffer.concat(parts.map((part) => Buffer.from(part)));
      expect(await wholeLog(run.id, 'n')).toBe(expected.toString());
      expect(await wholeLog(run.id, 'n', 0, 1_000)).toBe(expected.toString());
      // From inside each part ('first ' is ASCII; the frame's bytes start at 14).
      for (const from of [3, 14, 20, 40_000, expected.length - 5])
        expect(await wholeLog(run.id, 'n', from, 7_000)).toBe(expected.subarray(from).toString());
    });

    it('reads a log partly stored by an older hub (its bytes in rows) and partly by this one, and caps it', async () => {
      const run = await activeRun();
      store = await reopen(store, { bytesInRows: true });
      await store.appendLogs(run.id, 'n', [chunk('n', 'old 1\n'), chunk('n', Buffer.from('old ✓\n'))]);
      store = await reopen(store);
      await store.appendLogs(run.id, 'n', [chunk('n', 'new 1\n'), chunk('n', Buffer.from('new ✓\n'))]);
      store = await reopen(store, { bytesInRows: true });
      await store.appendLogs(run.id, 'n', [chunk('n', 'old again\n')]);
      store = await reopen(store);
      const whole = 'old 1\nold ✓\nnew 1\nnew ✓\nold again\n';
      expect(await wholeLog(run.id, 'n')).toBe(whole);
      for (const from of [3, 12, 18, 25, 30])
        expect(await wholeLog(run.id, 'n', from, 4)).toBe(Buffer.from(whole).subarray(from).toString());
      await store.appendLogs(run.id, 'n', [chunk('n', 'z'.repeat(500))]);
      await store.capLog(run.id, 'n', 6, 10);
      const capped = await wholeLog(run.id, 'n');
      expect(capped.startsWith('old 1\n')).toBe(true);
      expect(capped.endsWith('z'.repeat(10))).toBe(true);
      // Appended after the cap (a trailing record): after the capped log, whatever held the bytes before.
      await store.appendLogs(run.id, 'n', [chunk('n', 'late\n')]);
      expect(await wholeLog(run.id, 'n')).toBe(`${capped}late\n`);
      store = await reopen(store);
      expect(await wholeLog(run.id, 'n')).toBe(`${capped}late\n`);
    });

    it('leaves no byte of a write that failed to commit where a read finds it; the next append takes its place', async () => {
      const run = await activeRun();
      const progress = (lastSeq: number, text: string, reports: ReportRow[] = []) => ({
        epoch: 1,
        expectedLastSeq: lastSeq - 1,
        lastSeq,
        engine: engineAt(clock),
        logs: [chunk('n', Buffer.from(text))],
        reports,
      });
      expect((await store.saveProgress(run.id, progress(1, 'kept\n'))).ok).toBe(true);
      // The log's bytes are written, then the second report breaks the transaction (its seq twice): rolled back.
      const report = { seq: 2, node: 'n', attempt: 1, report: { type: 'summary', markdown: 'x', truncated: false } };
      await expect(
        store.saveProgress(run.id, progress(2, 'torn: never acknowledged\n', [report, report] as ReportRow[])),
      ).rejects.toThrow();
      expect(await store.readLog(run.id, 'n')).toMatchObject({ next: 5 });
      expect(await wholeLog(run.id, 'n')).toBe('kept\n');
      store = await reopen(store);
      expect(await wholeLog(run.id, 'n')).toBe('kept\n');
      // The runner sends it again, shorter than the torn bytes: they are overwritten, none of them read.
      expect((await store.saveProgress(run.id, progress(2, 'again\n'))).ok).toBe(true);
      expect(await store.readLog(run.id, 'n')).toMatchObject({ next: 11 });
      expect(await wholeLog(run.id, 'n')).toBe('kept\nagain\n');
    });

    it('keeps the logs of nodes with hostile ids apart, and prunes them with their run', async () => {
      const run = await activeRun();
      const nodes = [
        '..',
        '.',
        'a/b',
        'a_b',
        '../../../../etc/passwd',
        'x'.repeat(300),
        'x'.repeat(301),
        'ü',
        'u\u0308',
        'A',
        'a',
        'CON',
        ' ',
        '',
        'a\\b',
        '%2e%2e',
        '日本語のノード',
      ];
      for (const [i, node] of nodes.entries()) await store.appendLogs(run.id, node, [chunk(node, `log ${i}\n`)]);
      for (const [i, node] of nodes.entries()) {
        await store.appendLogs(run.id, node, [chunk(node, Buffer.from(`more ${i}\n`))]);
        expect(await wholeLog(run.id, node)).toBe(`log ${i}\nmore ${i}\n`);
      }
      await store.archiveRun(run.id, { result: 'good', reason: 'ok', reasonCode: 'cancelled', endedAt: clock });
      expect(await store.pruneRuns({ endedBefore: clock + 1, keepPerFlow: 1000, limit: 10 })).toBe(1);
      for (const node of nodes) expect(await store.readLog(run.id, node)).toEqual({ chunks: [], next: 0 });
    });

    it('gives concurrent appends to one node distinct, contiguous offsets', async () => {
      const run = await store.createRun(newRun());
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          store.appendLogs(run.id, 'n', [{ node: 'n', attempt: 1, stream: 'stdout', at: clock, text: `line ${i}\n` }]),
        ),
      );
      const log = await store.readLog(run.id, 'n');
      expect(log.chunks).toHaveLength(25);
      let offset = 0;
      for (const chunk of log.chunks) {
        expect(chunk.offset).toBe(offset);
        offset += Buffer.byteLength(chunk.text);
      }
      expect(log.next).toBe(offset);
    });

    it('finds an API token by its hash only', async () => {
      await store.createApiToken({ name: 'ci', role: 'operator', tokenHash: hashSecret('secret-1'), createdAt: clock });
      expect(await store.findApiToken(hashSecret('secret-1'))).toMatchObject({ name: 'ci', role: 'operator' });
      expect(await store.findApiToken('secret-1')).toBeUndefined();
      expect(await store.findApiToken(hashSecret('secret-2'))).toBeUndefined();
      expect((await store.listApiTokens()).map((token) => token.name)).toEqual(['ci']);
      expect(await store.getApiToken('ci')).toMatchObject({ name: 'ci', tokenHash: hashSecret('secret-1') });
      expect(await store.getApiToken('admin')).toBeUndefined();
      expect(await store.deleteApiToken('ci')).toBe(true);
      expect(await store.getApiToken('ci')).toBeUndefined();
      expect(await store.findApiToken(hashSecret('secret-1'))).toBeUndefined();
    });

    it("keeps a token's expiry and last use, and replaces a token and its outgoing one in one write", async () => {
      await store.createApiToken({
        name: 'ci',
        role: 'viewer',
        tokenHash: hashSecret('s-ci'),
        createdAt: clock,
        expiresAt: clock + 60_000,
      });
      expect(await store.findApiToken(hashSecret('s-ci'))).toEqual({
        name: 'ci',
        role: 'viewer',
        tokenHash: hashSecret('s-ci'),
        createdAt: clock,
        expiresAt: clock + 60_000,
      });
      await store.touchApiToken('ci', clock + 5);
      expect((await store.listApiTokens())[0]).toMatchObject({ name: 'ci', lastUsedAt: clock + 5 });

      await store.createApiToken({ name: 'admin', role: 'admin', tokenHash: hashSecret('a1'), createdAt: clock });
      await store.replaceApiToken(
        { name: 'admin', role: 'admin', tokenHash: hashSecret('a2'), createdAt: clock + 1 },
        {
          name: 'admin (previous)',
          role: 'admin',
          tokenHash: hashSecret('a1'),
          createdAt: clock,
          expiresAt: clock + 9,
        },
      );
      expect(await store.findApiToken(hashSecret('a2'))).toMatchObject({ name: 'admin' });
      expect(await store.findApiToken(hashSecret('a1'))).toMatchObject({
        name: 'admin (previous)',
        expiresAt: clock + 9,
      });
      // Rotating again drops the older outgoing token, whose hash the new outgoing one replaces.
      await store.replaceApiToken(
        { name: 'admin', role: 'admin', tokenHash: hashSecret('a3'), createdAt: clock + 2 },
        { name: 'admin (previous)', role: 'admin', tokenHash: hashSecret('a2'), createdAt: clock + 1 },
      );
      expect(await store.findApiToken(hashSecret('a1'))).toBeUndefined();
      expect((await store.listApiTokens()).map((token) => token.name)).toEqual(['admin', 'admin (previous)', 'ci']);
    });

    it('appends audit entries and lists them newest first, paged by cursor', async () => {
      expect(await store.listAudit({})).toEqual({ entries: [] });
      for (let i = 1; i <= 5; i++) {
        await store.appendAudit({
          at: clock + i,
          actor: 'ann',
          role: 'operator',
          action: 'run.cancel',
          target: `run-${i}`,
          ...(i === 2 ? { detail: { reason: 'why' } } : {}),
        });
      }
      const first = await store.listAudit({ limit: 2 });
      expect(first.entries.map((entry) => entry.target)).toEqual(['run-5', 'run-4']);
      expect(first.next).toBeDefined();
      const second = await store.listAudit({ limit: 2, before: first.next as number });
      expect(second.entries.map((entry) => entry.target)).toEqual(['run-3', 'run-2']);
      expect(second.entries[1]).toMatchObject({
        at: clock + 2,
        actor: 'ann',
        role: 'operator',
        detail: { reason: 'why' },
      });
      const third = await store.listAudit({ limit: 2, before: second.next as number });
      expect(third).toEqual({ entries: [expect.objectContaining({ target: 'run-1' })] });
    });

    it('prunes the oldest audit entries made before a time, a batch at a time', async () => {
      for (let i = 1; i <= 5; i++) {
        await store.appendAudit({
          at: clock + i,
          actor: 'ann',
          role: 'admin',
          action: 'token.create',
          target: `t${i}`,
        });
      }
      expect(await store.pruneAudit({ before: clock + 4, limit: 2 })).toBe(2);
      expect(await store.pruneAudit({ before: clock + 4, limit: 2 })).toBe(1);
      expect(await store.pruneAudit({ before: clock + 4, limit: 2 })).toBe(0);
      expect((await store.listAudit({})).entries.map((entry) => entry.target)).toEqual(['t5', 't4']);
    });

    it('accepts a registration token once and never after it expires', async () => {
      await store.createRegistrationToken({ tokenHash: 'h1', expiresAt: clock + 1_000, createdAt: clock });
      await store.createRegistrationToken({ tokenHash: 'h2', expiresAt: clock + 1_000, createdAt: clock });
      const uses = await Promise.all([
        store.useRegistrationToken('h1', clock),
        store.useRegistrationToken('h1', clock),
      ]);
      expect(uses.sort()).toEqual([false, true]);
      expect(await store.useRegistrationToken('h2', clock + 1_000)).toBe(false);
      expect(await store.useRegistrationToken('unknown', clock)).toBe(false);
    });

    it('registers a runner, finds it by credential and re-registers it under the same id', async () => {
      const runner = await store.registerRunner({ id: 'r1', name: 'vm-1', credentialHash: 'c1', createdAt: clock });
      expect(runner).toMatchObject({ id: 'r1', name: 'vm-1', tags: [], slots: 1, connected: false });
      await store.updateRunner('r1', { tags: ['linux'], slots: 2, connected: true, lastSeenAt: clock, version: '1.0' });
      expect(await store.findRunnerByCredential('c1')).toMatchObject({
        id: 'r1',
        tags: ['linux'],
        slots: 2,
        connected: true,
      });
      const again = await store.registerRunner({ id: 'r2', name: 'vm-1', credentialHash: 'c2', createdAt: clock });
      expect(again.id).toBe('r1');
      expect(await store.findRunnerByCredential('c1')).toBeUndefined();
      expect((await store.findRunnerByCredential('c2'))?.id).toBe('r1');
      expect((await store.listRunners()).map((r) => r.name)).toEqual(['vm-1']);
      expect(await store.deleteRunner('r1')).toBe(true);
      expect(await store.getRunner('r1')).toBeUndefined();
    });

    it('marks a runner disconnected only for the connection that speaks for it', async () => {
      await store.registerRunner({ id: 'r1', name: 'vm-1', credentialHash: 'c1', createdAt: clock });
      await store.updateRunner('r1', { connected: true, connection: 'socket-1' });
      await store.updateRunner('r1', { connected: true, connection: 'socket-2' });
      // socket-1 closed after socket-2 (another hub's) took over: nothing changes.
      expect(await store.disconnectRunner('r1', 'socket-1', clock + 5)).toBe(false);
      expect(await store.getRunner('r1')).toMatchObject({ connected: true });
      expect(await store.disconnectRunner('r1', 'socket-2', clock + 6)).toBe(true);
      expect(await store.getRunner('r1')).toMatchObject({ connected: false, lastSeenAt: clock + 6 });
      // Without a connection (a removal): whatever speaks for it.
      await store.updateRunner('r1', { connected: true, connection: 'socket-3' });
      expect(await store.disconnectRunner('r1', undefined, clock + 7)).toBe(true);
      expect(await store.getRunner('r1')).toMatchObject({ connected: false });
    });

    it('keeps whether a runner sandboxes its tasks, and why not; a new runner does not until it says so', async () => {
      const runner = await store.registerRunner({ id: 'r1', name: 'vm-1', credentialHash: 'c1', createdAt: clock });
      expect(runner.sandboxed).toBe(false);
      expect(runner.sandboxReason).toBeUndefined();
      await store.updateRunner('r1', { sandboxed: false, sandboxReason: 'bubblewrap (bwrap) is not installed' });
      expect(await store.getRunner('r1')).toMatchObject({
        sandboxed: false,
        sandboxReason: 'bubblewrap (bwrap) is not installed',
      });
      await store.updateRunner('r1', { sandboxed: true, sandboxReason: null });
      const boxed = await store.getRunner('r1');
      expect(boxed?.sandboxed).toBe(true);
      expect(boxed?.sandboxReason).toBeUndefined();
      expect((await store.listRunners())[0]?.sandboxed).toBe(true);
    });

    it('keeps a runner drained, and offers a drained runner nothing even from a plan made before', async () => {
      const runner = await store.registerRunner({ id: 'r1', name: 'vm-1', credentialHash: 'c1', createdAt: clock });
      expect(runner).toMatchObject({ drained: false });
      expect(runner.protocol).toBeUndefined();
      await store.updateRunner('r1', { drained: true, protocol: 2 });
      expect(await store.getRunner('r1')).toMatchObject({ drained: true, protocol: 2 });
      expect((await store.listRunners())[0]?.drained).toBe(true);
      const run = await store.createRun(newRun());
      expect(await store.offerRun(run.id, 0, 'r1', clock + 1_000)).toBeUndefined();
      expect(await store.getRun(run.id)).toMatchObject({ state: 'pending', epoch: 0 });
      await store.updateRunner('r1', { drained: false });
      expect(await store.offerRun(run.id, 0, 'r1', clock + 1_000)).toMatchObject({ runnerId: 'r1', epoch: 1 });
    });

    it('names the repositories that have a flow of an id', async () => {
      const row = {
        repo: 'acme',
        id: 'build',
        ver: 1,
        name: 'Build',
        triggers: [],
        flow: FLOW,
        errors: [],
        sha: 'a1',
        updatedAt: clock,
      };
      for (const name of ['zeta', 'acme']) await store.upsertRepo({ name, url: `/srv/${name}.git` });
      await store.replaceFlows('acme', [row, { ...row, id: 'broken', flow: undefined, errors: ['bad'] }]);
      await store.replaceFlows('zeta', [{ ...row, repo: 'zeta' }]);
      expect(await store.listFlowRepos('build')).toEqual(['acme', 'zeta']);
      expect(await store.listFlowRepos('broken')).toEqual(['acme']);
      expect(await store.listFlowRepos('nothing')).toEqual([]);
      await store.replaceFlows('acme', [row]);
      expect(await store.listFlowRepos('broken')).toEqual([]);
    });

    it('replaces the flows of a repository and keeps their snapshot', async () => {
      await store.upsertRepo({ name: 'acme', url: '/srv/acme.git', defaultRef: 'refs/heads/main', headSha: 'a1' });
      const row = {
        repo: 'acme',
        id: 'build',
        ver: 1,
        name: 'Build',
        triggers: [ResolvedTriggerSchema.parse({ type: 'data', id: 'form', name: 'form' })],
        flow: FLOW,
        errors: [],
        sha: 'a1',
        updatedAt: clock,
      };
      await store.replaceFlows('acme', [row, { ...row, id: 'broken', flow: undefined, errors: ['bad'] }]);
      expect((await store.listFlows('acme')).map((flow) => flow.id)).toEqual(['broken', 'build']);
      expect(await store.getFlow('acme', 'build')).toEqual(row);
      expect((await store.getFlow('acme', 'broken'))?.flow).toBeUndefined();
      await store.replaceFlows('acme', [row]);
      expect((await store.listFlows()).map((flow) => flow.id)).toEqual(['build']);
      expect(await store.getRepo('acme')).toMatchObject({ url: '/srv/acme.git', headSha: 'a1' });
      expect((await store.listRepos()).map((repo) => repo.name)).toEqual(['acme']);
    });

    it('writes trigger state only over the version it read, so one of two racing fires wins', async () => {
      expect(await store.putTriggerState('timer:a', { last: 1 }, undefined)).toBe(true);
      expect(await store.putTriggerState('timer:a', { last: 1 }, undefined)).toBe(false);
      const state = await store.getTriggerState('timer:a');
      expect(state).toEqual({ key: 'timer:a', value: { last: 1 }, version: 1 });
      const race = await Promise.all([
        store.putTriggerState('timer:a', { last: 2 }, 1),
        store.putTriggerState('timer:a', { last: 2 }, 1),
      ]);
      expect(race.sort()).toEqual([false, true]);
      expect((await store.getTriggerState('timer:a'))?.version).toBe(2);
    });

    it('holds a lease for one holder until it expires or is released', async () => {
      expect(await store.tryLease('poll', 'hub-a', clock, 1_000)).toBe(true);
      expect(await store.tryLease('poll', 'hub-b', clock + 500, 1_000)).toBe(false);
      expect(await store.tryLease('poll', 'hub-a', clock + 500, 1_000)).toBe(true);
      expect(await store.tryLease('poll', 'hub-b', clock + 1_499, 1_000)).toBe(false);
      expect(await store.tryLease('poll', 'hub-b', clock + 1_500, 1_000)).toBe(true);
      await store.releaseLease('poll', 'hub-a');
      expect(await store.tryLease('poll', 'hub-a', clock + 1_600, 1_000)).toBe(false);
      await store.releaseLease('poll', 'hub-b');
      expect(await store.tryLease('poll', 'hub-a', clock + 1_600, 1_000)).toBe(true);
    });

    it('records the first cancel request of an active run only', async () => {
      const run = await activeRun();
      expect(await store.requestCancel(run.id, 'ann', clock)).toMatchObject({
        cancelRequestedBy: 'ann',
        cancelRequestedAt: clock,
      });
      expect(await store.requestCancel(run.id, 'bob', clock + 1)).toMatchObject({ cancelRequestedBy: 'ann' });
      const pending = await store.createRun(newRun());
      expect(await store.requestCancel(pending.id, 'ann', clock)).toBeUndefined();
    });

    it('lists the live runs oldest first', async () => {
      const a = await store.createRun(newRun());
      const b = await activeRun();
      const c = await store.createRun(newRun());
      await store.archiveRun(c.id, { result: 'cancelled', reason: 'x', reasonCode: 'cancelled', endedAt: clock });
      expect((await store.listLiveRuns()).map((run) => run.id)).toEqual([a.id, b.id]);
    });

    it('lists the live runs of a runner, or of all, as references', async () => {
      const active = await activeRun();
      const pending = await store.createRun(newRun());
      const offered = await store.createRun(newRun({ flowId: 'deploy' }));
      await store.offerRun(offered.id, 0, 'r2', clock + 1_000);
      const ended = await activeRun();
      await store.archiveRun(ended.id, { result: 'good', reason: 'x', reasonCode: 'end', endedAt: clock });
      expect(await store.listLiveRunRefs('r1')).toEqual([
        { id: active.id, number: active.number, flowId: 'build', runnerId: 'r1' },
      ]);
      expect(await store.listLiveRunRefs('r2')).toEqual([
        { id: offered.id, number: 1, flowId: 'deploy', runnerId: 'r2' },
      ]);
      expect((await store.listLiveRunRefs()).map((run) => [run.id, run.runnerId])).toEqual([
        [active.id, 'r1'],
        [pending.id, undefined],
        [offered.id, 'r2'],
      ]);
    });

    it('says whether any run is pending, offered or not', async () => {
      expect(await store.hasPendingRuns()).toBe(false);
      const active = await activeRun();
      expect(await store.hasPendingRuns()).toBe(false);
      const pending = await store.createRun(newRun());
      expect(await store.hasPendingRuns()).toBe(true);
      await store.offerRun(pending.id, 0, 'r1', clock + 1_000);
      expect(await store.hasPendingRuns()).toBe(true);
      await store.archiveRun(pending.id, { result: 'cancelled', reason: 'x', reasonCode: 'cancelled', endedAt: clock });
      expect(await store.hasPendingRuns()).toBe(false);
      await store.requeueRun(active.id, active.epoch);
      expect(await store.hasPendingRuns()).toBe(true);
    });

    it('keeps one sealed secret per (name, repo), lists the hub ones with a repo and deletes by scope', async () => {
      await store.putSecret({ name: 'TOKEN', sealed: 'v1:hub', updatedAt: 1 });
      await store.putSecret({ name: 'TOKEN', repo: 'acme', sealed: 'v1:acme', updatedAt: 2 });
      await store.putSecret({ name: 'TOKEN', repo: 'acme', sealed: 'v1:acme2', updatedAt: 3 });
      await store.putSecret({ name: 'OTHER', repo: 'zeta', sealed: 'v1:zeta', updatedAt: 4 });
      expect(await store.listSecrets('acme')).toEqual([
        { name: 'TOKEN', sealed: 'v1:hub', updatedAt: 1 },
        { name: 'TOKEN', repo: 'acme', sealed: 'v1:acme2', updatedAt: 3 },
      ]);
      expect((await store.listSecrets()).length).toBe(3);
      expect(await store.deleteSecret('TOKEN')).toBe(true);
      expect(await store.deleteSecret('TOKEN')).toBe(false);
      expect((await store.listSecrets('acme')).map((row) => row.repo)).toEqual(['acme']);
    });

    // Retention (retention/retention-sweep.ts)
    const archived = async (over: Partial<NewRun> = {}, endedAt = clock) => {
      const run = await store.createRun(newRun(over));
      await store.archiveRun(run.id, { result: 'good', reason: 'ok', reasonCode: 'cancelled', endedAt });
      return run;
    };

    it('prunes archived runs past the age limit or beyond the newest N of their flow, with their logs', async () => {
      const old = await archived({}, T - 1_000);
      await store.appendLogs(old.id, 'a', [{ node: 'a', attempt: 1, stream: 'out', at: T, text: 'old log\n' }]);
      const kept = [await archived(), await archived(), await archived()];
      const otherFlow = await archived({ flowId: 'deploy' });
      const live = await store.createRun(newRun());
      expect(await store.pruneRuns({ endedBefore: T, keepPerFlow: 2, limit: 100 })).toBe(2);
      expect(await store.getRun(old.id)).toBeUndefined();
      expect((await store.readLog(old.id, 'a')).chunks).toEqual([]);
      expect(await store.getRun(kept[0]?.id as string)).toBeUndefined();
      for (const run of [kept[1], kept[2], otherFlow, live])
        expect(await store.getRun(run?.id as string)).toBeDefined();
    });

    it('prunes in batches of at most `limit`', async () => {
      for (let i = 0; i < 5; i++) await archived({}, T - 1_000);
      expect(await store.pruneRuns({ endedBefore: T, keepPerFlow: 100, limit: 3 })).toBe(3);
      expect(await store.pruneRuns({ endedBefore: T, keepPerFlow: 100, limit: 3 })).toBe(2);
    });

    it('caps an oversized log to its head and tail with a marker saying how much was cut', async () => {
      const run = await archived();
      const lines = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, '0')}\n`);
      await store.appendLogs(
        run.id,
        'a',
        lines.map((text) => ({ node: 'a', attempt: 1, stream: 'out', at: T, text })),
      );
      expect(await store.listOversizedLogs(500, 0, 10)).toEqual([{ runId: run.id, node: 'a', bytes: 900 }]);
      await store.capLog(run.id, 'a', 90, 180);
      const text = (await store.readLog(run.id, 'a')).chunks.map((chunk) => chunk.text).join('');
      expect(text.startsWith(lines.slice(0, 10).join(''))).toBe(true);
      expect(text.endsWith(lines.slice(80).join(''))).toBe(true);
      expect(text).toContain('630 bytes of this log were cut');
      expect(text).not.toContain('line 050');
      expect(await store.listOversizedLogs(500, 0, 10)).toEqual([]);
    });
  });
}
