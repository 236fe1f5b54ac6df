// Outgoing webhooks (docs/api.md "Notifications", docs/floe-yaml.md "notify"), against a real hub on a real
// SQLite file and a real https receiver on loopback that checks every signature the way docs/api.md tells
// receivers to. Loopback is a private address: the hub is told to allow it (`--allow-network 127.0.0.1/32`, as an
// operator allows an internal receiver) and to trust the receiver's certificate; a hub without the allowance
// refuses to send there, which is checked too.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cidr } from '@floe/shared/node';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestHub, type TestHub } from '../../github-app/src/testing/test-hub.js';
import { git } from '../../github-app/src/testing/test-repo.js';
import { testCertificate } from '../../runner/src/testing/test-tls.js';
import { waitFor } from '../support/index.js';

const KEY = 'the-webhook-signing-key-0123';
const tls = testCertificate();

type Received = { path: string; headers: Record<string, string | string[] | undefined>; body: string; valid: boolean };

/**
 * An https receiver on 127.0.0.1: verifies X-Floe-Signature-256 with KEY, answers `answers` in turn (then 204); an
 * answer of 0 is never given.
 */
async function receiver(answers: number[] = [], port = 0): Promise<{ server: Server; url: string; got: Received[] }> {
  const got: Received[] = [];
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac('sha256', KEY).update(raw).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-floe-signature-256'] ?? ''));
      const valid = given.length === expected.length && timingSafeEqual(given, expected);
      got.push({ path: req.url ?? '', headers: req.headers, body: raw.toString('utf8'), valid });
      // 0: never answer (the request hangs until the hub gives up on it).
      if (answers[0] === 0) {
        answers.shift();
        return;
      }
      const status = answers.shift() ?? 204;
      // A redirect points further on the same receiver: the hub must not follow it.
      const headers = status === 302 ? { location: '/followed' } : {};
      res.writeHead(status, headers).end('receiver text that must not reach the delivery log');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, got };
}

const floe = (url: string, extra = '') => `flows:
  - id: notified
    notify:
      - {url: "${url}/hook", secret: "{{secret.HOOK_KEY}}"${extra}}
    tasks:
      - {id: wait, type: data, listen: trigger.good, opts: {form: {fields: [{id: ok, type: bool}]}}}
  - id: quiet
    tasks:
      - {id: wait, type: data, listen: trigger.good, opts: {form: {fields: [{id: ok, type: bool}]}}}
`;

const servers: Server[] = [];
const hubs: TestHub[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const hub of hubs.splice(0)) await hub.close();
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function hubFor(files: Record<string, string>, options: Parameters<typeof startTestHub>[1] = {}) {
  const t = await startTestHub(files, {
    ...options,
    hub: {
      secretKey: 'notify-test-key',
      allowNetworks: [cidr('127.0.0.1/32')],
      notifyCa: tls.cert,
      notificationTiming: { retryMs: 40, retryMaxMs: 200, pollMs: 25 },
      ...options.hub,
    },
  });
  hubs.push(t);
  await t.hub.secrets.put('HOOK_KEY', KEY);
  return t;
}

/** Starts a run of `flow` and cancels it while it waits for a runner: the quickest real end of a run. */
async function endRun(t: TestHub, flow: string, ref?: string): Promise<string> {
  const runId = await t.hub.startRun(flow, ref !== undefined ? { ref } : {}, ADMIN);
  await t.hub.cancelRun(runId, ADMIN);
  return runId;
}

beforeAll(() => {
  expect(tls.cert).toContain('BEGIN CERTIFICATE');
});

