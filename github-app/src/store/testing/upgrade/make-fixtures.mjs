// Makes the fixtures of upgrade.test.ts with the store of an older build: `node make-fixtures.mjs <repo at b469e62>`
// (built: `pnpm install && npx tsc -b github-app`). It writes b469e62.sqlite and b469e62-postgres.sql (a plain
// pg_dump, INSERTs, schema_version included) beside itself, from the same rows in both: runs in every state, logs,
// tokens, secrets, runners, audit, trigger state and the GitHub state as that build kept it.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [old] = process.argv.slice(2);
if (!old) throw new Error('usage: node make-fixtures.mjs <repo at b469e62>');
const here = path.dirname(new URL(import.meta.url).pathname);
const dist = (file) => import(path.join(old, 'github-app/dist/store', file));
const { openSqliteStore } = await dist('sqlite/sqlite-store.js');
const { openPostgresStore } = await dist('postgres/postgres-store.js');
const { createTestDatabase } = await dist('postgres/test-database.js');

const T = Date.UTC(2026, 0, 1);
const flow = { id: 'build', name: 'build', ver: 1, triggers: [], tasks: [] };
const engine = (at) => ({ startedAt: at, deadline: at + 60_000, data: {}, nodes: {}, merges: {}, events: [] });
const run = (id, over = {}) => ({
  id,
  repo: 'acme/app',
  flowId: 'build',
  trigger: { type: 'push', data: { ref: 'refs/heads/main' } },
  trust: 'trusted',
  flow,
  createdAt: T + Number(id.slice(1)),
  ref: 'refs/heads/main',
  sha: 'a'.repeat(40),
  ...over,
});
const ended = (result, reasonCode, at) => ({ result, reason: `${result} at ${at}`, reasonCode, endedAt: at });
const log = (node, text, at) => ({ node, attempt: 1, stream: 'out', at, text });

