// Revocation end to end (docs/security.md "Revocation, expiry and audit"), with the built `floe-hub` and `floe`
// programs: an admin removes a runner while it runs — its runs end lost or go back to the queue, its reconnect is
// refused and the daemon exits — and the `floe token`, `floe runner remove` and `floe audit` commands do what they
// say against a real hub.
import { spawnSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FLOE_MAIN,
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';
import { type PostgresHubs, startPostgresHubs } from '../support/postgres-hubs.js';

/** The re-queued run waits for this file, so that it cannot end before the runner holding it is removed. */
let GO: string;
/** The runners' tasks see GO's folder from their sandboxes (docs/runners.md "Task sandboxes"). */
const seeGo = () => ['--sandbox-bind', `${dirname(GO)}:ro`];
const FLOWS = () => `
flows:
  - id: long
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: "echo started; sleep 60"}}
  - id: keep
    requeue-lost: true
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: "echo started; until [ -e ${GO} ]; do sleep 0.1; done; echo kept"}}
`;

interface RunView {
  state: string;
  result?: string;
  reason?: string;
  reasonCode?: string;
  runner?: string;
}

let repo: string;
beforeEach(() => {
  repo = makeTempDir('floe-repo-');
  const goDir = makeTempDir('floe-go-');
  chmodSync(goDir, 0o755);
  GO = join(goDir, 'go');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS() });
});
afterEach(async () => {
  await killSpawned();
  removeTempDirs();
});