describe('notifications', () => {
  it("POSTs a run's end, signed with the flow's secret, which the receiver verifies; the delivery log says so", async () => {
    const r = await receiver();
    servers.push(r.server);
    const t = await hubFor({ 'FLOE.yaml': floe(r.url) });
    const runId = await endRun(t, 'notified');
    const [got] = await waitFor(() => r.got.length > 0 && r.got, { what: 'a delivery' });
    expect(got?.valid).toBe(true);
    expect(got?.path).toBe('/hook');
    expect(got?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-floe-event': 'run-ended',
      'x-floe-delivery': `${runId}:notify.0`,
    });
    expect(JSON.parse(got?.body ?? '')).toMatchObject({
      event: 'run-ended',
      run: { id: runId, repo: 'acme', flowId: 'notified', result: 'cancelled', ref: 'refs/heads/main' },
      failedTasks: [],
    });
    const [delivery] = await waitFor(async () => {
      const list = await t.hub.deliveries('notified');
      return list[0]?.state === 'delivered' && list;
    });
    expect(delivery).toMatchObject({ runId, target: 'notify.0', url: `${r.url}/hook`, signed: true, attempts: 1 });
    expect(delivery?.log).toEqual([expect.objectContaining({ attempt: 1, status: 204 })]);
    expect(JSON.stringify(delivery)).not.toContain('receiver text');
    // A flow without `notify:` notifies nobody.
    await endRun(t, 'quiet');
    expect(await t.hub.deliveries('quiet')).toEqual([]);
  });

  it('tries again with back-off until the receiver answers 2xx, logging every attempt', async () => {
    const r = await receiver([503, 302]);
    servers.push(r.server);
    const t = await hubFor({ 'FLOE.yaml': floe(r.url) });
    await endRun(t, 'notified');
    const [delivery] = await waitFor(async () => {
      const list = await t.hub.deliveries('notified');
      return list[0]?.state === 'delivered' && list;
    });
    expect(delivery?.log.map((a) => [a.attempt, a.status, a.error])).toEqual([
      [1, 503, 'the receiver answered HTTP 503'],
      [2, 302, 'the receiver answered HTTP 302'],
      [3, 204, undefined],
    ]);
    // Back-off: each try waited after the one before ended (equal jitter: at least half the ceiling, 20 ms then 40).
    const [a1, a2, a3] = delivery?.log ?? [];
    expect((a2?.at ?? 0) - ((a1?.at ?? 0) + (a1?.durationMs ?? 0))).toBeGreaterThanOrEqual(20);
    expect((a3?.at ?? 0) - ((a2?.at ?? 0) + (a2?.durationMs ?? 0))).toBeGreaterThanOrEqual(40);
    expect(r.got.every((g) => g.valid)).toBe(true);
    // The redirect was answered, not followed: three POSTs, all to the configured path.
    expect(r.got.map((g) => g.path)).toEqual(['/hook', '/hook', '/hook']);
  });

  it('reads a receiver URL kept in a secret at send time, and shows only the reference', async () => {
    const r = await receiver();
    servers.push(r.server);
    const t = await hubFor({
      'FLOE.yaml': floe('{{secret.HOOK_URL}}').replace('{{secret.HOOK_URL}}/hook', '{{secret.HOOK_URL}}'),
    });
    await t.hub.secrets.put('HOOK_URL', `${r.url}/secret-path-token-123`, 'acme');
    await endRun(t, 'notified');
    const [delivery] = await waitFor(async () => {
      const list = await t.hub.deliveries('notified');
      return list[0]?.state === 'delivered' && list;
    });
    expect(r.got.map((g) => g.path)).toEqual(['/secret-path-token-123']);
    expect(delivery?.url).toBe('{{secret.HOOK_URL}}');
    expect(JSON.stringify(await t.hub.deliveries('notified'))).not.toContain('secret-path-token');
  });

  it('sends nothing to a private address the hub was not told to allow, and says why', async () => {
    const r = await receiver();
    servers.push(r.server);
    const t = await hubFor({ 'FLOE.yaml': floe(r.url) }, { hub: { allowNetworks: [] } });
    await endRun(t, 'notified');
    const [delivery] = await waitFor(async () => {
      const list = await t.hub.deliveries('notified');
      return (list[0]?.log.length ?? 0) >= 2 && list;
    });
    expect(delivery?.log[0]?.error).toBe('127.0.0.1 is a private address (127.0.0.1), which is refused');
    expect(delivery?.log[0]?.status).toBeUndefined();
    expect(r.got).toEqual([]);
  });

  it('notifies nothing for an untrusted run, neither the flow’s receivers nor the hub’s', async () => {
    const r = await receiver();
    servers.push(r.server);
    const t = await hubFor(
      { 'FLOE.yaml': floe(r.url) },
      { hub: { notify: { url: `${r.url}/hub`, secretName: 'HOOK_KEY', format: 'floe' } } },
    );
    // A pull request's head on no branch: only refs/pull/9/head holds it.
    git(t.repo.path, 'checkout', '-q', '--detach');
    const sha = t.repo.commit({ 'FLOE.yaml': floe(r.url).replace('/hook', '/from-the-pull-request') }, 'pull 9');
    git(t.repo.path, 'update-ref', 'refs/pull/9/head', sha);
    git(t.repo.path, 'checkout', '-q', 'main');
    const untrusted = await endRun(t, 'notified', 'refs/pull/9/head');
    expect((await t.hub.store.getRun(untrusted))?.trust).toBe('untrusted');
    // Then a trusted run: once its two deliveries are in, the untrusted run's would have been too.
    const trusted = await endRun(t, 'notified');
    await waitFor(() => r.got.length >= 2, { what: "the trusted run's two deliveries" });
    await t.hub.notifications.idle();
    expect(r.got.map((g) => [g.path, JSON.parse(g.body).run.id]).sort()).toEqual([
      ['/hook', trusted],
      ['/hub', trusted],
    ]);
    expect((await t.hub.deliveries('notified')).map((d) => d.runId)).toEqual([trusted, trusted]);
  });

  it('sends a Slack-compatible body, with names from FLOE.yaml shown and never read as markup', async () => {
    const r = await receiver();
    servers.push(r.server);
    const t = await hubFor(
      {
        'FLOE.yaml': `id: slacked
name: "<!channel> & <https://evil.example|click>"
tasks:
  - {id: wait, type: data, listen: trigger.good, opts: {form: {fields: [{id: ok, type: bool}]}}}
`,
      },
      { hub: { notify: { url: `${r.url}/slack`, format: 'slack' }, publicUrl: () => 'https://floe.example.com' } },
    );
    const runId = await endRun(t, 'slacked');
    const [got] = await waitFor(() => r.got.length > 0 && r.got);
    expect(got?.headers['x-floe-signature-256']).toBeUndefined();
    const body = JSON.parse(got?.body ?? '') as { text: string };
    expect(Object.keys(body)).toEqual(['text']);
    expect(body.text).toBe(
      `:no_entry_sign: <https://floe.example.com/runs/${runId}|acme · &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt; #1> cancelled on main: cancelled by ann`,
    );
  });

  it('tells of a data task waiting for a person when `on` holds `waiting`, and of nothing else it does not hold', async () => {
    const r = await receiver();
    servers.push(r.server);
    const t = await hubFor({
      'FLOE.yaml': `id: release
notify:
  - {url: "${r.url}/waits", secret: "{{secret.HOOK_KEY}}", on: [waiting]}
tasks:
  - {id: approve, name: Approve the release, type: data, listen: trigger.good, opts: {form: {fields: [{id: ok, type: bool}]}}}
`,
    });
    const { runner, runId, offer } = await t.activeRun('release');
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [{ kind: 'start', seq: 1, at: Date.now() }]);
    const [got] = await waitFor(() => r.got.length > 0 && r.got, { what: 'the waiting notification' });
    expect(got?.valid).toBe(true);
    expect(got?.headers).toMatchObject({
      'x-floe-event': 'run-waiting',
      'x-floe-delivery': `${runId}:notify.0:waiting:approve`,
    });
    expect(JSON.parse(got?.body ?? '')).toMatchObject({
      event: 'run-waiting',
      run: { id: runId, flowId: 'release' },
      waitingFor: { id: 'approve', name: 'Approve the release' },
    });
    // The run's end is not in `on`: once it is over and the queue idle, still one delivery.
    const input = { type: 'data' as const, node: 'approve', values: { ok: 'true' }, by: 'ann', at: Date.now() };
    await t.hub.core.records(runner.runnerId, runId, offer.epoch, [{ kind: 'input', seq: 2, input }]);
    expect(await waitFor(async () => (await t.hub.store.getRun(runId))?.result)).toBe('good');
    await t.hub.notifications.idle();
    expect((await t.hub.deliveries('release')).map((d) => d.id)).toEqual([`${runId}:notify.0:waiting:approve`]);
    expect(r.got).toHaveLength(1);
  });

  it('keeps what is still to be sent across a hub restart, and sends it then', async () => {
    // A port with nothing on it yet: the first attempts are refused.
    const probe = await receiver();
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise((resolve) => probe.server.close(resolve));
    const dataDir = mkdtempSync(join(tmpdir(), 'floe-notify-restart-'));
    dirs.push(dataDir);
    const files = { 'FLOE.yaml': floe(`https://127.0.0.1:${port}`) };
    const first = await hubFor(files, { dataDir, hub: { notificationTiming: { retryMs: 300, pollMs: 25 } } });
    const runId = await endRun(first, 'notified');
    await waitFor(async () => (await first.hub.deliveries('notified'))[0]?.log.length === 1, { what: 'attempt 1' });
    await first.hub.close();
    hubs.splice(hubs.indexOf(first), 1);

    const r = await receiver([], port);
    servers.push(r.server);
    const second = await hubFor(files, { dataDir });
    const [delivery] = await waitFor(async () => {
      const list = await second.hub.deliveries('notified');
      return list[0]?.state === 'delivered' && list;
    });
    expect(delivery?.runId).toBe(runId);
    expect(delivery?.log[0]).toMatchObject({ attempt: 1, error: 'the connection was refused' });
    expect(delivery?.log.at(-1)).toMatchObject({ status: 204 });
    expect(r.got).toHaveLength(1);
    expect(r.got[0]?.valid).toBe(true);
    expect(JSON.parse(r.got[0]?.body ?? '').run.id).toBe(runId);
  });
  it('stops at once while a receiver keeps an attempt waiting, and sends it again after the restart', async () => {
    const r = await receiver([0]);
    servers.push(r.server);
    const dataDir = mkdtempSync(join(tmpdir(), 'floe-notify-stop-'));
    dirs.push(dataDir);
    const files = { 'FLOE.yaml': floe(r.url) };
    const first = await hubFor(files, { dataDir, hub: { notificationTiming: { attemptTimeoutMs: 600_000 } } });
    await endRun(first, 'notified');
    await waitFor(() => r.got.length === 1, { what: 'the first attempt at the receiver, left unanswered' });
    // Without the stop cutting the attempt short, this close would wait for the 10-minute attempt limit.
    await first.hub.close();
    hubs.splice(hubs.indexOf(first), 1);
    r.server.closeAllConnections();
    const second = await hubFor(files, { dataDir });
    const [delivery] = await waitFor(async () => {
      const list = await second.hub.deliveries('notified');
      return list[0]?.state === 'delivered' && list;
    });
    expect(delivery?.log[0]).toMatchObject({ attempt: 1, error: 'the hub stopped during the attempt' });
    expect(delivery?.log.at(-1)).toMatchObject({ attempt: 2, status: 204 });
  });
});