async function fill(store) {
  await store.upsertRepo({ name: 'acme/app', url: 'https://github.com/acme/app.git', defaultRef: 'refs/heads/main' });
  await store.replaceFlows('acme/app', [
    {
      repo: 'acme/app',
      id: 'build',
      ver: 1,
      name: 'build',
      triggers: [{ type: 'push' }],
      flow,
      errors: [],
      sha: 'a'.repeat(40),
      updatedAt: T,
    },
  ]);
  await store.registerRunner({ id: 'runner-1', name: 'builder', credentialHash: 'c'.repeat(64), createdAt: T });
  await store.updateRunner('runner-1', {
    tags: ['linux'],
    slots: 4,
    connected: true,
    lastSeenAt: T,
    version: '0.9.0',
    sandboxed: true,
    connection: 'sock-1',
  });
  await store.registerRunner({ id: 'runner-2', name: 'old', credentialHash: 'd'.repeat(64), createdAt: T });
  await store.updateRunner('runner-2', { sandboxReason: 'no bwrap' });

  // r01 pending; r02 offered; r03 active with logs; r04 active with a cancel asked; r05 archived good (with a
  // trailing record); r06 cancelled; r07 untrusted, bad; r08 a retry of r05; r09 lost and requeued.
  for (const id of ['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r09']) await store.createRun(run(id));
  const fork = { type: 'pull_request', data: { number: '6' }, headCloneUrl: 'https://github.com/fork/app.git' };
  await store.createRun(run('r07', { trust: 'untrusted', ref: 'refs/pull/6/head', trigger: fork }));
  await store.offerRun('r02', 0, 'runner-1', T + 1_000);
  for (const id of ['r03', 'r04', 'r05', 'r06', 'r07', 'r09']) {
    await store.offerRun(id, 0, 'runner-1', T + 1_000);
    await store.acceptRun(id, 'runner-1', 1, T + 30_000, T + 10);
  }
  const progress = (lastSeq, logs, over = {}) => ({
    epoch: 1,
    expectedLastSeq: lastSeq - 1,
    lastSeq,
    engine: engine(T + 10),
    logs,
    ...over,
  });
  await store.saveProgress(
    'r03',
    progress(1, [log('compile', 'compiling…\n', T + 11), log('compile', 'größe ✓\n', T + 12)]),
  );
  await store.saveProgress('r04', progress(1, [log('test', 'testing\n', T + 11)]));
  await store.requestCancel('r04', 'alice', T + 20);
  await store.saveProgress('r05', progress(1, [log('checkout', 'checked out\n', T + 11), log('test', 'ok\n', T + 12)]));
  await store.saveProgress(
    'r05',
    progress(2, [log('test', 'done\n', T + 13)], { ended: ended('good', 'end', T + 14) }),
  );
  await store.saveTrailingRecords('r05', {
    epoch: 1,
    expectedLastSeq: 2,
    lastSeq: 3,
    logs: [log('test', 'late line\n', T + 15)],
  });
  await store.appendLogs('r05', 'sys', [{ attempt: 1, stream: 'sys', at: T + 16, text: 'hub: archived\n' }]);
  await store.archiveRun('r06', ended('cancelled', 'cancelled', T + 20), { epoch: 1, engine: engine(T + 10) });
  await store.saveProgress(
    'r07',
    progress(1, [log('build', 'error: no\n', T + 11)], { ended: ended('bad', 'unhandled-failure', T + 12) }),
  );
  await store.requeueRun('r09', 1);
  await store.createRun(
    run('r08', {
      trigger: { type: 'retry', by: 'bob', data: {} },
      retryOf: 'r05',
      replayFrom: 'test',
      pinnedRunnerId: 'runner-1',
    }),
  );

  await store.createApiToken({ name: 'admin', role: 'admin', tokenHash: 'e'.repeat(64), createdAt: T });
  await store.createApiToken({
    name: 'ci',
    role: 'operator',
    tokenHash: 'f'.repeat(64),
    createdAt: T,
    expiresAt: T + 86_400_000,
  });
  await store.touchApiToken('ci', T + 100);
  await store.createRegistrationToken({ tokenHash: '1'.repeat(64), expiresAt: T + 3_600_000, createdAt: T });
  await store.createRegistrationToken({ tokenHash: '2'.repeat(64), expiresAt: T + 3_600_000, createdAt: T });
  await store.useRegistrationToken('2'.repeat(64), T + 5);
  await store.putSecret({ name: 'TOKEN', sealed: 'v1:hub-sealed', updatedAt: T });
  await store.putSecret({ name: 'DEPLOY_KEY', repo: 'acme/app', sealed: 'v1:repo-sealed', updatedAt: T });
  await store.appendAudit({
    at: T,
    actor: 'admin',
    role: 'admin',
    action: 'token.create',
    target: 'ci',
    detail: { role: 'operator' },
  });
  await store.appendAudit({ at: T + 1, actor: 'ci', role: 'operator', action: 'run.cancel', target: 'r04' });

  await store.putTriggerState('timer:acme/app/build/nightly', { last: T }, undefined);
  await store.putTriggerState('github:delivery:delivery-1', { at: T }, undefined);
  await store.putTriggerState('github:delivery:delivery-2', { at: T + 1 }, undefined);
  await store.putTriggerState('github:check:r05', { id: 77, status: 'in_progress' }, undefined);
  await store.putTriggerState('github:check:r05', { id: 77, status: 'completed' }, 1);
  await store.putTriggerState(
    'github:repo:acme/app',
    { installationId: 9, cloneUrl: 'https://github.com/acme/app.git', private: true },
    undefined,
  );
  await store.tryLease('dispatch', 'hub-a', T, 10_000);
}

const file = path.join(here, 'b469e62.sqlite');
rmSync(file, { force: true });
const sqlite = openSqliteStore({ file });
await fill(sqlite);
await sqlite.close();
// Small pages: the fixture is kilobytes, not one 4 KiB page per table and index.
execFileSync('sqlite3', [file, 'PRAGMA journal_mode = DELETE; PRAGMA page_size = 1024; VACUUM;']);

const database = await createTestDatabase();
try {
  const postgres = await openPostgresStore({ url: database.url });
  await fill(postgres);
  await postgres.close();
  const dump = execFileSync('pg_dump', ['--inserts', '--no-owner', '--no-privileges', '--no-comments', database.url], {
    encoding: 'utf8',
  });
  // Without psql's meta-commands (`\restrict`): the test runs the file as one query.
  writeFileSync(path.join(here, 'b469e62-postgres.sql'), dump.replace(/^\\.*\n/gm, ''));
} finally {
  await database.drop();
}
