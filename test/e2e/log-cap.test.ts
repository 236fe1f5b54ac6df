// The hub's log cap (--log-cap-mb) is kept by the runner while a log streams: what is stored is the log's head and
// its tail, with a line saying how much was dropped between them, however much a task prints.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const CAP = 64 * 1024;
const LINES = 3_000_000; // ~22 MB of numbered lines: 350 times the cap
const FLOWS = `
flows:
  - id: chatty
    tasks:
      - {id: talk, type: exec, listen: trigger.good, opts: {cmd: seq, args: ["1", "${LINES}"]}}
`;

let hub: HubProcess;
let runner: RunnerProcess;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({ repos: [repo], args: ['--log-cap-mb', String(CAP / 1024 / 1024)] });
  runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1' });
  await runner.waitForOutput('connected to the hub');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  removeTempDirs();
});

/** Bytes under `dir`, files only. */
function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

describe('the log cap', () => {
  it("stores a chatty task's head and tail within the cap, saying how much was dropped", async () => {
    const hubBytesBefore = sizeOf(hub.dataDir);
    const { runId } = await hub.json<{ runId: string }>('/api/flows/chatty/runs', { body: {} });
    await waitFor(async () => (await hub.json<{ state: string }>(`/api/runs/${runId}`)).state === 'archived', {
      timeoutMs: 60_000,
      what: 'the run to end',
    });
    expect(await hub.json(`/api/runs/${runId}`)).toMatchObject({ result: 'good' });
    const log = await (await hub.request(`/api/runs/${runId}/logs?node=talk`)).text();
    expect(Buffer.byteLength(log)).toBeLessThanOrEqual(CAP);
    expect(log.slice(0, 200)).toMatch(/^(.*\n)?1\n2\n3\n/);
    expect(log).toMatch(/output passed 16 KiB: from here on only its last 32 KiB is kept, shown when the task ends\n/);
    const dropped = /… (\d+) MiB of output dropped here \(log cap\) …\n/.exec(log);
    expect(Number(dropped?.[1])).toBeGreaterThanOrEqual(20);
    // The tail starts at a line and runs to the last line, then the exit.
    const tail = log.slice((dropped?.index ?? 0) + (dropped?.[0].length ?? 0));
    const numbers = tail.split('\n').filter((line) => /^\d+$/.test(line));
    expect(numbers.at(-1)).toBe(String(LINES));
    expect(numbers.map(Number)).toEqual(numbers.map((_, i) => LINES - numbers.length + 1 + i));
    expect(tail).toContain('exited 0');
    // Neither the hub's data dir nor the runner's spool took the 22 MB.
    expect(sizeOf(hub.dataDir) - hubBytesBefore).toBeLessThan(4 * 1024 * 1024);
    // (The spool's disk reserve, a file of fixed size made at start, is not the log's.)
    const reserve = statSync(join(runner.workDir, 'spool', '.reserve'), { throwIfNoEntry: false })?.size ?? 0;
    expect(sizeOf(join(runner.workDir, 'spool')) - reserve).toBeLessThan(1024 * 1024);
  });
});
