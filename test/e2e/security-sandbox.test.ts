// The escape suite (docs/security.md "The runner sandbox", DESIGN §9): on a real runner started as root, a task
// tries to read the runner's credential, its environment in /proc, another run's workspace and /etc/shadow; to
// signal the runner; to write to a cgroup's cgroup.procs; to leave a process running after it; to reach a socket
// in the runner's work dir (where a control socket would be); and, untrusted, to reach the hub over the network.
// Every attempt must fail, for a trusted run as for an untrusted one. The same probe on a runner started with
// `--sandbox off` succeeds at each: the probe is real, and the sandbox is what stops it. That runner is offered no
// untrusted run, and says why.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
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

/** Each line: `<attempt>=blocked`, or `<attempt>=ESCAPED` when the task got what it must not. */
const PROBE = String.raw`
set +e
# The work dir: a run's workspace is <work dir>/runs/<name>, or <work dir>/boxes/<box>/<name> in a spare sandbox.
root=$(echo "$FLOEWS" | sed -E 's#/(runs|boxes/[^/]+)/[^/]+$##')
case $FLOEWS in */boxes/*) echo probe:box=spare;; *) echo probe:box=run;; esac
try() { if eval "$2" >/dev/null 2>&1; then echo "probe:$1=ESCAPED"; else echo "probe:$1=blocked"; fi; }
try credential 'grep -q credential "$root/credential.json"'
try runner-environ 'grep -q FLOE_ADMIN_TOKEN /proc/$FLOE_DATA_RUNNER_PID/environ'
try any-environ 'cat /proc/[0-9]*/environ 2>/dev/null | tr "\0" "\n" | grep -q "^FLOE_ADMIN_TOKEN="'
try other-workspace 'grep -q victim-secret "$root/flows/victim/ws/secret.txt"'
try shadow 'grep -q "^root:" /etc/shadow'
try signal-runner 'kill -0 $FLOE_DATA_RUNNER_PID'
cgroup=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
own=$(sed -n 's/^0:://p' /proc/self/cgroup)
try cgroup-procs 'echo $$ > "$cgroup$own/cgroup.procs"'
try control-socket 'test -S "$root/control.sock"'
try network 'echo hello > /dev/tcp/127.0.0.1/$FLOE_DATA_HUB_PORT'
setsid bash -c 'exec -a floe-escapee-$FLOE_RUN_ID sleep 300' </dev/null >/dev/null 2>&1 &
echo probe:left=floe-escapee-$FLOE_RUN_ID
`;

const FLOWS = `
flows:
  - id: victim
    reuse-space: true
    host-tags: [boxed]
    tasks:
      - {id: plant, type: exec, listen: trigger.good, opts: {shell: "echo victim-secret > secret.txt"}}
  - id: escape
    host-tags: [boxed]
    tasks: &probe
      - {id: ask, type: data, listen: trigger.good, opts: {form: {fields: [{id: runner_pid}, {id: hub_port}]}}}
      - id: probe
        type: exec
        listen: task.ask.good
        opts:
          shell: |
${PROBE.trim()
  .split('\n')
  .map((line) => `            ${line}`)
  .join('\n')}
  - id: plant-git
    host-tags: [boxed]
    tasks:
      - {id: checkout, type: git-checkout, listen: trigger.good, opts: {sub-dir: src}}
      - id: plant
        type: exec
        listen: task.checkout.good
        opts:
          shell: |
            root=\${FLOEWS%/runs/*}; root=\${root%/boxes/*}
            git -C src config core.fsmonitor "echo ran > $root/fsmonitor-ran" && echo planted
      - {id: again, type: git-checkout, listen: task.plant.good, opts: {sub-dir: src}}
  - id: victim-bare
    reuse-space: true
    host-tags: [bare]
    tasks:
      - {id: plant, type: exec, listen: trigger.good, opts: {shell: "mkdir -p ../../victim/ws && echo victim-secret > ../../victim/ws/secret.txt"}}
  - id: escape-bare
    host-tags: [bare]
    tasks: *probe
`;

interface RunView {
  state: string;
  result?: string;
  trust?: string;
  runner?: string;
  pendingReason?: string;
}

let hub: HubProcess;
let boxed: RunnerProcess;
let bare: RunnerProcess;
const sockets: Server[] = [];

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  // A pull request's head: runs of it are untrusted.
  execFileSync('git', ['-C', repo, 'update-ref', 'refs/pull/1/head', 'HEAD']);
  hub = await startHub({ repos: [repo], leaseMs: 5_000, heartbeatMs: 300 });
  // FLOE_ADMIN_TOKEN is one of the runner's own variables, which tasks never inherit: finding it is reading the
  // runner's environment.
  const env = { FLOE_ADMIN_TOKEN: 'runner-own-secret' };
  boxed = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-boxed', tags: ['boxed'], env });
  bare = startRunner({
    hub: hub.url,
    token: await hub.runnerToken(),
    name: 'vm-bare',
    tags: ['bare'],
    env,
    args: ['--sandbox', 'off'],
  });
  await boxed.waitForOutput('tasks run in a sandbox', 30_000);
  await bare.waitForOutput('tasks run without a sandbox', 30_000);
  for (const runner of [boxed, bare]) {
    await runner.waitForOutput('connected to the hub', 30_000);
    // Where the runner's control socket would be: a listening socket in its work dir.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(runner.workDir, 'control.sock'), resolve));
    sockets.push(server);
  }
}, 120_000);
afterAll(async () => {
  for (const server of sockets) server.close();
  await killSpawned();
  removeTempDirs();
});

