// Backups a person has restored at least once (docs/operations.md "Backup and restore", "Moving to PostgreSQL"): a
// backup taken from a running hub with a run in progress, restored into a new data dir that a new hub then serves,
// every archived run and log line found there; the same hub moved to PostgreSQL with migrate-store; and the
// hostile and mistaken inputs of the three commands refused with a sentence, nothing half-done left behind.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresBlobStore } from '../../github-app/src/artifacts/postgres-blob-store.js';
import { openPostgresStore } from '../../github-app/src/store/postgres/postgres-store.js';
import { createTestDatabase, type TestDatabase } from '../../github-app/src/store/testing/test-database.js';
import {
  HUB_MAIN,
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

const FLOWS = `
flows:
  - id: hello
    tasks:
      - {id: one, type: exec, listen: trigger.good, opts: {shell: "for i in 1 2 3; do echo line $i of one — ünïcode; done; (yes chatty || true) | head -c 200000"}}
      - {id: two, type: exec, listen: task.one.good, opts: {shell: "echo two; echo to stderr >&2; exit 3"}}
  - id: long
    tasks:
      - {id: wait, type: exec, listen: trigger.good, opts: {shell: "echo started; sleep 60"}}
`;

type RunView = { id: string; state: string; result?: string; number: number; nodes: { id: string; state: string }[] };

let hub: HubProcess;
let repo: string;
let activeRunId: string;
const archived: string[] = [];
let database: TestDatabase | undefined;

/** Runs `floe-hub` with `args` to its end: its exit status and output. */
async function floeHub(args: string[], env: Record<string, string> = {}) {
  const child = spawnProcess(process.execPath, [HUB_MAIN, ...args], { env });
  const code = await child.exited;
  return { code, output: child.output() };
}

/** What a person sees of a hub's runs: every archived run with each node's whole log. */
async function archiveOf(h: HubProcess, ids: string[]) {
  const seen: Record<string, unknown> = {};
  for (const id of ids) {
    const run = await h.json<RunView>(`/api/runs/${id}`);
    const logs: Record<string, string> = {};
    for (const node of run.nodes)
      logs[node.id] = await (await h.request(`/api/runs/${id}/logs?node=${node.id}`)).text();
    seen[id] = { state: run.state, result: run.result, number: run.number, nodes: run.nodes, logs };
  }
  return seen;
}

beforeAll(async () => {
  repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({ repos: [repo], heartbeatMs: 300 });
  const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-backup', slots: 2 });
  await runner.waitForOutput('connected to the hub');
  for (let i = 0; i < 3; i++) {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/hello/runs', { body: {} });
    await waitFor(async () => (await hub.json<RunView>(`/api/runs/${runId}`)).state === 'archived', {
      what: `run ${runId} to end`,
    });
    archived.push(runId);
  }
  activeRunId = (await hub.json<{ runId: string }>('/api/flows/long/runs', { body: {} })).runId;
  await waitFor(
    async () =>
      (await hub.request(`/api/runs/${activeRunId}/logs?node=wait`)).text().then((t) => t.includes('started')),
    {
      what: 'the long run to be under way',
    },
  );
  // Stands in for the artifact store's folder (<data-dir>/artifacts): a backup takes it whole.
  mkdirSync(join(hub.dataDir, 'artifacts', 'ab'), { recursive: true });
  writeFileSync(join(hub.dataDir, 'artifacts', 'ab', 'blob'), 'artifact bytes');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  await database?.drop();
  removeTempDirs();
});

describe('floe-hub backup and restore', () => {
  let backup: string;
  let restoredDir: string;

  it('backs up a running hub with a run in progress, into one file only its owner reads', async () => {
    // Node one's 200,000 chatty bytes are in log files (<data-dir>/logs), its first lines in rows.
    expect(readdirSync(join(hub.dataDir, 'logs'))).toHaveLength(3);
    backup = join(makeTempDir('floe-backups-'), 'hub.tgz');
    const made = await floeHub(['backup', '--out', backup, '--data-dir', hub.dataDir]);
    expect(made.output).toContain(`backed up ${hub.dataDir} to ${backup}: 4 runs`);
    expect(made.code).toBe(0);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    // The hub went on working meanwhile.
    expect((await hub.json<RunView>(`/api/runs/${activeRunId}`)).state).toBe('active');
  });

  it('restores into a new data dir that a new hub serves, with every archived run and log line', async () => {
    restoredDir = join(makeTempDir('floe-restored-'), 'hub');
    const restored = await floeHub(['restore', backup, '--data-dir', restoredDir]);
    expect(restored.output).toContain('restored 4 runs');
    expect(restored.code).toBe(0);
    expect(readFileSync(join(restoredDir, 'artifacts', 'ab', 'blob'), 'utf8')).toBe('artifact bytes');
    const again = await startHub({ dataDir: restoredDir, repos: [repo] });
    try {
      const expected = await archiveOf(hub, archived);
      expect(Object.keys(expected)).toHaveLength(3);
      expect(JSON.stringify(expected)).toContain('line 3 of one — ünïcode');
      expect(JSON.stringify(expected)).toContain('chatty\\nchatty\\n'.repeat(1000));
      expect(await archiveOf(again, archived)).toEqual(expected);
      // The run that was under way is there, with what it had logged by the time of the backup.
      expect(await (await again.request(`/api/runs/${activeRunId}/logs?node=wait`)).text()).toContain('started');
    } finally {
      await again.stop();
    }
  });

  it('refuses to restore over a hub, or a file that is not a backup, leaving the data dir as it was', async () => {
    const over = await floeHub(['restore', backup, '--data-dir', restoredDir]);
    expect(over.code).toBe(2);
    expect(over.output).toMatch(/holds a hub already \(floe\.db\); restore into a new --data-dir/);

    const junk = join(makeTempDir('floe-junk-'), 'junk.tgz');
    writeFileSync(junk, 'not a tar at all');
    const target = join(makeTempDir('floe-target-'), 'hub');
    const notTar = await floeHub(['restore', junk, '--data-dir', target]);
    expect(notTar.code).toBe(2);
    expect(notTar.output).toContain('is not a floe hub backup');
    expect(existsSync(join(target, 'floe.db'))).toBe(false);
  });

  it('refuses a backup file whose entries climb out of the data dir or are links, writing nothing', async () => {
    const dir = makeTempDir('floe-evil-');
    const inner = join(dir, 'inner');
    mkdirSync(inner);
    execFileSync('tar', ['-xzf', backup, '-C', inner]);
    symlinkSync('/etc/passwd', join(inner, 'admin-token'));
    writeFileSync(join(dir, 'escape'), 'outside');
    const linked = join(dir, 'linked.tgz');
    execFileSync('tar', ['-czf', linked, '-C', inner, 'manifest.json', 'floe.db', 'admin-token']);
    const climbing = join(dir, 'climbing.tgz');
    execFileSync('tar', ['-czPf', climbing, 'inner/manifest.json', 'inner/../escape'], { cwd: dir });
    for (const file of [linked, climbing]) {
      const target = join(makeTempDir('floe-target-'), 'hub');
      const answer = await floeHub(['restore', file, '--data-dir', target]);
      expect(answer.code, answer.output).toBe(2);
      expect(answer.output).toMatch(/holds entries a floe hub backup does not|is not a floe hub backup/);
      expect(existsSync(join(target, 'floe.db'))).toBe(false);
      expect(existsSync(join(target, 'admin-token'))).toBe(false);
      expect(existsSync(join(target, '..', 'escape'))).toBe(false);
    }
  });

  it('says what to do when there is no hub to back up, or the backup file exists', async () => {
    const empty = makeTempDir('floe-empty-');
    const none = await floeHub(['backup', '--out', join(empty, 'x.tgz'), '--data-dir', empty]);
    expect(none.code).toBe(2);
    expect(none.output).toContain('no hub database in');
    expect(none.output).toContain('pg_dump');
    const exists = await floeHub(['backup', '--out', backup, '--data-dir', hub.dataDir]);
    expect(exists.code).toBe(2);
    expect(exists.output).toContain('exists already; choose another --out');
  });

  it('moves a stopped SQLite hub into an empty PostgreSQL database, every archived run and log found there', async () => {
    database = await createTestDatabase();
    // An artifact's bytes, as a SQLite hub keeps them: a file under <data-dir>/artifacts (file-blob-store.ts).
    const blobId = '0a1b2c3d-0000-4000-8000-000000000001';
    const bytes = Buffer.concat([Buffer.alloc(1024 * 1024, 7), Buffer.from('the tail')]);
    mkdirSync(join(restoredDir, 'artifacts', '0a'), { recursive: true });
    writeFileSync(join(restoredDir, 'artifacts', '0a', blobId), bytes);
    const moved = await floeHub(['migrate-store', '--to', database.url, '--data-dir', restoredDir]);
    expect(moved.output).toMatch(/copied \d+ rows \(4 runs, \d+ log chunks\)/);
    expect(moved.code).toBe(0);
    expect(await blobOnPostgres(database.url, blobId)).toEqual(bytes);
    const onPostgres = await startHub({ repos: [repo], args: ['--database-url', database.url] });
    try {
      expect(await archiveOf(onPostgres, archived)).toEqual(await archiveOf(hub, archived));
      const runners = await onPostgres.json<{ name: string }[]>('/api/runners');
      expect(runners.map((runner) => runner.name)).toEqual(['vm-backup']);
      // The audit log goes on after the copied entries (its id sequence moved past them).
      type Audit = { entries: { id: string; action: string }[] };
      const before = (await onPostgres.json<Audit>('/api/audit')).entries;
      expect(before.length).toBeGreaterThan(0);
      await onPostgres.json('/api/tokens', { body: { name: 'after-the-move', role: 'viewer' } });
      const after = (await onPostgres.json<Audit>('/api/audit')).entries;
      expect(after).toHaveLength(before.length + 1);
      expect(Number(after[0]?.id)).toBeGreaterThan(Math.max(...before.map((entry) => Number(entry.id))));
    } finally {
      await onPostgres.stop();
    }
    const twice = await floeHub(['migrate-store', '--to', database.url, '--data-dir', restoredDir]);
    expect(twice.code).toBe(2);
    expect(twice.output).toMatch(/holds data already \(.*runs.*\); migrate-store moves a hub into an empty database/);
  });

  it('refuses to move a hub that is running', async () => {
    const other = await createTestDatabase();
    try {
      const running = await floeHub(['migrate-store', '--to', other.url, '--data-dir', hub.dataDir]);
      expect(running.code).toBe(2);
      expect(running.output).toMatch(/is running \(pid \d+\); stop it first/);
    } finally {
      await other.drop();
    }
  });
});

/** A blob's bytes as hubs sharing PostgreSQL read them (postgres-blob-store.ts). */
async function blobOnPostgres(url: string, id: string): Promise<Buffer> {
  const store = await openPostgresStore({ url });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of new PostgresBlobStore(store.pool).read(id)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  } finally {
    await store.close();
  }
}
