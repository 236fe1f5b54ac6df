// Secrets end to end (DESIGN §3, §8 "Credentials and keys"): set through the API of a real hub, sealed in its
// database, given to a real runner's task, printed by it in every form — raw, base64 at every alignment (standard
// and URL-safe), line by line, split across writes, and a task's own `::floe-mask::` value — and found nowhere:
// not in the hub's files, the runner's spool, the API, nor either process's output.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createFloeClient } from '@floe/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { secretForms } from '../../runner/src/execution/mask-secrets.js';
import {
  FLOE_MAIN,
  type HubProcess,
  killByEnv,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  type RunnerProcess,
  removeTempDirs,
  startHub,
  startRunner,
  TEST_ADMIN_TOKEN,
  waitFor,
} from '../support/index.js';

const HUB_TOKEN = 'hub-wide-Q7vX/+e9LmT3';
const REPO_TOKEN = 'repo-only-Zw8+/Kp2Rn5';
const MULTI = '-----BEGIN TEST KEY-----\nMIIEpAIBAAKCAQEAw3line\n-----END TEST KEY-----';
const OWN = 'own-value-Hx4Ty9Ke';

// POSIX sh (dash): no bash-isms. Every form is printed; `$GATE` holds the task open so the spool can be read.
const SCRIPT = [
  'echo "raw: $TOKEN"',
  'printf "%s" "$TOKEN" | sha256sum',
  'for p in "" x xy; do printf "%s%s!" "$p" "$TOKEN" | base64 -w0; echo; done',
  'for p in "" x xy; do printf "%s%s!?" "$p" "$TOKEN" | base64 -w0 | tr "+/" "-_"; echo; done',
  'echo "key: $KEY"',
  'printf "%s" "$KEY" | base64 -w0; echo',
  'printf "split: %s" "$(printf "%s" "$TOKEN" | cut -c1-8)"; sleep 0.3; printf "%s done\\n" "$(printf "%s" "$TOKEN" | cut -c9-)"',
  // Made at run time: the flow (stored with the run) must not hold the value itself.
  'OWN="own-value-$(printf Hx4)Ty9Ke"',
  'echo "::floe-mask::$OWN"',
  'echo "own: $OWN"; printf "%s" "$OWN" | base64 -w0; echo',
  'echo "missing: [$NOPE]"',
  'i=0; while [ ! -e "$GATE" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done',
].join('; ');

const FLOWS = `
flows:
  - id: leak
    env: {KEY: "{{secret.MULTI}}"}
    tasks:
      - id: print
        type: exec
        listen: trigger.good
        opts:
          shell: ${JSON.stringify(SCRIPT)}
          env: {TOKEN: "{{secret.TOKEN}}", NOPE: "{{secret.NOPE}}"}
`;

let hub: HubProcess;
let runner: RunnerProcess;
let gate: string;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  gate = join(makeTempDir('floe-gate-'), 'open');
  hub = await startHub({ repos: [repo], heartbeatMs: 300, env: { FLOE_SECRET_KEY: 'e2e-key-0123456789abcdef' } });
  // The task looks for the gate from its sandbox, as the task user (docs/runners.md "Task sandboxes").
  chmodSync(dirname(gate), 0o755);
  const args = ['--sandbox-bind', `${dirname(gate)}:ro`];
  runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-1', env: { GATE: gate }, args });
  await runner.waitForOutput('connected to the hub');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  killByEnv('GATE', gate);
  removeTempDirs();
});

/** Every file under `dir`, as bytes (latin1 keeps each byte one character, so ASCII needles match exactly). */
function filesUnder(dir: string): { path: string; text: string }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => ({ path, text: readFileSync(path).toString('latin1') }));
}

const needles = [HUB_TOKEN, REPO_TOKEN, MULTI, OWN].flatMap(secretForms);
const leaks = (where: string, text: string) => needles.filter((n) => text.includes(n)).map((n) => `${where}: ${n}`);

