// Artifacts end to end (DESIGN §8 "Artifacts"): a real runner uploads what a task left to a real hub over HTTP, the
// hub keeps it across a restart, `floe artifacts` downloads it checked against its sha256, another flow's `fetch`
// takes it into its workspace; with two hubs on PostgreSQL, what one stored the other serves.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../github-app/src/store/testing/test-database.js';
import {
  FLOE_MAIN,
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  spawnProcess,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';
import { startPostgresHubs } from '../support/postgres-hubs.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const FLOWS = `
flows:
  - id: build
    tasks:
      - id: make
        type: exec
        listen: trigger.good
        opts:
          shell: |
            mkdir -p dist/sub
            echo "console.log('app')" > dist/app.js
            head -c 300000 /dev/urandom > dist/sub/blob.bin
            echo ok > report.txt
            ln -s /etc/passwd dist/passwd
        artifacts:
          - {name: dist, paths: [dist/]}
          - {name: report, paths: [report.txt], expire-in: 7d}
          - {name: logs, paths: ["logs/*.log"], when: always}
          - {name: on-failure, paths: [report.txt], when: bad}
  - id: use
    tasks:
      - id: take
        type: fetch
        listen: trigger.good
        opts: {artifact: {flow: build, name: dist}, location: got/}
      - id: show
        type: exec
        listen: task.take.good
        opts: {shell: "cat got/dist/app.js; sha256sum got/dist/sub/blob.bin; test ! -e got/dist/passwd && echo no-passwd"}
  - id: big
    tasks:
      - id: make
        type: exec
        listen: trigger.good
        opts: {shell: "head -c 48000000 /dev/urandom > big.bin"}
        artifacts: [{name: big, paths: [big.bin]}]
`;

type RunView = { state: string; result?: string; reason?: string; number: number };
type ArtifactView = {
  name: string;
  state: string;
  size: number;
  files: { path: string; size: number; sha256: string }[];
};

const databases: TestDatabase[] = [];
afterAll(async () => {
  await killSpawned();
  await Promise.all(databases.map((db) => db.drop()));
  removeTempDirs();
});

async function runToEnd(hub: HubProcess, flow: string): Promise<{ id: string; run: RunView }> {
  const { runId } = await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { method: 'POST', body: {} });
  const run = await waitFor(
    async () => {
      const view = await hub.json<RunView>(`/api/runs/${runId}`);
      return view.state === 'archived' ? view : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return { id: runId, run };
}

async function startRun(hub: HubProcess, flow: string, body: object = {}): Promise<string> {
  return (await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { method: 'POST', body })).runId;
}

async function ended(hub: HubProcess, runId: string): Promise<RunView> {
  return waitFor(
    async () => {
      const view = await hub.json<RunView>(`/api/runs/${runId}`);
      return view.state === 'archived' ? view : undefined;
    },
    { timeoutMs: 90_000, what: `run ${runId} to end` },
  );
}

/** The blob files a SQLite hub keeps under its data dir, with their sizes. */
function blobBytes(hub: HubProcess): number {
  const root = join(hub.dataDir, 'artifacts');
  if (!existsSync(root)) return 0;
  let total = 0;
  for (const dir of readdirSync(root))
    for (const file of readdirSync(join(root, dir))) total += readFileSync(join(root, dir, file)).length;
  return total;
}

async function logOf(hub: HubProcess, runId: string, node: string): Promise<string> {
  return (await hub.request(`/api/runs/${runId}/logs?node=${node}`)).text();
}

function floe(hub: HubProcess, args: string[], cwd: string) {
  return spawnProcess(process.execPath, [FLOE_MAIN, ...args], {
    cwd,
    env: { FLOE_HUB_URL: hub.url, FLOE_TOKEN: hub.adminToken },
  });
}

describe('artifacts on a hub with SQLite', () => {
  it('are uploaded by the runner, survive a hub restart, download checked, and are fetched by another flow', async () => {
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    let hub = await startHub({ repos: [repo] });
    const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1' });
    await runner.waitForOutput('connected to the hub', 30_000);

    const build = await runToEnd(hub, 'build');
    expect(build.run).toMatchObject({ result: 'good' });
    const log = await logOf(hub, build.id, 'make');
    expect(log).toContain('artifact dist: dist/passwd resolves outside the workspace; not taken');
    expect(log).toContain('artifact logs: artifact path "logs/*.log" matched no file');
    expect(log).toContain('artifact dist: stored, 2 files');
    expect(log).toContain('artifact logs: no files, nothing kept');
    expect(log).not.toContain('artifact on-failure');
    const { artifacts } = await hub.json<{ artifacts: ArtifactView[] }>(`/api/runs/${build.id}/artifacts`);
    expect(artifacts.map((a) => [a.name, a.state, a.files.map((f) => f.path)])).toEqual([
      ['dist', 'stored', ['dist/app.js', 'dist/sub/blob.bin']],
      ['report', 'stored', ['report.txt']],
    ]);
    const report = artifacts.find((a) => a.name === 'report') as ArtifactView & { expiresAt?: number };
    expect(report.expiresAt).toBeGreaterThan(Date.now() + 6 * 86_400_000);

    // The hub restarts on its data dir: nothing of the artifacts is lost.
    await hub.stop();
    hub = await startHub({ repos: [repo], dataDir: hub.dataDir, port: hub.port });
    await runner.waitForOutput(/connected to the hub[\s\S]*connected to the hub/, 30_000);

    const out = makeTempDir('floe-artifacts-out-');
    const cli = floe(hub, ['artifacts', `build#${build.run.number}`, '--name', 'dist', '--out', out], out);
    expect(await cli.exited).toBe(0);
    const blob = readFileSync(join(out, 'dist', 'dist', 'sub', 'blob.bin'));
    const blobSha = createHash('sha256').update(blob).digest('hex');
    expect(blobSha).toBe(artifacts[0]?.files[1]?.sha256);
    expect(readFileSync(join(out, 'dist', 'dist', 'app.js'), 'utf8')).toBe("console.log('app')\n");
    expect(cli.output()).toContain(`sha256 ${blobSha}`);

    const use = await runToEnd(hub, 'use');
    expect(use.run).toMatchObject({ result: 'good' });
    expect(await logOf(hub, use.id, 'take')).toContain(`artifact dist of flow build: run #${build.run.number}`);
    const shown = await logOf(hub, use.id, 'show');
    expect(shown).toContain("console.log('app')");
    expect(shown).toContain(blobSha);
    expect(shown).toContain('no-passwd');
  }, 180_000);
});

