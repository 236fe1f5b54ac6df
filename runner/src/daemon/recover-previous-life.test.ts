import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '@floe/shared';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../process/process-table.js';
import { RunSpool } from '../spool/run-spool.js';
import { SpoolReserve } from '../spool/spool-reserve.js';
import { spooledRecords } from '../testing/spooled-records.js';
import { acceptanceMark, RUN_MARK } from './kill-leftovers.js';
import { recoverPreviousLife } from './recover-previous-life.js';

let root: string;
const children: ReturnType<typeof spawn>[] = [];
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'floe-recover-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await rm(root, { recursive: true, force: true });
});

/** A process left behind, carrying `mark` as a task (or a warm shell) of a dead runner life would. */
async function leftover(mark: string): Promise<number> {
  const child = spawn('sleep', ['1000'], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, [RUN_MARK]: mark },
  });
  children.push(child);
  await new Promise((resolve) => child.once('spawn', resolve));
  return child.pid as number;
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 1_000 && isProcessAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return !isProcessAlive(pid);
}

const record = (seq: number): RunRecord => ({ kind: 'input', seq, input: { type: 'cancel', by: 'x', at: 0 } });

/** A spool as a dead life left it: `records` records, finished or not, closed without a goodbye. */
function leftSpool(runId: string, mark: string, records: number, finished: boolean): RunSpool {
  const spool = RunSpool.create(root, { runId, epoch: 2, acceptedAt: 0, mark });
  spool.append(Array.from({ length: records }, (_, i) => record(i + 1)));
  if (finished) spool.markFinished();
  spool.close();
  return spool;
}

describe.runIf(process.platform === 'linux')('recoverPreviousLife', () => {
  it("kills what the dead life left running, reports its executing run lost, and holds its spools' runs to deliver", async () => {
    const dead = randomBytes(6).toString('hex');
    const executingMark = acceptanceMark(dead, 'executing', 2);
    const task = await leftover(executingMark);
    const warmShell = await leftover(dead);
    const otherRunner = await leftover(randomBytes(6).toString('hex'));
    const executing = leftSpool('executing', executingMark, 2, false);
    const delivered = leftSpool('delivered', acceptanceMark(dead, 'delivered', 2), 3, true);
    const neverStarted = leftSpool('never-started', acceptanceMark(dead, 'never-started', 2), 0, false);
    mkdirSync(join(root, 'torn'));
    writeFileSync(join(root, 'torn', 'meta.json'), '{"runId":');

    const runs = await recoverPreviousLife({
      spoolRoot: root,
      runnerName: 'runner-a',
      logger: pino({ level: 'silent' }),
      reserve: new SpoolReserve(root),
    });

    expect(await gone(task)).toBe(true);
    expect(await gone(warmShell)).toBe(true);
    expect(isProcessAlive(otherRunner)).toBe(true);
    expect(runs.map((run) => [run.runId, run.epoch, run.running, run.sentSeq]).sort()).toEqual([
      ['delivered', 2, false, 0],
      ['executing', 2, false, 0],
    ]);
    // The executing run's records end with `lost`, after what it had written, and its spool says finished.
    const again = RunSpool.load(executing.dir);
    expect(spooledRecords(again).at(-1)).toMatchObject({
      kind: 'input',
      seq: 3,
      input: { type: 'lost', runner: 'runner-a' },
    });
    again.close();
    expect(runs.every((run) => run.spool.meta.finished)).toBe(true);
    expect(runs.find((run) => run.runId === 'delivered')?.spool.lastSeq).toBe(3);
    expect(existsSync(delivered.dir)).toBe(true);
    expect(existsSync(neverStarted.dir)).toBe(false);
    expect(existsSync(join(root, 'torn'))).toBe(false);
    for (const run of runs) run.spool.close();
  });

  it.runIf(process.getuid?.() === 0)(
    'reports an executing run lost on a full disk with the reserve the dead life left',
    async () => {
      // A small disk of its own (mounting needs root, as CI has), filled but for the dead life's reserve.
      const disk = join(root, 'disk');
      mkdirSync(disk);
      const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'floe-test', disk], { encoding: 'utf8' });
      expect(mounted.status, mounted.stderr).toBe(0);
      try {
        const spoolRoot = join(disk, 'spool');
        const mark = acceptanceMark(randomBytes(6).toString('hex'), 'executing', 2);
        const spool = RunSpool.create(spoolRoot, { runId: 'executing', epoch: 2, acceptedAt: 0, mark });
        spool.append([record(1)]);
        spool.close();
        writeFileSync(join(spoolRoot, '.reserve'), Buffer.alloc(256 * 1024));
        const fill = openSync(join(disk, 'fill'), 'w');
        try {
          for (;;) writeSync(fill, Buffer.alloc(4096));
        } catch {
          // The disk is full.
        } finally {
          closeSync(fill);
        }
        const runs = await recoverPreviousLife({
          spoolRoot,
          runnerName: 'runner-a',
          logger: pino({ level: 'silent' }),
          reserve: new SpoolReserve(spoolRoot, 256 * 1024),
        });
        expect(runs.map((run) => run.runId)).toEqual(['executing']);
        expect(runs[0]?.spool.meta.finished).toBe(true);
        expect(runs[0]?.spool.lastSeq).toBe(2);
        expect(existsSync(join(spoolRoot, '.reserve'))).toBe(false);
        for (const run of runs) run.spool.close();
      } finally {
        spawnSync('umount', ['-l', disk]);
      }
    },
  );

  it('finds nothing to do in a work dir without a spool', async () => {
    const runs = await recoverPreviousLife({
      spoolRoot: join(root, 'none'),
      runnerName: 'runner-a',
      logger: pino({ level: 'silent' }),
      reserve: new SpoolReserve(root),
    });
    expect(runs).toEqual([]);
  });
});
