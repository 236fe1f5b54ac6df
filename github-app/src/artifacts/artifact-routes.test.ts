// The artifact routes over real HTTP against a real hub (SQLite, files under its data dir): a stand-in runner
// uploads with its credential, people read with API tokens. Hostile uploads are refused with the reason, and leave
// nothing behind.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type RunHandle,
  type StandInRunner,
  startTestHub,
  type TestHub,
} from '../testing/start-test-hub.js';

const FLOWS = `
flows:
  - id: build
    tasks:
      - id: make
        type: exec
        listen: trigger.good
        opts: { cmd: "true" }
        artifacts:
          - { name: dist, paths: [dist/] }
          - { name: report, paths: [report.txt] }
          - { name: big, paths: [big.bin] }
`;

const MiB = 1024 * 1024;
let t: TestHub;
let runner: StandInRunner;

beforeAll(async () => {
  t = await startTestHub({ app: FLOWS }, { artifacts: { maxFileBytes: 4 * MiB, maxRunBytes: 6 * MiB } });
  runner = await t.connectRunner('vm-1');
});
afterAll(async () => {
  await t?.close();
});

const sha = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

const open: RunHandle[] = [];
/** A fresh active run of `build` on the stand-in runner (its task `make` running). */
async function activeRun(): Promise<{ runId: string; run: RunHandle }> {
  const runId = await t.hub.startRun('build', {}, { name: 'admin', role: 'admin' });
  const run = await runner.takeRun(runId);
  await run.start();
  open.push(run);
  return { runId, run };
}

/** Ends the run as a runner would after a cancel: the cancel, then its task stopped. */
async function endRun(run: RunHandle): Promise<void> {
  open.splice(open.indexOf(run), 1);
  await run.input({ type: 'cancel', by: 'admin', at: Date.now() });
  await run.input({ type: 'task-finished', node: 'make', attempt: 1, outcome: { kind: 'cancelled' }, at: Date.now() });
  await t.hub.settled();
}

// The stand-in runner has 4 slots: each test's run ends after it.
afterEach(async () => {
  for (const run of [...open]) await endRun(run);
});