describe('uploads over a network that fails', () => {
  it('resume after the connection is cut mid-upload, and a cancel mid-upload removes the partial file', async () => {
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    const hub = await startHub({ repos: [repo] });
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: hub.port });
    const runner = startRunner({ hub: proxy.via(hub.url), token: await hub.runnerToken(), name: 'vm-1' });
    await runner.waitForOutput('connected to the hub', 30_000);

    // Slowed so the cut lands inside the upload.
    proxy.delay(4);
    const cutRun = await startRun(hub, 'big');
    await waitFor(() => blobBytes(hub) > 1_000_000, { timeoutMs: 60_000, what: 'the upload to begin' });
    proxy.set('cut');
    await waitFor(() => proxy.open === 0, { what: 'every connection through the proxy to be cut' });
    proxy.set('open');
    proxy.delay(0);
    expect(await ended(hub, cutRun)).toMatchObject({ result: 'good' });
    const log = await logOf(hub, cutRun, 'make');
    expect(log).toMatch(/artifact big: upload interrupted \(.*\); resuming in \d+ s/);
    expect(log).toContain('artifact big: stored, 1 files, 45.8 MiB');
    expect(hub.output()).toMatch(/"resumed":true,"msg":"artifact upload"/);
    // A cut upload is expected: the hub says so plainly, not as a failure of its own.
    expect(hub.output()).not.toContain('"msg":"request failed"');
    const { artifacts } = await hub.json<{ artifacts: ArtifactView[] }>(`/api/runs/${cutRun}/artifacts`);
    const stored = Buffer.from(await (await hub.request(`/api/runs/${cutRun}/artifacts/big`)).arrayBuffer());
    expect(stored.length).toBe(48_000_000);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(artifacts[0]?.files[0]?.sha256);

    const before = blobBytes(hub);
    proxy.delay(15);
    const cancelled = await startRun(hub, 'big');
    await waitFor(() => blobBytes(hub) > before + 1_000_000, { timeoutMs: 60_000, what: 'the second upload to begin' });
    await hub.json(`/api/runs/${cancelled}/cancel`, { method: 'POST', body: {} });
    expect(await ended(hub, cancelled)).toMatchObject({ result: 'cancelled' });
    expect(await logOf(hub, cancelled, 'make')).toMatch(
      /artifact big: upload stopped by a cancel after .*; the partial files are removed/,
    );
    expect((await hub.json<{ artifacts: ArtifactView[] }>(`/api/runs/${cancelled}/artifacts`)).artifacts).toEqual([]);
    expect(blobBytes(hub)).toBe(before);
    await proxy.close();
  }, 240_000);
});

