// The SQLite driver of the store (DESIGN §4: the default, embedded, nothing to install). better-sqlite3 is
// synchronous, so each method runs to completion before another starts in this process; writes that must be
// atomic across processes (two hubs on one file) run in `BEGIN IMMEDIATE` transactions.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { RunState } from '@floe/shared';
import Database from 'better-sqlite3';
import type {
  ApiTokenRow,
  AuditRow,
  AuditRowPage,
  FlowRow,
  LogAppend,
  LogChunkRow,
  LogRead,
  NewAuditRow,
  NewRun,
  ProgressOutcome,
  RepoRow,
  RunEnding,
  RunnerRow,
  RunPage,
  RunProgress,
  RunQuery,
  RunRow,
  SecretRow,
  Store,
  TriggerStateRow,
} from '../store.js';
import { migrate } from './migrate.js';

export type SqliteStoreOptions = {
  /** The database file; `<dataDir>/floe.db` by convention (see `sqliteFile`). */
  file: string;
  /** How long a write waits for another process's lock before failing; default 5000 ms. */
  busyTimeoutMs?: number;
};

/** `<dataDir>/floe.db`. */
export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'floe.db');
}

/** Opens (creating and migrating when needed) the SQLite store. Throws when the file cannot be opened. */
export function openSqliteStore(options: SqliteStoreOptions): SqliteStore {
  mkdirSync(path.dirname(options.file), { recursive: true });
  const db = new Database(options.file);
  // WAL: readers never wait for the writer; foreign keys are off by default in SQLite; busy_timeout makes a
  // second process wait for a lock instead of failing at once.
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
  db.pragma('synchronous = NORMAL');
  migrate(db);
  return new SqliteStore(db);
}

type Row = Record<string, unknown>;

const opt = <T>(value: T | null | undefined): T | undefined => (value === null ? undefined : value);
const json = (value: unknown): string => JSON.stringify(value);
const parse = <T>(text: unknown): T => JSON.parse(text as string) as T;

function runFromRow(row: Row): RunRow {
  return {
    id: row.id as string,
    repo: row.repo as string,
    flowId: row.flow_id as string,
    number: row.number as number,
    state: row.state as RunRow['state'],
    result: opt(row.result as RunRow['result'] | null),
    reason: opt(row.reason as string | null),
    reasonCode: opt(row.reason_code as RunRow['reasonCode'] | null),
    trigger: parse(row.trigger),
    trust: row.trust as RunRow['trust'],
    ref: opt(row.ref as string | null),
    sha: opt(row.sha as string | null),
    cloneUrl: opt(row.clone_url as string | null),
    flow: parse(row.flow),
    engine: row.engine === null ? undefined : parse(row.engine),
    runnerId: opt(row.runner_id as string | null),
    epoch: row.epoch as number,
    leaseExpiresAt: opt(row.lease_expires_at as number | null),
    lastSeq: row.last_seq as number,
    createdAt: row.created_at as number,
    startedAt: opt(row.started_at as number | null),
    endedAt: opt(row.ended_at as number | null),
    retryOf: opt(row.retry_of as string | null),
    replayFrom: opt(row.replay_from as string | null),
    pinnedRunnerId: opt(row.pinned_runner_id as string | null),
    cancelRequestedBy: opt(row.cancel_requested_by as string | null),
    cancelRequestedAt: opt(row.cancel_requested_at as number | null),
  };
}

function runnerFromRow(row: Row): RunnerRow {
  return {
    id: row.id as string,
    name: row.name as string,
    tags: parse(row.tags),
    slots: row.slots as number,
    credentialHash: row.credential_hash as string,
    connected: row.connected === 1,
    lastSeenAt: opt(row.last_seen_at as number | null),
    version: opt(row.version as string | null),
    sandboxed: row.sandboxed === 1,
    sandboxReason: opt(row.sandbox_reason as string | null),
    createdAt: row.created_at as number,
  };
}

function flowFromRow(row: Row): FlowRow {
  return {
    repo: row.repo as string,
    id: row.id as string,
    ver: row.ver as number,
    name: row.name as string,
    triggers: parse(row.triggers),
    flow: row.flow === null ? undefined : parse(row.flow),
    errors: parse(row.errors),
    sha: row.sha as string,
    updatedAt: row.updated_at as number,
  };
}