async function runnerCall(
  method: string,
  path: string,
  init: { body?: unknown; raw?: Buffer; headers?: Record<string, string>; credential?: string } = {},
) {
  const response = await fetch(`${t.url}/api/runners/runs${path}`, {
    method,
    headers: {
      authorization: `Bearer ${init.credential ?? runner.credential}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.raw !== undefined ? { 'content-type': 'application/octet-stream' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    ...(init.raw !== undefined ? { body: init.raw } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

function begin(
  runId: string,
  epoch: number,
  name: string,
  files: { path: string; data: Buffer }[],
  extra: object = {},
) {
  return runnerCall('POST', `/${runId}/artifacts`, {
    body: {
      epoch,
      node: 'make',
      name,
      files: files.map((f) => ({ path: f.path, size: f.data.length, sha256: sha(f.data) })),
      ...extra,
    },
  });
}

function put(runId: string, epoch: number, blobId: string, range: string, raw: Buffer) {
  return runnerCall('PUT', `/${runId}/blobs/${blobId}?epoch=${epoch}`, { raw, headers: { 'content-range': range } });
}

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function blobFiles(): Promise<string[]> {
  const root = join(t.dir, 'hub', 'artifacts');
  if (!existsSync(root)) return [];
  const dirs = await readdir(root);
  return (
    await Promise.all(dirs.map(async (dir) => (await readdir(join(root, dir))).map((f) => `${dir}/${f}`)))
  ).flat();
}

describe('uploading', () => {
  it('resumes a file where the stored bytes end, checks its sha256, then serves it with ranges and its type', async () => {
    const { runId, run } = await activeRun();
    const data = Buffer.from('line one\nline two\n'.repeat(1000));
    const first = await begin(runId, run.epoch, 'report', [{ path: 'report.txt', data }]);
    expect(first.status).toBe(201);
    const { blobId } = first.json.files[0];
    expect(first.json.files[0].received).toBe(0);

    // The first half arrives, then the connection "drops": a second begin says where to go on from.
    const half = 7000;
    expect(
      (await put(runId, run.epoch, blobId, `bytes 0-${half - 1}/${data.length}`, data.subarray(0, half))).json,
    ).toEqual({
      received: half,
      verified: false,
      stored: false,
    });
    const again = await begin(runId, run.epoch, 'report', [{ path: 'report.txt', data }]);
    expect(again.json).toEqual({
      artifactId: first.json.artifactId,
      files: [{ path: 'report.txt', blobId, received: half }],
    });
    // Sending from the wrong place is refused, saying where to resume.
    const wrong = await put(runId, run.epoch, blobId, `bytes 0-99/${data.length}`, data.subarray(0, 100));
    expect(wrong.status).toBe(416);
    expect(wrong.json.message).toContain(`resume from byte ${half}`);
    const rest = await put(
      runId,
      run.epoch,
      blobId,
      `bytes ${half}-${data.length - 1}/${data.length}`,
      data.subarray(half),
    );
    expect(rest.json).toEqual({ received: data.length, verified: true, stored: true });

    const list = await get(`/api/runs/${runId}/artifacts`);
    expect(JSON.parse(list.body.toString())).toMatchObject({
      artifacts: [
        {
          name: 'report',
          node: 'make',
          state: 'stored',
          trust: 'trusted',
          size: data.length,
          files: [{ path: 'report.txt', size: data.length, sha256: sha(data) }],
        },
      ],
    });
    const whole = await get(`/api/runs/${runId}/artifacts/report`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(whole.headers.get('content-disposition')).toBe('attachment; filename="report.txt"');
    expect(whole.body.equals(data)).toBe(true);
    const part = await get(`/api/runs/${runId}/artifacts/report`, { range: 'bytes=9-16' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 9-16/${data.length}`);
    expect(part.body.toString()).toBe('line two');
    const tail = await get(`/api/runs/${runId}/artifacts/report`, { range: 'bytes=-9' });
    expect(tail.body.toString()).toBe('line two\n');
    expect((await get(`/api/runs/${runId}/artifacts/report`, { range: `bytes=${data.length}-` })).status).toBe(416);
  });

  it('serves a folder as a zip of its files, and one file of it with ?path=', async () => {
    const { runId, run } = await activeRun();
    const files = [
      { path: 'dist/app.js', data: Buffer.from('console.log(1)\n') },
      { path: 'dist/sub/data.json', data: Buffer.from('{"a":1}') },
      { path: 'dist/empty', data: Buffer.alloc(0) },
    ];
    const answer = await begin(runId, run.epoch, 'dist', files);
    for (const [i, file] of files.entries()) {
      const { blobId } = answer.json.files.find((f: { path: string }) => f.path === file.path);
      const range = file.data.length === 0 ? 'bytes */0' : `bytes 0-${file.data.length - 1}/${file.data.length}`;
      const stored = await put(runId, run.epoch, blobId, range, file.data);
      expect(stored.json.stored).toBe(i === files.length - 1);
    }
    const zip = await get(`/api/runs/${runId}/artifacts/dist`);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.body.subarray(0, 2).toString()).toBe('PK');
    for (const file of files) expect(zip.body.includes(Buffer.from(file.path))).toBe(true);
    expect(zip.body.includes(files[1]?.data as Buffer)).toBe(true);
    const one = await get(`/api/runs/${runId}/artifacts/dist?path=dist/sub/data.json`);
    expect(one.headers.get('content-type')).toBe('application/json');
    expect(one.body.toString()).toBe('{"a":1}');
    expect((await get(`/api/runs/${runId}/artifacts/dist?path=../../etc/passwd`)).status).toBe(400);
  });
});

