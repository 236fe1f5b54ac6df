// A runner whose work dir's disk fills up (a small tmpfs, filled by another writer) keeps the records of the run it
// holds — the spool's reserve makes room for them — declines new runs saying why (the hub shows it), and takes
// runs again once there is room (DESIGN §5 "Records, the spool and acknowledgements"). The machines run the tests
// as root, which mounting needs.
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  killByEnv,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const FLOWS = `
flows:
  - id: count
    tasks:
      - id: count
        type: exec
        listen: trigger.good
        opts:
          shell: |
            i=0
            while [ ! -e "$OUT/gate-$FLOE_RUN_NUMBER" ]; do i=$((i+1)); echo "line-$i $(printf '%0200d' 0)"; echo $i > "$OUT/progress-$FLOE_RUN_NUMBER"; sleep 0.02; done
            echo end-$i
`;

let disk = '';
let out = '';
afterAll(async () => {
  await killSpawned();
  if (out) killByEnv('OUT', out);
  if (disk) spawnSync('umount', ['-l', disk]);
  removeTempDirs();
});

/** Writes into `dir` until its disk refuses even 512 bytes. */
function fillUp(file: string): void {
  const fd = openSync(file, 'w');
  try {
    for (const size of [1024 * 1024, 512]) {
      const block = Buffer.alloc(size);
      try {
        for (;;) writeSync(fd, block);
      } catch {
        // Full to this block size.
      }
    }
  } finally {
    closeSync(fd);
  }
}

type RunView = { state: string; result?: string; pendingReason?: string };

describe('a runner whose disk fills up', () => {
  it('keeps every record of the run it holds, declines new runs saying why, and takes them again later', async () => {
    disk = makeTempDir('floe-disk-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=40m', 'floe-test', disk], { encoding: 'utf8' });
    expect(mounted.status, `mount a tmpfs (the tests run as root): ${mounted.stderr}`).toBe(0);
    out = makeTempDir('floe-out-');
    chmodSync(out, 0o777);
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    const hub = await startHub({ repos: [repo] });
    const runner = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'vm-1',
      slots: 2,
      workDir: disk,
      // The tasks write their progress to $OUT from their sandboxes, as the task user.
      args: ['--spool-reserve-mb', '8', '--sandbox-bind', out],
      env: { OUT: out },
    });
    await runner.waitForOutput('connected to the hub', 30_000);
    const start = async () => (await hub.json<{ runId: string }>('/api/flows/count/runs', { body: {} })).runId;
    const progress = (n: number) =>
      existsSync(join(out, `progress-${n}`)) ? Number(readFileSync(join(out, `progress-${n}`), 'utf8')) : 0;

    const first = await start();
    await waitFor(() => progress(1) >= 5, { timeoutMs: 30_000, what: 'run 1 printing' });
    fillUp(join(disk, 'filler'));
    // The run goes on printing while the disk is full: its records now go into the reserve's room.
    const atFull = progress(1);
    await waitFor(() => progress(1) > atFull + 200, { timeoutMs: 30_000, what: 'run 1 printing on a full disk' });

    const second = await start();
    const waiting = await waitFor(
      async () => {
        const run = await hub.json<RunView>(`/api/runs/${second}`);
        return run.pendingReason?.includes('disk is full') && run;
      },
      { timeoutMs: 30_000, what: 'run 2 declined for the full disk' },
    );
    expect(waiting.state).toBe('pending');
    expect(waiting.pendingReason).toMatch(/vm-1 .*declined it \(the runner's disk is full \(.* free under .*\)\)/);
    expect(runner.output()).toContain("the runner's disk is full; its spool reserve goes to the runs it holds");

    writeFileSync(join(out, 'gate-1'), '');
    const ended = await waitFor(
      async () => {
        const run = await hub.json<RunView>(`/api/runs/${first}`);
        return run.state === 'archived' && run;
      },
      { timeoutMs: 60_000, what: 'run 1 ended' },
    );
    expect(ended.result).toBe('good');
    const printed = progress(1);
    const log = await (await hub.request(`/api/runs/${first}/logs?node=count`)).text();
    expect(log.match(/^line-\d+/gm)).toEqual(Array.from({ length: printed }, (_, i) => `line-${i + 1}`));
    expect(log).toContain(`end-${printed}\n`);

    // Room again: the runner takes runs again (the declined one waits out its turn; a new one is taken).
    rmSync(join(disk, 'filler'));
    const third = await start();
    await waitFor(() => progress(3) >= 1, { timeoutMs: 60_000, what: 'run 3 executing once there is room' });
    writeFileSync(join(out, 'gate-3'), '');
    writeFileSync(join(out, 'gate-2'), '');
    await waitFor(async () => (await hub.json<RunView>(`/api/runs/${third}`)).result === 'good', {
      timeoutMs: 60_000,
      what: 'run 3 good',
    });
    expect(runner.child.exitCode).toBe(null);
  }, 240_000);
});