function repoFromRow(row: Row): RepoRow {
  return {
    name: row.name as string,
    url: row.url as string,
    defaultRef: opt(row.default_ref as string | null),
    headSha: opt(row.head_sha as string | null),
    refreshedAt: opt(row.refreshed_at as number | null),
  };
}

function chunkFromRow(row: Row): LogChunkRow {
  return {
    runId: row.run_id as string,
    node: row.node as string,
    attempt: row.attempt as number,
    offset: row.offset as number,
    stream: row.stream as string,
    at: row.at as number,
    text: row.text as string,
  };
}

export class SqliteStore implements Store {
  /** Prepared once per SQL text: preparing on every call cost more than running most of these statements. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly db: Database.Database) {}

  private statement(sql: string): Database.Statement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      prepared = this.db.prepare(sql);
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Repos and flows

  async upsertRepo(repo: RepoRow): Promise<void> {
    this.statement(
      `INSERT INTO repos (name, url, default_ref, head_sha, refreshed_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET url = excluded.url, default_ref = excluded.default_ref,
           head_sha = excluded.head_sha, refreshed_at = excluded.refreshed_at`,
    ).run(repo.name, repo.url, repo.defaultRef ?? null, repo.headSha ?? null, repo.refreshedAt ?? null);
  }

  async getRepo(name: string): Promise<RepoRow | undefined> {
    const row = this.statement('SELECT * FROM repos WHERE name = ?').get(name) as Row | undefined;
    return row && repoFromRow(row);
  }

  async listRepos(): Promise<RepoRow[]> {
    return (this.statement('SELECT * FROM repos ORDER BY name').all() as Row[]).map(repoFromRow);
  }

  async replaceFlows(repo: string, flows: FlowRow[]): Promise<void> {
    const insert = this.statement(
      `INSERT INTO flows (repo, id, ver, name, triggers, flow, errors, sha, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db
      .transaction(() => {
        this.statement('DELETE FROM flows WHERE repo = ?').run(repo);
        for (const flow of flows) {
          insert.run(
            repo,
            flow.id,
            flow.ver,
            flow.name,
            json(flow.triggers),
            flow.flow === undefined ? null : json(flow.flow),
            json(flow.errors),
            flow.sha,
            flow.updatedAt,
          );
        }
      })
      .immediate();
  }

  async listFlows(repo?: string): Promise<FlowRow[]> {
    const rows =
      repo === undefined
        ? this.statement('SELECT * FROM flows ORDER BY repo, id').all()
        : this.statement('SELECT * FROM flows WHERE repo = ? ORDER BY id').all(repo);
    return (rows as Row[]).map(flowFromRow);
  }

  async getFlow(repo: string, id: string): Promise<FlowRow | undefined> {
    const row = this.statement('SELECT * FROM flows WHERE repo = ? AND id = ?').get(repo, id) as Row | undefined;
    return row && flowFromRow(row);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs

  async createRun(run: NewRun): Promise<RunRow> {
    return this.db
      .transaction(() => {
        const counter = this.statement(
          `INSERT INTO run_counters (repo, flow_id, last) VALUES (?, ?, 1)
             ON CONFLICT (repo, flow_id) DO UPDATE SET last = last + 1 RETURNING last`,
        ).get(run.repo, run.flowId) as { last: number };
        this.statement(
          `INSERT INTO runs (id, repo, flow_id, number, state, trigger, trust, ref, sha, clone_url, flow, created_at,
               retry_of, replay_from, pinned_runner_id)
             VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ).run(
          run.id,
          run.repo,
          run.flowId,
          counter.last,
          json(run.trigger),
          run.trust,
          run.ref ?? null,
          run.sha ?? null,
          run.cloneUrl ?? null,
          json(run.flow),
          run.createdAt,
          run.retryOf ?? null,
          run.replayFrom ?? null,
          run.pinnedRunnerId ?? null,
        );
        return this.runSync(run.id) as RunRow;
      })
      .immediate();
  }

  private runSync(id: string): RunRow | undefined {
    const row = this.statement('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row && runFromRow(row);
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    return this.runSync(id);
  }

  async getRunByNumber(repo: string, flowId: string, number: number): Promise<RunRow | undefined> {
    const row = this.statement('SELECT * FROM runs WHERE repo = ? AND flow_id = ? AND number = ?').get(
      repo,
      flowId,
      number,
    ) as Row | undefined;
    return row && runFromRow(row);
  }

  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (column: string, value: unknown) => {
      if (value === undefined) return;
      where.push(`${column} = ?`);
      params.push(value);
    };
    filter('state', query.state);
    filter('repo', query.repo);
    filter('flow_id', query.flowId);
    filter('ref', query.ref);
    filter('result', query.result);
    if (query.cursor !== undefined) {
      where.push('id < ?');
      params.push(query.cursor);
    }
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1_000));
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.statement(sql).all(...params, limit + 1) as Row[];
    const runs = rows.slice(0, limit).map(runFromRow);
    const last = runs[runs.length - 1];
    return rows.length > limit && last ? { runs, next: last.id } : { runs };
  }

  async listLiveRuns(): Promise<RunRow[]> {
    const rows = this.statement(`SELECT * FROM runs WHERE state != 'archived' ORDER BY created_at, id`).all();
    return (rows as Row[]).map(runFromRow);
  }

  async offerRun(id: string, epoch: number, runnerId: string, offerExpiresAt: number): Promise<RunRow | undefined> {
    const changed = this.statement(
      `UPDATE runs SET epoch = epoch + 1, runner_id = ?, lease_expires_at = ?
         WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id IS NULL`,
    ).run(runnerId, offerExpiresAt, id, epoch).changes;
    return changed === 1 ? this.runSync(id) : undefined;
  }

  async acceptRun(
    id: string,
    runnerId: string,
    epoch: number,
    leaseExpiresAt: number,
    at: number,
  ): Promise<RunRow | undefined> {
    const changed = this.statement(
      `UPDATE runs SET state = 'active', lease_expires_at = ?, started_at = COALESCE(started_at, ?)
         WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id = ?`,
    ).run(leaseExpiresAt, at, id, epoch, runnerId).changes;
    return changed === 1 ? this.runSync(id) : undefined;
  }

  async withdrawOffer(id: string, epoch: number): Promise<RunRow | undefined> {
    const changed = this.statement(
      `UPDATE runs SET runner_id = NULL, lease_expires_at = NULL
         WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id IS NOT NULL`,
    ).run(id, epoch).changes;
    return changed === 1 ? this.runSync(id) : undefined;
  }

  async renewLeases(
    runnerId: string,
    runs: { runId: string; epoch: number }[],
    leaseExpiresAt: number,
  ): Promise<string[]> {
    const update = this.statement(
      `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND epoch = ? AND runner_id = ? AND state = 'active'`,
    );
    return this.db.transaction(() =>
      runs
        .filter((run) => update.run(leaseExpiresAt, run.runId, run.epoch, runnerId).changes === 1)
        .map((r) => r.runId),
    )();
  }

  async saveProgress(id: string, progress: RunProgress): Promise<ProgressOutcome> {
    return this.db
      .transaction((): ProgressOutcome => {
        const run = this.runSync(id);
        if (!run) return { ok: false, reason: 'missing' };
        if (run.state !== 'active' || run.epoch !== progress.epoch) return { ok: false, reason: 'stale', run };
        if (run.lastSeq !== progress.expectedLastSeq) return { ok: false, reason: 'conflict', run };
        const logs = this.appendLogsSync(id, progress.logs);
        const { ended } = progress;
        this.statement(
          `UPDATE runs SET engine = ?, last_seq = ?, started_at = COALESCE(started_at, ?),
               state = ?, result = ?, reason = ?, reason_code = ?, ended_at = ?,
               lease_expires_at = CASE WHEN ? THEN NULL ELSE lease_expires_at END
             WHERE id = ?`,
        ).run(
          json(progress.engine),
          progress.lastSeq,
          progress.engine.startedAt,
          ended ? 'archived' : 'active',
          ended?.result ?? null,
          ended?.reason ?? null,
          ended?.reasonCode ?? null,
          ended?.endedAt ?? null,
          ended ? 1 : 0,
          id,
        );
        return { ok: true, run: this.runSync(id) as RunRow, logs };
      })
      .immediate();
  }

  async saveTrailingRecords(
    id: string,
    progress: Pick<RunProgress, 'epoch' | 'expectedLastSeq' | 'lastSeq' | 'logs'>,
  ): Promise<ProgressOutcome> {
    return this.db
      .transaction((): ProgressOutcome => {
        const run = this.runSync(id);
        if (!run) return { ok: false, reason: 'missing' };
        if (run.state !== 'archived' || run.epoch !== progress.epoch) return { ok: false, reason: 'stale', run };
        if (run.lastSeq !== progress.expectedLastSeq) return { ok: false, reason: 'conflict', run };
        const logs = this.appendLogsSync(id, progress.logs);
        this.statement('UPDATE runs SET last_seq = ? WHERE id = ?').run(progress.lastSeq, id);
        return { ok: true, run: this.runSync(id) as RunRow, logs };
      })
      .immediate();
  }

  async archiveRun(
    id: string,
    ending: RunEnding,
    opts: { epoch?: number; engine?: RunState } = {},
  ): Promise<RunRow | undefined> {
    const changed = this.statement(
      `UPDATE runs SET state = 'archived', result = ?, reason = ?, reason_code = ?, ended_at = ?,
           lease_expires_at = NULL, engine = COALESCE(?, engine)
         WHERE id = ? AND state != 'archived' AND (? IS NULL OR epoch = ?)`,
    ).run(
      ending.result,
      ending.reason,
      ending.reasonCode,
      ending.endedAt,
      opts.engine === undefined ? null : json(opts.engine),
      id,
      opts.epoch ?? null,
      opts.epoch ?? null,
    ).changes;
    return changed === 1 ? this.runSync(id) : undefined;
  }

  async requeueRun(id: string, epoch: number): Promise<RunRow | undefined> {
    const changed = this.statement(
      `UPDATE runs SET state = 'pending', epoch = epoch + 1, runner_id = NULL, lease_expires_at = NULL,
           engine = NULL, last_seq = 0, started_at = NULL, cancel_requested_by = NULL, cancel_requested_at = NULL
         WHERE id = ? AND state = 'active' AND epoch = ?`,
    ).run(id, epoch).changes;
    return changed === 1 ? this.runSync(id) : undefined;
  }

  async requestCancel(id: string, by: string, at: number): Promise<RunRow | undefined> {
    const changed = this.statement(
      `UPDATE runs SET cancel_requested_by = COALESCE(cancel_requested_by, ?),
           cancel_requested_at = COALESCE(cancel_requested_at, ?)
         WHERE id = ? AND state = 'active'`,
    ).run(by, at, id).changes;
    return changed === 1 ? this.runSync(id) : undefined;
  }

  async listExpiredLeases(now: number): Promise<RunRow[]> {
    const rows = this.statement(
      `SELECT * FROM runs WHERE state != 'archived' AND runner_id IS NOT NULL AND lease_expires_at < ?
         ORDER BY created_at, id`,
    ).all(now);
    return (rows as Row[]).map(runFromRow);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Logs

  private appendLogsSync(runId: string, chunks: LogAppend[]): LogChunkRow[] {
    const end = this.statement(
      'SELECT offset + length AS end FROM log_chunks WHERE run_id = ? AND node = ? ORDER BY offset DESC LIMIT 1',
    );
    const insert = this.statement(
      `INSERT INTO log_chunks (run_id, node, offset, length, attempt, stream, at, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const stored: LogChunkRow[] = [];
    for (const chunk of chunks) {
      if (chunk.text === '') continue;
      const offset = (end.get(runId, chunk.node) as { end: number } | undefined)?.end ?? 0;
      // Offsets count UTF-8 bytes, the unit of the REST and live log cursors (DESIGN §8 "Live API").
      insert.run(
        runId,
        chunk.node,
        offset,
        Buffer.byteLength(chunk.text),
        chunk.attempt,
        chunk.stream,
        chunk.at,
        chunk.text,
      );
      stored.push({ ...chunk, runId, offset });
    }
    return stored;
  }

  async appendLogs(runId: string, node: string, chunks: LogAppend[]): Promise<LogChunkRow[]> {
    return this.db
      .transaction(() =>
        this.appendLogsSync(
          runId,
          chunks.map((chunk) => ({ ...chunk, node })),
        ),
      )
      .immediate();
  }

  async readLog(runId: string, node: string, from = 0, maxBytes = 1 << 20): Promise<LogRead> {
    return this.db.transaction((): LogRead => {
      const end =
        (
          this.statement(
            'SELECT offset + length AS end FROM log_chunks WHERE run_id = ? AND node = ? ORDER BY offset DESC LIMIT 1',
          ).get(runId, node) as { end: number } | undefined
        )?.end ?? 0;
      // The chunk holding `from`, then every later one, until about maxBytes are collected.
      const rows = this.statement(
        `SELECT * FROM log_chunks WHERE run_id = ? AND node = ? AND offset + length > ? ORDER BY offset LIMIT 10000`,
      ).all(runId, node, from) as Row[];
      const chunks: LogChunkRow[] = [];
      let bytes = 0;
      let next = Math.min(from, end);
      for (const row of rows) {
        if (bytes >= maxBytes) break;
        const chunk = chunkFromRow(row);
        const length = row.length as number;
        if (chunk.offset < from) {
          // Cut inside the chunk: offsets the hub hands out fall on chunk or character boundaries.
          const cut = from - chunk.offset;
          chunks.push({ ...chunk, offset: from, text: Buffer.from(chunk.text).subarray(cut).toString() });
        } else {
          chunks.push(chunk);
        }
        bytes += chunk.offset + length - Math.max(from, chunk.offset);
        next = chunk.offset + length;
      }
      return { chunks, next };
    })();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runners

  async registerRunner(runner: {
    id: string;
    name: string;
    credentialHash: string;
    createdAt: number;
  }): Promise<RunnerRow> {
    return this.db
      .transaction(() => {
        const existing = this.statement('SELECT * FROM runners WHERE name = ?').get(runner.name) as Row | undefined;
        if (existing) {
          // Re-registration under the same name keeps the runner's id (its history) and replaces its credential, so the
          // old credential stops working (registering again is safe to repeat).
          this.statement('UPDATE runners SET credential_hash = ? WHERE id = ?').run(runner.credentialHash, existing.id);
          return runnerFromRow(this.statement('SELECT * FROM runners WHERE id = ?').get(existing.id) as Row);
        }
        this.statement('INSERT INTO runners (id, name, credential_hash, created_at) VALUES (?, ?, ?, ?)').run(
          runner.id,
          runner.name,
          runner.credentialHash,
          runner.createdAt,
        );
        return runnerFromRow(this.statement('SELECT * FROM runners WHERE id = ?').get(runner.id) as Row);
      })
      .immediate();
  }

  async getRunner(id: string): Promise<RunnerRow | undefined> {
    const row = this.statement('SELECT * FROM runners WHERE id = ?').get(id) as Row | undefined;
    return row && runnerFromRow(row);
  }

  async findRunnerByCredential(credentialHash: string): Promise<RunnerRow | undefined> {
    const row = this.statement('SELECT * FROM runners WHERE credential_hash = ?').get(credentialHash) as
      | Row
      | undefined;
    return row && runnerFromRow(row);
  }

  async listRunners(): Promise<RunnerRow[]> {
    return (this.statement('SELECT * FROM runners ORDER BY name').all() as Row[]).map(runnerFromRow);
  }

  async updateRunner(id: string, patch: Parameters<Store['updateRunner']>[1]): Promise<RunnerRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [];
    if (patch.tags !== undefined) sets.push('tags = ?') && params.push(json(patch.tags));
    if (patch.slots !== undefined) sets.push('slots = ?') && params.push(patch.slots);
    if (patch.connected !== undefined) sets.push('connected = ?') && params.push(patch.connected ? 1 : 0);
    if (patch.lastSeenAt !== undefined) sets.push('last_seen_at = ?') && params.push(patch.lastSeenAt);
    if (patch.version !== undefined) sets.push('version = ?') && params.push(patch.version);
    if (patch.sandboxed !== undefined) sets.push('sandboxed = ?') && params.push(patch.sandboxed ? 1 : 0);
    if (patch.sandboxReason !== undefined) sets.push('sandbox_reason = ?') && params.push(patch.sandboxReason);
    if (patch.connection !== undefined) sets.push('connection = ?') && params.push(patch.connection);
    if (sets.length > 0) this.statement(`UPDATE runners SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    return this.getRunner(id);
  }

  async disconnectRunner(id: string, connection: string | undefined, at: number): Promise<boolean> {
    const sql = `UPDATE runners SET connected = 0, connection = NULL, last_seen_at = ? WHERE id = ?${connection === undefined ? '' : ' AND connection IS ?'}`;
    const params = connection === undefined ? [at, id] : [at, id, connection];
    return this.statement(sql).run(...params).changes === 1;
  }

  async deleteRunner(id: string): Promise<boolean> {
    return this.statement('DELETE FROM runners WHERE id = ?').run(id).changes === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Tokens

  async createApiToken(token: ApiTokenRow): Promise<void> {
    this.insertApiToken(token);
  }

  private insertApiToken(token: ApiTokenRow): void {
    this.statement(
      'INSERT INTO api_tokens (name, role, token_hash, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)',
    ).run(token.name, token.role, token.tokenHash, token.createdAt, token.expiresAt ?? null, token.lastUsedAt ?? null);
  }

  async touchApiToken(name: string, at: number): Promise<void> {
    this.statement('UPDATE api_tokens SET last_used_at = ? WHERE name = ?').run(at, name);
  }

  async replaceApiToken(token: ApiTokenRow, previous?: ApiTokenRow): Promise<void> {
    this.db
      .transaction(() => {
        this.statement('DELETE FROM api_tokens WHERE name IN (?, ?)').run(token.name, previous?.name ?? token.name);
        if (previous) this.insertApiToken(previous);
        this.insertApiToken(token);
      })
      .immediate();
  }

  async findApiToken(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const row = this.statement('SELECT * FROM api_tokens WHERE token_hash = ?').get(tokenHash) as Row | undefined;
    return row && tokenFromRow(row);
  }

  async listApiTokens(): Promise<ApiTokenRow[]> {
    return (this.statement('SELECT * FROM api_tokens ORDER BY name').all() as Row[]).map(tokenFromRow);
  }

  async deleteApiToken(name: string): Promise<boolean> {
    return this.statement('DELETE FROM api_tokens WHERE name = ?').run(name).changes === 1;
  }

  async createRegistrationToken(token: { tokenHash: string; expiresAt: number; createdAt: number }): Promise<void> {
    this.statement('INSERT INTO registration_tokens (token_hash, expires_at, created_at) VALUES (?, ?, ?)').run(
      token.tokenHash,
      token.expiresAt,
      token.createdAt,
    );
  }

  async useRegistrationToken(tokenHash: string, now: number): Promise<boolean> {
    return (
      this.statement(
        'UPDATE registration_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
      ).run(now, tokenHash, now).changes === 1
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Audit log

  async appendAudit(entry: NewAuditRow): Promise<void> {
    this.statement('INSERT INTO audit_log (at, actor, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)').run(
      entry.at,
      entry.actor,
      entry.role,
      entry.action,
      entry.target,
      entry.detail ? JSON.stringify(entry.detail) : null,
    );
  }

  async listAudit(query: { limit?: number; before?: number }): Promise<AuditRowPage> {
    const limit = query.limit ?? 50;
    const rows = this.statement('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?').all(
      query.before ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    ) as Row[];
    const entries = rows.slice(0, limit).map(auditFromRow);
    const last = entries.at(-1);
    return rows.length > limit && last ? { entries, next: last.id } : { entries };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Retention

  async pruneRuns(opts: { endedBefore: number; keepPerFlow: number; limit: number }): Promise<number> {
    return this.db
      .transaction(() => {
        const ids = (
          this.statement(
            `SELECT id FROM (
                 SELECT id, ended_at, ROW_NUMBER() OVER (PARTITION BY repo, flow_id ORDER BY id DESC) AS newest
                 FROM runs WHERE state = 'archived'
               ) WHERE ended_at < ? OR newest > ? LIMIT ?`,
          ).all(opts.endedBefore, opts.keepPerFlow, opts.limit) as { id: string }[]
        ).map((row) => row.id);
        const logs = this.statement('DELETE FROM log_chunks WHERE run_id = ?');
        const runs = this.statement('DELETE FROM runs WHERE id = ?');
        for (const id of ids) {
          logs.run(id);
          runs.run(id);
        }
        return ids.length;
      })
      .immediate();
  }

  async listOversizedLogs(
    maxBytes: number,
    endedSince: number,
    limit: number,
  ): Promise<{ runId: string; node: string; bytes: number }[]> {
    return (
      this.statement(
        `SELECT l.run_id AS runId, l.node AS node, SUM(l.length) AS bytes
           FROM runs r JOIN log_chunks l ON l.run_id = r.id
           WHERE r.state = 'archived' AND r.ended_at >= ?
           GROUP BY l.run_id, l.node HAVING SUM(l.length) > ? LIMIT ?`,
      ).all(endedSince, maxBytes, limit) as { runId: string; node: string; bytes: number }[]
    ).map((row) => ({ ...row }));
  }

  async capLog(runId: string, node: string, headBytes: number, tailBytes: number): Promise<void> {
    this.db
      .transaction(() => {
        const rows = (
          this.statement('SELECT * FROM log_chunks WHERE run_id = ? AND node = ? ORDER BY offset').all(
            runId,
            node,
          ) as Row[]
        ).map(chunkFromRow);
        const first = rows[0];
        const last = rows[rows.length - 1];
        if (!first || !last) return;
        const whole = Buffer.from(rows.map((row) => row.text).join(''));
        if (whole.length <= headBytes + tailBytes) return;
        const head = new TextDecoder().decode(whole.subarray(0, headBytes)).replace(/\uFFFD$/, '');
        const tail = new TextDecoder().decode(whole.subarray(whole.length - tailBytes)).replace(/^\uFFFD/, '');
        const cut = whole.length - Buffer.byteLength(head) - Buffer.byteLength(tail);
        const marker = `\n[floe: ${cut} bytes of this log were cut by retention; its first and last parts are kept]\n`;
        this.statement('DELETE FROM log_chunks WHERE run_id = ? AND node = ?').run(runId, node);
        const insert = this.statement(
          'INSERT INTO log_chunks (run_id, node, offset, length, attempt, stream, at, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        );
        let offset = 0;
        for (const [chunk, text] of [
          [first, head],
          [{ ...last, stream: 'sys' }, marker],
          [last, tail],
        ] as const) {
          const length = Buffer.byteLength(text);
          insert.run(runId, node, offset, length, chunk.attempt, chunk.stream, chunk.at, text);
          offset += length;
        }
      })
      .immediate();
  }

  // -------------------------------------------------------------------------------------------------------------
  // Secrets (scope '' is the hub's)

  async putSecret(secret: SecretRow): Promise<void> {
    this.statement(
      `INSERT INTO secrets (scope, name, sealed, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (scope, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
    ).run(secret.repo ?? '', secret.name, secret.sealed, secret.updatedAt);
  }

  async listSecrets(repo?: string): Promise<SecretRow[]> {
    const rows = (
      repo === undefined
        ? this.statement('SELECT * FROM secrets ORDER BY scope, name').all()
        : this.statement(`SELECT * FROM secrets WHERE scope IN ('', ?) ORDER BY scope, name`).all(repo)
    ) as Row[];
    return rows.map((row) => ({
      name: row.name as string,
      ...(row.scope ? { repo: row.scope as string } : {}),
      sealed: row.sealed as string,
      updatedAt: row.updated_at as number,
    }));
  }

  async deleteSecret(name: string, repo?: string): Promise<boolean> {
    return this.statement('DELETE FROM secrets WHERE scope = ? AND name = ?').run(repo ?? '', name).changes === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Trigger state and leases

  async getTriggerState(key: string): Promise<TriggerStateRow | undefined> {
    const row = this.statement('SELECT * FROM trigger_state WHERE key = ?').get(key) as Row | undefined;
    return row && { key, value: parse(row.value), version: row.version as number };
  }

  async putTriggerState(key: string, value: unknown, expectedVersion: number | undefined): Promise<boolean> {
    if (expectedVersion === undefined) {
      return (
        this.statement(
          'INSERT INTO trigger_state (key, value, version) VALUES (?, ?, 1) ON CONFLICT (key) DO NOTHING',
        ).run(key, json(value)).changes === 1
      );
    }
    return (
      this.statement('UPDATE trigger_state SET value = ?, version = version + 1 WHERE key = ? AND version = ?').run(
        json(value),
        key,
        expectedVersion,
      ).changes === 1
    );
  }

  async tryLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    return (
      this.statement(
        `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
      ).run(name, holder, now + ttlMs, now).changes === 1
    );
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    this.statement('DELETE FROM leases WHERE name = ? AND holder = ?').run(name, holder);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function tokenFromRow(row: Row): ApiTokenRow {
  return {
    name: row.name as string,
    role: row.role as ApiTokenRow['role'],
    tokenHash: row.token_hash as string,
    createdAt: row.created_at as number,
    ...(row.expires_at != null ? { expiresAt: row.expires_at as number } : {}),
    ...(row.last_used_at != null ? { lastUsedAt: row.last_used_at as number } : {}),
  };
}

function auditFromRow(row: Row): AuditRow {
  return {
    id: Number(row.id),
    at: Number(row.at),
    actor: row.actor as string,
    role: row.role as AuditRow['role'],
    action: row.action as AuditRow['action'],
    target: row.target as string,
    ...(row.detail != null ? { detail: JSON.parse(row.detail as string) as Record<string, string> } : {}),
  };
}
