// A run is over only once its processes are: a cancelled run keeps its slot and its resource tags until its
// tasks have stopped (DESIGN §3 rule 7, §5). Two runners on one machine, a task that takes its time to stop.
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

// Each task appends `<what> <run number>` to $MARKS. `slow-stop` takes a second to stop after SIGINT, as a
// deploy finishing its step or a test runner writing its report does.
const SLOW_STOP = `echo "started $FLOE_RUN_NUMBER" >> "$MARKS"; trap 'sleep 1; echo "stopped $FLOE_RUN_NUMBER" >> "$MARKS"; exit 130' INT; while :; do sleep 0.05; done`;
const FLOWS = `
flows:
  - id: deploy
    host-tags: [db-host]
    resource-tags: [db]
    tasks:
      - {id: ship, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(SLOW_STOP)}}}
  - id: alone
    host-tags: [single]
    tasks:
      - {id: work, type: exec, listen: trigger.good, opts: {shell: ${JSON.stringify(SLOW_STOP)}}}
`;

let hub: HubProcess;
let marks: string;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  marks = join(makeTempDir('floe-marks-'), 'marks');
  // The dispatcher's safety-net sweep (30 s) is longer than any wait below: a run offered only by it fails them.
  hub = await startHub({ repos: [repo], leaseMs: 5_000, heartbeatMs: 300 });
  const env = { MARKS: marks };
  // The tasks append to $MARKS from their sandboxes, as the task user (docs/runners.md "Task sandboxes").
  chmodSync(dirname(marks), 0o777);
  const args = ['--sandbox-bind', dirname(marks)];
  const runners = [
    startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'vm-1',
      tags: ['db-host', 'single'],
      env,
      args,
    }),
    startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-2', tags: ['db-host'], env, args }),
  ];
  for (const runner of runners) await runner.waitForOutput('connected to the hub');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  killByEnv('MARKS', marks);
  removeTempDirs();
});

interface RunView {
  number: number;
  state: string;
  result?: string;
  stopping?: string;
}

const start = async (flow: string) =>
  (await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { body: {} })).runId;
const run = (runId: string) => hub.json<RunView>(`/api/runs/${runId}`);
const lines = () => (existsSync(marks) ? readFileSync(marks, 'utf8').trim().split('\n') : []);
const marked = (line: string) => waitFor(() => lines().includes(line), { what: `"${line}" in the marks` });

describe('a run that is being stopped', () => {
  it('keeps its resource tag until its task has stopped: the next deploy starts after, on either runner', async () => {
    const first = await start('deploy');
    const { number } = await run(first);
    await marked(`started ${number}`);
    const second = await start('deploy');
    await hub.json(`/api/runs/${first}/cancel`, { body: {} });
    const stopping = await waitFor(async () => {
      const view = await run(first);
      return view.stopping !== undefined && view;
    });
    expect(stopping).toMatchObject({ state: 'active', stopping: expect.stringMatching(/^cancelled by /) });
    const next = (await run(second)).number;
    await marked(`started ${next}`);
    expect(lines().indexOf(`stopped ${number}`)).toBeGreaterThanOrEqual(0);
    expect(lines().indexOf(`stopped ${number}`)).toBeLessThan(lines().indexOf(`started ${next}`));
    expect(await run(first)).toMatchObject({ state: 'archived', result: 'cancelled' });
    await hub.json(`/api/runs/${second}/cancel`, { body: {} });
    await marked(`stopped ${next}`);
  });

  it("keeps its runner's slot until then, and the run waiting for that slot is offered as soon as it frees", async () => {
    const first = await start('alone');
    const { number } = await run(first);
    await marked(`started ${number}`);
    await hub.json(`/api/runs/${first}/cancel`, { body: {} });
    const second = await start('alone');
    // vm-1 has one slot: it declines nothing, and the second run starts once the first has stopped, not a sweep later.
    const next = (await run(second)).number;
    await marked(`started ${next}`);
    expect(lines().indexOf(`stopped ${number}`)).toBeLessThan(lines().indexOf(`started ${next}`));
    await hub.json(`/api/runs/${second}/cancel`, { body: {} });
    await marked(`stopped ${next}`);
  });
});
