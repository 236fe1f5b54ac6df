// Attacks through `flow-file` (docs/security.md, docs/floe-yaml.md "flow-file"), against the built floe-hub as its
// own process and its HTTP API: a FLOE.yaml that points its flow-file over plain http, at private and link-local
// addresses (the hub's own network, cloud metadata), at an answer too big or too slow, or at a service whose
// answer is not a flow (and must not be echoed back). A real https server on loopback stands in for a public one:
// the hub is told to allow that one address (`--allow-network 127.0.0.1/32`) and to trust its certificate
// (NODE_EXTRA_CA_CERTS, as an operator would for an internal CA); a hub without the flag refuses it.
import { spawnSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificate } from '../../runner/src/testing/test-tls.js';
import {
  FLOE_MAIN,
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
} from '../support/index.js';

const LEAK = 'internal-service-token-9f8e7d';
const TASKS = 'id: tasks\ntasks:\n  - {id: hello, type: exec, listen: trigger.good, opts: {cmd: "true"}}\n';

const hits: Record<string, number> = {};
const tls = testCertificate();
const https = createHttpsServer({ key: tls.key, cert: tls.cert }, (req, res) => {
  hits[req.url ?? ''] = (hits[req.url ?? ''] ?? 0) + 1;
  if (req.url === '/tasks.yaml') return res.end(TASKS);
  if (req.url === '/big') {
    // 2 MiB of valid YAML comments, sent without a length: the hub must stop reading at 1 MiB.
    for (let i = 0; i < 32; i++) res.write(`# ${'x'.repeat(64 * 1024 - 3)}\n`);
    return res.end(TASKS);
  }
  if (req.url === '/slow') {
    res.writeHead(200);
    res.write('id: slow\n');
    return; // and never more
  }
  if (req.url === '/leaky') return res.end(JSON.stringify({ token: LEAK, note: 'an internal service' }));
  if (req.url === '/to-metadata') return res.writeHead(302, { location: 'https://169.254.169.254/latest/' }).end();
  res.writeHead(404).end(`not here; ${LEAK}`);
});
let plainHits = 0;
const plain = createHttpServer((_req, res) => {
  plainHits++;
  res.end(TASKS);
});

let allowing: HubProcess;
let strict: HubProcess;
let base = '';

const FLOWS = (httpsBase: string, httpBase: string) => {
  const flow = (id: string, ref: string) => `  - id: ${id}\n    flow-file: ${JSON.stringify(ref)}\n`;
  return `flows:\n${[
    flow('good', `${httpsBase}/tasks.yaml`),
    flow('plain', `${httpBase}/tasks.yaml`),
    flow('private', 'https://10.255.255.1/tasks.yaml'),
    flow('metadata', 'https://169.254.169.254/latest/meta-data/'),
    flow('redirected', `${httpsBase}/to-metadata`),
    flow('big', `${httpsBase}/big`),
    flow('slow', `${httpsBase}/slow`),
    flow('leaky', `${httpsBase}/leaky`),
    flow('missing', `${httpsBase}/missing`),
    flow('climbs', '../../etc/passwd'),
  ].join('')}`;
};

beforeAll(async () => {
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(https.address() as AddressInfo).port}`;
  const repo = makeTempDir('floe-flow-file-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS(base, `http://127.0.0.1:${(plain.address() as AddressInfo).port}`) });
  const env = { NODE_EXTRA_CA_CERTS: tls.certFile };
  [allowing, strict] = await Promise.all([
    startHub({ repos: [repo], env, args: ['--allow-network', '127.0.0.1/32'] }),
    startHub({ repos: [repo], env }),
  ]);
}, 120_000);
afterAll(async () => {
  await killSpawned();
  https.closeAllConnections();
  https.close();
  plain.close();
  removeTempDirs();
});

/** Starts `flow` through the API as an admin; resolves with the status and the hub's message. */
async function start(hub: HubProcess, flow: string): Promise<{ status: number; message: string }> {
  const response = await hub.request(`/api/flows/${flow}/runs`, { body: {} });
  const body = (await response.json()) as { message?: string; runId?: string };
  return { status: response.status, message: body.message ?? `started ${body.runId}` };
}

describe('flow-file', () => {
  it('is fetched from an https server the hub may reach (what the refusals below are measured against)', async () => {
    expect(await start(allowing, 'good')).toMatchObject({ status: 201 });
    const refused = await start(strict, 'good');
    expect(refused.status).toBe(409);
    expect(refused.message).toContain('127.0.0.1 is a private address (127.0.0.1), which is refused');
  });

  it.each([
    ['plain', /flow-file http:\/\/127\.0\.0\.1:\d+\/tasks\.yaml is refused: plain http is refused/],
    ['private', /10\.255\.255\.1 is a private address \(10\.255\.255\.1\), which is refused/],
    ['metadata', /169\.254\.169\.254 is a private address/],
    ['redirected', /169\.254\.169\.254 is a private address/],
    ['big', /is larger than 1 MiB/],
    ['slow', /no complete answer within 10 s/],
    ['missing', /could not be read: HTTP 404/],
    ['climbs', /flow-file-invalid|leaves the repository/],
  ])('refuses the run of flow %s, saying why', async (flow, why) => {
    const answer = await start(allowing, flow);
    expect(answer.status).toBe(409);
    expect(answer.message).toMatch(why);
    expect(answer.message).not.toContain(LEAK);
  });

  it('never sends a request over plain http, nor to a refused address', () => {
    expect(plainHits).toBe(0);
    // The redirect was followed up to the refused address, not beyond.
    expect(hits['/to-metadata']).toBeGreaterThan(0);
  });

  it('never repeats what a fetched file says, in errors, the flows list or the hub log', async () => {
    const answer = await start(allowing, 'leaky');
    expect(answer.status).toBe(409);
    expect(answer.message, answer.message).toMatch(/\/leaky:\d+:\d+: \S+ \(the fetched text is not repeated\)/);
    expect(answer.message).not.toContain(LEAK);
    const flows = await allowing.json<{ id: string; errors?: string[] }[]>('/api/flows');
    expect(flows.find((f) => f.id === 'leaky')?.errors?.length).toBeGreaterThan(0);
    expect(JSON.stringify(flows)).not.toContain(LEAK);
    expect(allowing.output()).not.toContain(LEAK);
  });

  it('is a lint warning over http, and an error when it leaves the repository', () => {
    const dir = makeTempDir('floe-lint-');
    const file = join(dir, 'FLOE.yaml');
    makeGitRepo(dir, { 'FLOE.yaml': FLOWS('https://flows.example.com', 'http://flows.example.com') });
    const lint = spawnSync(process.execPath, [FLOE_MAIN, 'lint', file, '--json'], { encoding: 'utf8' });
    const codes = (JSON.parse(lint.stdout) as { code: string; severity: string }[]).map(
      (d) => `${d.severity} ${d.code}`,
    );
    expect(codes).toContain('warning flow-file-http');
    expect(codes).toContain('error flow-file-invalid');
  });
});