const run = (runId: string) => hub.json<RunView>(`/api/runs/${runId}`);
const ended = (runId: string) =>
  waitFor(async () => (await run(runId)).state === 'archived' && run(runId), {
    timeoutMs: 30_000,
    what: `run ${runId} to end`,
  });
const start = async (flow: string, ref?: string) =>
  (await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { body: ref ? { ref } : {} })).runId;

/** Runs the probe flow and returns what each attempt gave, and the name of what it left running. */
async function probe(flow: string, runner: RunnerProcess, ref?: string): Promise<Record<string, string>> {
  const runId = await start(flow, ref);
  await waitFor(async () => (await run(runId)).state === 'active', { what: `run ${runId} to start` });
  const values = { runner_pid: String(runner.pid), hub_port: String(hub.port) };
  await waitFor(
    async () => (await hub.request(`/api/runs/${runId}/nodes/ask/data`, { body: { values } })).status < 300,
    { what: 'the form to be answered' },
  );
  const view = await ended(runId);
  expect(view.runner).toBe(runner.name);
  const log = await (await hub.request(`/api/runs/${runId}/logs?node=probe`)).text();
  const found = Object.fromEntries([...log.matchAll(/probe:([a-z-]+)=([\w-]+)/g)].map((m) => [m[1], m[2]]));
  if (Object.keys(found).length < 10) throw new Error(`the probe did not finish:\n${log}`);
  return { ...found, trust: view.trust ?? '' };
}

function stillRunning(name: string): boolean {
  return spawnSync('pgrep', ['-f', name]).status === 0;
}

const BLOCKED = {
  credential: 'blocked',
  'runner-environ': 'blocked',
  'any-environ': 'blocked',
  'other-workspace': 'blocked',
  shadow: 'blocked',
  'signal-runner': 'blocked',
  'cgroup-procs': 'blocked',
  'control-socket': 'blocked',
};

describe('a sandboxed task on a runner started as root', () => {
  it('is reported sandboxed by the runner, and the unsandboxed runner says why not', async () => {
    const runners = await hub.json<{ name: string; sandboxed: boolean; sandboxReason?: string }[]>('/api/runners');
    expect(runners.find((runner) => runner.name === 'vm-boxed')).toMatchObject({ sandboxed: true });
    expect(runners.find((runner) => runner.name === 'vm-bare')).toMatchObject({
      sandboxed: false,
      sandboxReason: 'the runner was started with --sandbox off',
    });
  });

  it('cannot reach the runner, its credential, other runs, root files or its cgroup, nor leave anything behind (trusted)', async () => {
    expect((await ended(await start('victim'))).result).toBe('good');
    const got = await probe('escape', boxed);
    expect(got).toMatchObject({ ...BLOCKED, trust: 'trusted', network: 'ESCAPED' });
    expect(got.left).toMatch(/^floe-escapee-/);
    expect(stillRunning(got.left as string)).toBe(false);
    expect(boxed.child.exitCode).toBeNull();
  });

  it('cannot do any of it in an untrusted run either, which also has no network', async () => {
    const got = await probe('escape', boxed, 'refs/pull/1/head');
    expect(got).toMatchObject({ ...BLOCKED, trust: 'untrusted', network: 'blocked' });
    expect(stillRunning(got.left as string)).toBe(false);
  });

  it('cannot do any of it from a sandbox prepared before its offer either, trusted or not', async () => {
    // The probes above were the first runs of their kinds: a spare of each kind waits since (spare-sandboxes.ts).
    for (const ref of [undefined, 'refs/pull/1/head']) {
      const got = await probe('escape', boxed, ref);
      expect(got).toMatchObject({ ...BLOCKED, box: 'spare', network: ref ? 'blocked' : 'ESCAPED' });
      expect(stillRunning(got.left as string)).toBe(false);
    }
  });

  it('cannot have the runner run what it wrote into a clone (.git/config), and the clone is checked out again', async () => {
    const runId = await start('plant-git');
    const view = await ended(runId);
    const planted = await (await hub.request(`/api/runs/${runId}/logs?node=plant`)).text();
    expect(planted).toContain('planted');
    expect(view.result).toBe('good');
    expect(existsSync(join(boxed.workDir, 'fsmonitor-ran'))).toBe(false);
  });
});

describe('the same task on a runner started with --sandbox off', () => {
  it('gets everything the sandbox withholds: the probe is real', async () => {
    expect((await ended(await start('victim-bare'))).result).toBe('good');
    const got = await probe('escape-bare', bare);
    expect(got).toMatchObject({
      credential: 'ESCAPED',
      'runner-environ': 'ESCAPED',
      'other-workspace': 'ESCAPED',
      shadow: 'ESCAPED',
      'signal-runner': 'ESCAPED',
      'control-socket': 'ESCAPED',
    });
  });

  it('is offered no untrusted run, and the run says why it waits', async () => {
    const runId = await start('escape-bare', 'refs/pull/1/head');
    const view = await waitFor(async () => (await run(runId)).pendingReason !== undefined && run(runId), {
      what: 'a pending reason',
    });
    expect(view).toMatchObject({ state: 'pending', trust: 'untrusted' });
    expect(view.pendingReason).toBe(
      'an untrusted run goes only to a runner that sandboxes its tasks, and the one matching runner (vm-bare) does not',
    );
    await hub.json(`/api/runs/${runId}/cancel`, { body: {} });
  });
});