describe('secrets', () => {
  it('prints a secret in every form from a real task and stores, serves and logs none of them', async () => {
    await hub.json('/api/secrets/TOKEN', { method: 'PUT', body: { value: HUB_TOKEN } });
    const flows = await hub.json<{ id: string; repo: string }[]>('/api/flows');
    const repo = flows.find((f) => f.id === 'leak')?.repo as string;
    await hub.json('/api/secrets/TOKEN', { method: 'PUT', body: { value: REPO_TOKEN, repo } });
    await hub.json('/api/secrets/MULTI', { method: 'PUT', body: { value: MULTI } });

    const listed = await hub.request('/api/secrets');
    const listText = await listed.text();
    expect(JSON.parse(listText).secrets).toEqual([
      { name: 'MULTI', updatedAt: expect.any(Number) },
      { name: 'TOKEN', updatedAt: expect.any(Number) },
      { name: 'TOKEN', repo, updatedAt: expect.any(Number) },
    ]);

    const { runId } = await hub.json<{ runId: string }>('/api/flows/leak/runs', { body: {} });
    // What a live client sees of the run and its log, from the first byte.
    const frames: string[] = [];
    const socket = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/api/live`);
    socket.on('message', (data) => frames.push(String(data)));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'auth', token: TEST_ADMIN_TOKEN }));
    socket.send(JSON.stringify({ type: 'subscribe', sub: 'l', topic: { topic: 'log', runId, node: 'print' } }));
    socket.send(JSON.stringify({ type: 'subscribe', sub: 'r', topic: { topic: 'run', runId } }));
    const log = () => hub.request(`/api/runs/${runId}/logs?node=print`).then((r) => r.text());
    await waitFor(async () => (await log()).includes('missing: []'), { timeoutMs: 20_000, what: 'the task output' });

    // While the task is still running, the runner's spool holds its output.
    const spooled = filesUnder(runner.workDir);
    expect(spooled.some((f) => f.text.includes('split: '))).toBe(true);
    const spoolLeaks = spooled.flatMap((f) => leaks(f.path, f.text));

    writeFileSync(gate, '');
    const detail = await waitFor(
      async () => {
        const run = await hub.json<{ state: string; result?: string; warnings?: string[] }>(`/api/runs/${runId}`);
        return run.state === 'archived' && run;
      },
      { timeoutMs: 20_000, what: 'the run to end' },
    );
    expect(detail.result).toBe('good');
    expect(detail.warnings).toEqual([expect.stringContaining('{{secret.NOPE}}')]);

    await waitFor(() => frames.some((frame) => frame.includes('"log-end"')), { timeoutMs: 10_000, what: 'log-end' });
    socket.close();
    expect(frames.join('\n')).toContain('raw: ***');
    const text = await log();
    // The repository's value overrides the hub's, and the task really had it.
    expect(text).toContain(createHash('sha256').update(REPO_TOKEN).digest('hex'));
    expect(text).toContain('raw: ***');
    expect(text).toMatch(/split: \*\*\* done/);
    expect(text).toContain('::floe-mask::***');
    expect(text).toContain('own: ***');
    expect(text).toContain('key: ***');

    expect([
      ...spoolLeaks,
      ...leaks('log', text),
      ...leaks('list', listText),
      ...leaks('run', JSON.stringify(detail)),
      ...leaks('live', frames.join('\n')),
      ...filesUnder(hub.dataDir).flatMap((f) => leaks(f.path, f.text)),
      ...leaks('hub output', hub.output()),
      ...leaks('runner output', runner.output()),
    ]).toEqual([]);
  }, 60_000);

  it('refuses values shorter than 4 characters, and deletes by name and repository', async () => {
    const short = await hub.request('/api/secrets/TINY', { method: 'PUT', body: { value: 'abc' } });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('at least 4 characters');
    await hub.json('/api/secrets/GONE', { method: 'PUT', body: { value: 'soon-gone' } });
    expect((await hub.request('/api/secrets/GONE', { method: 'DELETE' })).status).toBe(204);
    expect((await hub.request('/api/secrets/GONE', { method: 'DELETE' })).status).toBe(404);
  });

  it('sets, lists and removes secrets with floe secrets, the value read from stdin', () => {
    const floe = (args: string[], input = '') =>
      spawnSync(process.execPath, [FLOE_MAIN, 'secrets', ...args], {
        input,
        encoding: 'utf8',
        env: { ...process.env, FLOE_HUB: hub.url, FLOE_TOKEN: TEST_ADMIN_TOKEN },
      });
    // FLOE_HUB is the old name of FLOE_HUB_URL: it still works, with a note.
    expect(floe(['set', 'CLI_SECRET', '--repo', 'acme/app'], 'from-stdin-value\n')).toMatchObject({
      status: 0,
      stderr: 'floe: FLOE_HUB is deprecated and will be removed; set FLOE_HUB_URL instead\n',
    });
    const list = floe(['list', '--repo', 'acme/app']);
    expect(list.stdout).toMatch(/^CLI_SECRET\tacme\/app\t/m);
    expect(list.stdout).not.toContain('from-stdin-value');
    expect(floe(['set', 'SHORT'], 'abc')).toMatchObject({ status: 1, stderr: expect.stringContaining('4 characters') });
    expect(floe(['rm', 'CLI_SECRET', '--repo', 'acme/app'])).toMatchObject({ status: 0 });
    expect(floe(['list']).stdout).not.toContain('CLI_SECRET');
  });

  it('sets, lists and removes secrets with the client the dashboard uses', async () => {
    const client = createFloeClient({ baseUrl: hub.url, token: TEST_ADMIN_TOKEN });
    expect(await client.putSecret('WEB_SECRET', { value: 'from-the-dashboard' })).toMatchObject({ name: 'WEB_SECRET' });
    const listed = await client.secrets();
    expect(listed.map((s) => s.name)).toContain('WEB_SECRET');
    expect(JSON.stringify(listed)).not.toContain('from-the-dashboard');
    await client.deleteSecret('WEB_SECRET');
    expect((await client.secrets()).map((s) => s.name)).not.toContain('WEB_SECRET');
  });

  it('refuses to store a secret, saying how, on a hub without FLOE_SECRET_KEY', async () => {
    const keyless = await startHub({});
    const response = await keyless.request('/api/secrets/TOKEN', { method: 'PUT', body: { value: 'whatever-value' } });
    expect(response.status).toBe(409);
    const body = (await response.json()) as { code: string; message: string };
    expect(body.code).toBe('FLOE_SECRETS_DISABLED');
    expect(body.message).toContain('FLOE_SECRET_KEY');
    expect(body.message).toContain('openssl rand');
  }, 30_000);
});