/** Runs the built `floe` with the hub and a token in its environment (never in argv). */
function floe(hub: HubProcess, args: string[], token = hub.adminToken) {
  const result = spawnSync(process.execPath, [FLOE_MAIN, ...args], {
    encoding: 'utf8',
    env: { ...process.env, FLOE_HUB_URL: hub.url, FLOE_TOKEN: token },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const start = async (hub: HubProcess, flow: string) =>
  (await hub.json<{ runId: string }>(`/api/flows/${flow}/runs`, { body: {} })).runId;
const logOf = async (hub: HubProcess, runId: string) => (await hub.request(`/api/runs/${runId}/logs?node=wait`)).text();

describe('removing a runner', { timeout: 120_000 }, () => {
  it('ends its active run lost, re-queues a requeue-lost one, refuses its reconnect, and the daemon exits', async () => {
    const hub = await startHub({ repos: [repo], leaseMs: 30_000, heartbeatMs: 300 });
    const doomed = startRunner({
      hub: hub.url,
      token: await hub.runnerToken(),
      name: 'doomed',
      slots: 2,
      args: seeGo(),
    });
    await doomed.waitForOutput('connected to the hub', 60_000);
    const lost = await start(hub, 'long');
    const kept = await start(hub, 'keep');
    await waitFor(async () => /^started$/m.test(await logOf(hub, lost)) && /^started$/m.test(await logOf(hub, kept)), {
      what: 'both runs to start on the runner',
    });

    const removed = floe(hub, ['runner', 'remove', 'doomed']);
    expect(removed).toMatchObject({ status: 0, stdout: 'runner doomed removed\n' });

    // The lease is 30 s: the run ends at once, by the removal, not by a lapsed lease.
    expect(await hub.json<RunView>(`/api/runs/${lost}`)).toMatchObject({
      state: 'archived',
      result: 'bad',
      reasonCode: 'lost',
      reason: 'runner doomed removed by admin',
    });
    expect((await hub.json<RunView>(`/api/runs/${kept}`)).state).toBe('pending');
    // Its socket closed, its hello with the old credential refused: the daemon stops for good.
    // A failure shows what the daemon said: it once exited 1 in a full suite and could not be made to again.
    expect(await doomed.exited, doomed.output()).toBe(78);
    expect(doomed.output()).toContain('runner credential rejected');
    expect((await hub.json<{ name: string }[]>('/api/runners')).map((runner) => runner.name)).toEqual([]);

    // The re-queued run runs again, from the start, on another runner.
    writeFileSync(GO, '');
    const other = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'other', args: seeGo() });
    await other.waitForOutput('connected to the hub', 60_000);
    const again = await waitFor(
      async () => {
        const view = await hub.json<RunView>(`/api/runs/${kept}`);
        return view.state === 'archived' && view;
      },
      { timeoutMs: 30_000, what: 'the re-queued run to end' },
    );
    expect(again).toMatchObject({ result: 'good', runner: 'other' });
    expect(floe(hub, ['runner', 'remove', 'doomed'])).toMatchObject({
      status: 1,
      stderr: expect.stringMatching(/no runner named doomed/),
    });
  });
});

describe('revocation across hubs sharing a database', { timeout: 120_000 }, () => {
  let pg: PostgresHubs | undefined;
  afterEach(async () => {
    await killSpawned();
    await pg?.database.drop();
    pg = undefined;
  });

  it('removes through one hub a runner connected to the other, and refuses a removed token on both', async () => {
    pg = await startPostgresHubs(2, { repos: [repo], leaseMs: 30_000, heartbeatMs: 300 });
    const [a, b] = pg.hubs as [HubProcess, HubProcess];
    const doomed = startRunner({ hub: a.url, token: await a.runnerToken(), name: 'far-away', args: seeGo() });
    await doomed.waitForOutput('connected to the hub', 60_000);
    const runId = await start(b, 'long');
    await waitFor(async () => /^started$/m.test(await logOf(b, runId)), { what: 'the run to start' });

    expect(floe(b, ['runner', 'remove', 'far-away'])).toMatchObject({ status: 0 });
    // Hub a holds its socket: it hears of the removal from hub b and closes it; the reconnect is refused.
    expect(await doomed.exited).toBe(78);
    expect(await a.json<RunView>(`/api/runs/${runId}`)).toMatchObject({
      state: 'archived',
      reasonCode: 'lost',
      reason: 'runner far-away removed by admin',
    });

    const made = floe(a, ['token', 'create', 'shared', '--role', 'viewer']).stdout.trim();
    expect((await b.request('/api/me', { token: made })).status).toBe(200);
    expect(floe(b, ['token', 'rm', 'shared'])).toMatchObject({ status: 0 });
    expect((await a.request('/api/me', { token: made })).status).toBe(401);
    // A rotation through one hub refuses the configured admin token on the other.
    const rotated = floe(b, ['token', 'rotate-admin']).stdout.trim();
    expect((await a.request('/api/me')).status).toBe(401);
    expect((await a.request('/api/me', { token: rotated })).status).toBe(200);
  });
});

describe('the floe token and audit commands', { timeout: 120_000 }, () => {
  it('create, list, remove and rotate tokens, and print the audit log', async () => {
    const hub = await startHub({ repos: [repo] });
    const made = floe(hub, ['token', 'create', 'ci', '--role', 'operator', '--expires', '30d']);
    expect(made.status).toBe(0);
    const ci = made.stdout.trim();
    expect(ci).toMatch(/^floe_[\w-]{43}$/);
    expect((await hub.json<{ name: string }>('/api/me', { token: ci })).name).toBe('ci');

    const listed = floe(hub, ['token', 'list']);
    expect(listed.status).toBe(0);
    expect(listed.stdout).not.toContain(ci);
    const row = listed.stdout
      .split('\n')
      .find((line) => line.startsWith('ci\t'))
      ?.split('\t');
    expect(row?.[1]).toBe('operator');
    expect(Date.parse(row?.[3] ?? '') - Date.parse(row?.[2] ?? '')).toBeGreaterThanOrEqual(30 * 86_400_000 - 2_000);
    expect(row?.[4]).toMatch(/^\d{4}-/);

    // An operator may not list tokens: the hub's refusal, exit 1.
    expect(floe(hub, ['token', 'list'], ci)).toMatchObject({ status: 1, stderr: expect.stringMatching(/admin role/) });
    expect(floe(hub, ['token', 'create', 'x', '--role', 'boss'])).toMatchObject({ status: 2 });

    expect(floe(hub, ['token', 'rm', 'ci'])).toMatchObject({ status: 0 });
    expect((await hub.request('/api/me', { token: ci })).status).toBe(401);

    const rotated = floe(hub, ['token', 'rotate-admin', '--grace', '10m']);
    expect(rotated.status).toBe(0);
    const admin = rotated.stdout.trim();
    expect(admin).not.toBe(hub.adminToken);
    expect((await hub.json<{ role: string }>('/api/me', { token: admin })).role).toBe('admin');
    // The old one is still good during its grace.
    expect((await hub.request('/api/me')).status).toBe(200);
    const third = floe(hub, ['token', 'rotate-admin'], admin).stdout.trim();
    expect((await hub.request('/api/me', { token: admin })).status).toBe(401);
    expect((await hub.request('/api/me', { token: third })).status).toBe(200);

    const audit = floe(hub, ['audit'], third);
    expect(audit.status).toBe(0);
    const lines = audit.stdout
      .trim()
      .split('\n')
      .map((line) => line.split('\t').slice(1, 4).join(' '));
    expect(lines).toEqual([
      'admin (admin) token.rotate-admin admin',
      'admin (admin) token.rotate-admin admin',
      'admin (admin) token.delete ci',
      'admin (admin) token.create ci',
    ]);
    expect(floe(hub, ['audit', '--limit', '1'], third).stdout.trim().split('\n')).toHaveLength(1);
  });
});
