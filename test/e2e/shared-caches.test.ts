// Task caches kept on the hub (`floe-hub --shared-caches`): two real runners on their own work dirs and a real hub
// over HTTP. What one runner saved, the other restores; a hub without the setting leaves each runner its own.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

/** Two flows of one repository (one keyspace), each held to one runner by its host tag, with one cache key. */
const FLOWS = `
flows:
${['one', 'two']
  .map(
    (id) => `  - id: ${id}
    host-tags: [${id}]
    tasks:
      - id: install
        type: exec
        listen: trigger.good
        cache: {key: "deps-{{runner.os}}-v1", paths: [deps]}
        opts:
          shell: |
            if [ -f deps/made-by ]; then echo "reused $(cat deps/made-by)"; fi
            mkdir -p deps/pkg && echo ${id} > deps/made-by && head -c 200000 /dev/urandom > deps/pkg/blob`,
  )
  .join('\n')}
`;

afterAll(async () => {
  await killSpawned();
  removeTempDirs();
});

type RunView = { state: string; result?: string };

async function runToEnd(hub: HubProcess, flow: string): Promise<{ runId: string; log: string }> {
  const { runId } = await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { method: 'POST', body: {} });
  const run = await waitFor(
    async () => {
      const view = await hub.json<RunView>(`/api/runs/${runId}`);
      return view.state === 'archived' ? view : undefined;
    },
    { timeoutMs: 90_000, what: `run ${runId} of ${flow} to end` },
  );
  const log = await (await hub.request(`/api/runs/${runId}/logs?node=install`)).text();
  expect(run.result, log).toBe('good');
  return { runId, log };
}

/** The archives a runner keeps itself, in `<work dir>/cache/tasks`. */
function localArchives(workDir: string): string[] {
  const root = join(workDir, 'cache', 'tasks');
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => readdirSync(join(root, entry.name)).filter((name) => name.endsWith('.tar')));
}

async function twoRunners(hub: HubProcess) {
  const one = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1', tags: ['one'] });
  const two = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-2', tags: ['two'] });
  await one.waitForOutput('connected to the hub', 30_000);
  await two.waitForOutput('connected to the hub', 30_000);
  return { one, two };
}

describe('task caches shared through the hub', () => {
  it('are saved by one runner and restored by another when the hub keeps them', async () => {
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    const hub = await startHub({ repos: [repo], args: ['--shared-caches'] });
    const { one, two } = await twoRunners(hub);

    const first = await runToEnd(hub, 'one');
    expect(first.log).toMatch(/cache miss: deps-linux-v1\n/);
    expect(first.log).toMatch(/cache saved: deps-linux-v1 — 2\d\d KB/);
    expect(hub.output()).toContain('"msg":"task cache saved"');

    const second = await runToEnd(hub, 'two');
    expect(second.log).toMatch(/cache hit: deps-linux-v1 — /);
    expect(second.log).toMatch(/^reused one$/m);
    // Through the hub: neither runner kept an archive of its own.
    expect(localArchives(one.workDir)).toEqual([]);
    expect(localArchives(two.workDir)).toEqual([]);
  }, 180_000);

  it('stay on each runner when the hub does not keep them', async () => {
    const repo = makeTempDir('floe-repo-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
    const hub = await startHub({ repos: [repo] });
    const { one, two } = await twoRunners(hub);

    expect((await runToEnd(hub, 'one')).log).toMatch(/cache saved: deps-linux-v1/);
    const second = await runToEnd(hub, 'two');
    expect(second.log).toMatch(/cache miss: deps-linux-v1\n/);
    expect(second.log).not.toMatch(/^reused /m);
    expect(localArchives(one.workDir)).toHaveLength(1);
    expect(localArchives(two.workDir)).toHaveLength(1);
  }, 180_000);
});
