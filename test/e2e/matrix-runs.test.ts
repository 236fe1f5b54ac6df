// A matrix task run by a real runner for a real hub (docs/floe-yaml.md "Matrices", docs/runners.md "Matrices"): the
// combinations share the run's one slot, at most the runner's slots run at once, and the hub's copy of the run,
// told that number in the start record, agrees with the runner's on when each combination started.
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubProcess,
  killByEnv,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

// Each combination marks itself running in a shared folder; one that finds more than two running fails.
const FLOWS = `
flows:
  - id: matrix
    tasks:
      - id: test
        type: exec
        listen: trigger.good
        timeout: 20s
        opts:
          shell: |
            touch "$SHARED/$FLOE_RUN_ID-{{matrix.n}}"
            test "$(ls "$SHARED" | grep -c "^$FLOE_RUN_ID-")" -le 2
            echo "n=$FLOE_MATRIX_N"
            sleep 0.3
            rm "$SHARED/$FLOE_RUN_ID-{{matrix.n}}"
        matrix: {axes: {n: [1, 2, 3, 4]}}
      - {id: after, type: exec, listen: task.test.good, opts: {cmd: "true"}}
`;

interface NodeView {
  id: string;
  state: string;
  startedAt?: number;
  endedAt?: number;
  combination?: { of: string; values: Record<string, string> };
}
interface RunView {
  state: string;
  result?: string;
  runner?: string;
  nodes: NodeView[];
}

let hub: HubProcess;
let shared: string;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  shared = makeTempDir('floe-matrix-');
  chmodSync(shared, 0o777);
  hub = await startHub({ repos: [repo], leaseMs: 5_000, heartbeatMs: 300 });
  const runner = startRunner({
    hub: hub.url,
    token: await hub.runnerToken(),
    name: 'vm-2',
    tags: ['linux'],
    slots: 2,
    env: { SHARED: shared },
    args: ['--sandbox-bind', shared],
  });
  await runner.waitForOutput('connected to the hub');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  killByEnv('SHARED', shared);
  removeTempDirs();
});

describe('a matrix run on a runner of two slots', () => {
  it("runs two combinations at once in the run's one slot, and the hub's copy agrees", async () => {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/matrix/runs', { body: {} });
    const run = await waitFor(
      async () => {
        const view = await hub.json<RunView>(`/api/runs/${runId}`);
        return view.state === 'archived' && view;
      },
      { timeoutMs: 30_000, what: 'the matrix run to end' },
    );
    expect(run).toMatchObject({ result: 'good', runner: 'vm-2' });
    expect(run.nodes.map((node) => `${node.id}:${node.state}`)).toEqual([
      'test:good',
      'test~n-1:good',
      'test~n-2:good',
      'test~n-3:good',
      'test~n-4:good',
      'after:good',
    ]);
    expect(run.nodes[3]?.combination).toEqual({ of: 'test', values: { n: '3' } });
    // The hub started the third combination when the runner did: once one of the first two had ended.
    const [, one, two, three] = run.nodes as [NodeView, NodeView, NodeView, NodeView];
    expect(three.startedAt).toBeGreaterThanOrEqual(Math.min(one.endedAt ?? 0, two.endedAt ?? 0));
    expect(one.startedAt).toBe(two.startedAt);
    const log = await (await hub.request(`/api/runs/${runId}/logs?node=test~n-3`)).text();
    expect(log).toContain('n=3');
  });
});