describe('an upload across a hub restart', () => {
  it('goes on where it stopped once a killed hub is back, and every byte is kept', async () => {
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    let hub = await startHub({ repos: [repo] });
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: hub.port });
    const runner = startRunner({ hub: proxy.via(hub.url), token: await hub.runnerToken(), name: 'vm-1' });
    await runner.waitForOutput('connected to the hub', 30_000);

    // Slowed so the restart lands inside the upload.
    proxy.delay(4);
    const runId = await startRun(hub, 'big');
    await waitFor(() => blobBytes(hub) > 1_000_000, { timeoutMs: 60_000, what: 'the upload to begin' });
    // Killed, not stopped: a stopping hub lets requests in flight finish, and this upload would.
    await hub.kill();
    const kept = blobBytes(hub);
    expect(kept).toBeLessThan(48_000_000);
    hub = await startHub({ repos: [repo], dataDir: hub.dataDir, port: hub.port });
    proxy.delay(0);
    expect(await ended(hub, runId)).toMatchObject({ result: 'good' });
    const log = await logOf(hub, runId, 'make');
    expect(log).toMatch(/artifact big: upload interrupted \(.*\); resuming in \d+ s/);
    expect(log).toContain('artifact big: stored, 1 files, 45.8 MiB');
    const { artifacts } = await hub.json<{ artifacts: ArtifactView[] }>(`/api/runs/${runId}/artifacts`);
    const stored = Buffer.from(await (await hub.request(`/api/runs/${runId}/artifacts/big`)).arrayBuffer());
    expect(stored.length).toBe(48_000_000);
    expect(createHash('sha256').update(stored).digest('hex')).toBe(artifacts[0]?.files[0]?.sha256);
    await proxy.close();
  }, 240_000);
});

describe('untrusted runs', () => {
  it('keep artifacts marked untrusted, which no fetch takes, and fetch none themselves', async () => {
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    execFileSync('git', ['-C', repo, 'update-ref', 'refs/pull/1/head', 'HEAD']);
    const hub = await startHub({ repos: [repo] });
    const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1' });
    await runner.waitForOutput('connected to the hub', 30_000);

    const forked = await startRun(hub, 'build', { ref: 'refs/pull/1/head' });
    expect(await ended(hub, forked)).toMatchObject({ result: 'good' });
    const { artifacts } = await hub.json<{ artifacts: (ArtifactView & { trust: string })[] }>(
      `/api/runs/${forked}/artifacts`,
    );
    expect(artifacts.map((a) => [a.name, a.trust])).toEqual([
      ['dist', 'untrusted'],
      ['report', 'untrusted'],
    ]);
    // A trusted run finds no trusted build to take from: the untrusted one does not count.
    const trustedUse = await runToEnd(hub, 'use');
    expect(trustedUse.run).toMatchObject({ result: 'bad' });
    expect(trustedUse.run.reason).toContain('no good trusted run of');

    // An untrusted run fetches nothing, even with a trusted build there.
    expect((await runToEnd(hub, 'build')).run).toMatchObject({ result: 'good' });
    const untrustedUse = await startRun(hub, 'use', { ref: 'refs/pull/1/head' });
    const refused = await ended(hub, untrustedUse);
    expect(refused).toMatchObject({ result: 'bad' });
    expect(refused.reason).toContain('an untrusted run takes no artifacts of other runs');
  }, 180_000);
});

describe('artifacts on two hubs sharing PostgreSQL', () => {
  it('are stored through one hub and downloaded through the other', async () => {
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    const { database, hubs } = await startPostgresHubs(2, { repos: [repo] });
    databases.push(database);
    const [a, b] = hubs as [HubProcess, HubProcess];
    const runner = startRunner({ hub: a.url, token: await a.runnerToken(), name: 'vm-a' });
    await runner.waitForOutput('connected to the hub', 30_000);
    const build = await runToEnd(a, 'build');
    expect(build.run).toMatchObject({ result: 'good' });

    const viaB = await b.request(`/api/runs/${build.id}/artifacts/dist?path=dist/sub/blob.bin`);
    expect(viaB.status).toBe(200);
    const bytes = Buffer.from(await viaB.arrayBuffer());
    const { artifacts } = await a.json<{ artifacts: ArtifactView[] }>(`/api/runs/${build.id}/artifacts`);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(artifacts[0]?.files[1]?.sha256);
    const range = await b.request(`/api/runs/${build.id}/artifacts/report`);
    expect(await range.text()).toBe('ok\n');
  }, 180_000);
});