describe('hostile uploads', () => {
  it('refuses names and paths that climb out or carry control bytes, and artifacts the flow does not declare', async () => {
    const { runId, run } = await activeRun();
    const data = Buffer.from('x');
    for (const path of [
      '../../etc/passwd',
      '/etc/passwd',
      'a/../../b',
      'a\\..\\b',
      'bad\u0007bell',
      'new\nline',
      'a//b',
      './a',
    ]) {
      const answer = await begin(runId, run.epoch, 'dist', [{ path, data }]);
      expect(answer.status, JSON.stringify(path)).toBe(400);
    }
    for (const name of ['../dist', 'dist/x', 'di\u0000st', '.hidden', 'x'.repeat(101)]) {
      expect((await begin(runId, run.epoch, name, [{ path: 'a', data }])).status, JSON.stringify(name)).toBe(400);
    }
    const undeclared = await begin(runId, run.epoch, 'secrets', [{ path: 'a', data }]);
    expect(undeclared.status).toBe(400);
    expect(undeclared.json.message).toContain('declares no artifact secrets');
    expect((await t.hub.store.listArtifacts(runId)).length).toBe(0);
  });

  it('refuses a runner with an old epoch, another runner, and an API token in place of a credential', async () => {
    const { runId, run } = await activeRun();
    const data = Buffer.from('payload');
    const stale = await begin(runId, run.epoch - 1, 'report', [{ path: 'report.txt', data }]);
    expect(stale.status).toBe(409);
    expect(stale.json.code).toBe('FLOE_STALE_EPOCH');
    const other = await t.connectRunner('vm-2');
    const intruder = await runnerCall('POST', `/${runId}/artifacts`, {
      credential: other.credential,
      body: {
        epoch: run.epoch,
        node: 'make',
        name: 'report',
        files: [{ path: 'report.txt', size: data.length, sha256: sha(data) }],
      },
    });
    expect(intruder.json.code).toBe('FLOE_STALE_EPOCH');
    const apiToken = await runnerCall('POST', `/${runId}/artifacts`, { credential: ADMIN_TOKEN, body: {} });
    expect(apiToken.status).toBe(401);

    // A begun upload, then the run goes away from this runner (cancelled and ended): its writes are refused.
    const ok = await begin(runId, run.epoch, 'report', [{ path: 'report.txt', data }]);
    await endRun(run);
    const late = await put(
      runId,
      run.epoch,
      ok.json.files[0].blobId,
      `bytes 0-${data.length - 1}/${data.length}`,
      data,
    );
    expect(late.json.code).toBe('FLOE_STALE_EPOCH');
    expect((await t.hub.store.getRun(runId))?.state).toBe('archived');
    // Retention removes the upload its run's end cut short, bytes and rows.
    expect(await t.hub.artifacts.sweep()).toBeGreaterThanOrEqual(1);
    expect(await t.hub.store.listArtifacts(runId)).toEqual([]);
  });

  it('refuses a file over the per-file cap, a run over its cap, with the reason, before storing a byte', async () => {
    const { runId, run } = await activeRun();
    const huge = { path: 'big.bin', size: 5 * MiB, sha256: sha('') };
    const overFile = await runnerCall('POST', `/${runId}/artifacts`, {
      body: { epoch: run.epoch, node: 'make', name: 'big', files: [huge] },
    });
    expect(overFile.status).toBe(413);
    expect(overFile.json.message).toBe('artifact big refused: big.bin is 5.0 MiB, over the 4.0 MiB a file may have');
    const three = { ...huge, size: 3 * MiB };
    expect(
      (
        await runnerCall('POST', `/${runId}/artifacts`, {
          body: { epoch: run.epoch, node: 'make', name: 'big', files: [three] },
        })
      ).status,
    ).toBe(201);
    const overRun = await runnerCall('POST', `/${runId}/artifacts`, {
      body: {
        epoch: run.epoch,
        node: 'make',
        name: 'report',
        files: [{ ...three, path: 'report.txt', size: 4 * MiB }],
      },
    });
    expect(overRun.status).toBe(413);
    expect(overRun.json.message).toContain('over 6.0 MiB (3.0 MiB kept)');
    expect(JSON.stringify(await t.hub.store.listArtifacts(runId))).not.toContain('report');
  });

  it('refuses a body longer than its Content-Range, a total that is not the file size, and a wrong sha256', async () => {
    const { runId, run } = await activeRun();
    const data = Buffer.from('0123456789');
    const { json } = await begin(runId, run.epoch, 'report', [{ path: 'report.txt', data }]);
    const blobId = json.files[0].blobId;
    expect((await put(runId, run.epoch, blobId, 'bytes 0-9/11', data)).status).toBe(416);
    // A body longer than its range: what the range covers is kept, the rest refused.
    const long = await put(runId, run.epoch, blobId, 'bytes 0-3/10', data);
    expect(long.status).toBe(416);
    expect(long.json.message).toContain('longer than its Content-Range');
    expect((await begin(runId, run.epoch, 'report', [{ path: 'report.txt', data }])).json.files[0].received).toBe(4);
    expect((await put(runId, run.epoch, blobId, 'bytes 5-1/10', data)).status).toBe(416);
    expect((await put(runId, run.epoch, blobId, 'items 0-9/10', data)).status).toBe(416);
    expect((await runnerCall('PUT', `/${runId}/blobs/${blobId}?epoch=${run.epoch}`, { raw: data })).status).toBe(416);
    const forged = await put(runId, run.epoch, blobId, 'bytes 4-9/10', Buffer.from('987654'));
    expect(forged.status).toBe(400);
    expect(forged.json.message).toContain('upload it again');
    // The forged bytes are gone: the upload starts again from 0.
    const again = await begin(runId, run.epoch, 'report', [{ path: 'report.txt', data }]);
    expect(again.json.files[0].received).toBe(0);
    expect((await put(runId, run.epoch, blobId, 'bytes 0-9/10', data)).json.stored).toBe(true);
  });

  it('a cancelled upload is removed at once when the runner says so', async () => {
    const { runId, run } = await activeRun();
    const data = Buffer.alloc(100_000, 7);
    const { json } = await begin(runId, run.epoch, 'big', [{ path: 'big.bin', data }]);
    await put(runId, run.epoch, json.files[0].blobId, `bytes 0-49999/${data.length}`, data.subarray(0, 50_000));
    expect(await blobFiles()).toContain(`${json.files[0].blobId.slice(0, 2)}/${json.files[0].blobId}`);
    const gone = await runnerCall('DELETE', `/${runId}/artifacts/${json.artifactId}?epoch=${run.epoch}`);
    expect(gone.status).toBe(204);
    expect(await blobFiles()).not.toContain(`${json.files[0].blobId.slice(0, 2)}/${json.files[0].blobId}`);
    expect(await t.hub.store.listArtifacts(runId)).toEqual([]);
  });
});
