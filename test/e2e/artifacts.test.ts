// Artifacts end to end (DESIGN §8 "Artifacts"): a real runner uploads what a task left to a real hub over HTTP, the
// hub keeps it across a restart, `floe artifacts` downloads it checked against its sha256, another flow's `fetch`
// takes it into its workspace; with two hubs on PostgreSQL, what one stored the other serves.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
