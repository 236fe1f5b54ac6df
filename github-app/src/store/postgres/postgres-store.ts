// The PostgreSQL driver of the store (DESIGN §4: for several hubs on one database, issue 7). It keeps the SQLite
// driver's semantics exactly (both pass store.contract.ts); what differs is how atomicity is had across hubs:
// every compare-and-set is one UPDATE … WHERE state/epoch, and writes that read first (saveProgress, log appends)
// lock the run's row (`SELECT … FOR UPDATE`) in a transaction, so two hubs serialize on the row, not on a process.
import type { RunState } from '@floe/shared';
import pg from 'pg';
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
  Store,
  TriggerStateRow,
} from '../store.js';
import { isDatabaseAway } from '../store-health.js';
import { migratePostgres } from './migrate-postgres.js';

export type PostgresStoreOptions = {
  /** `postgres://user@host:port/db`: `--database-url` or DATABASE_URL. */
  url: string;
  /** Connections this hub keeps; default 10. */
  maxConnections?: number;
  /** How long to wait for a connection to the database; default 10 s. */
  connectTimeoutMs?: number;
  /** How long to wait for a query's answer; default 60 s. */
  queryTimeoutMs?: number;
};

type Row = Record<string, unknown>;
/** The store's SecretRow (issue 7 "Secrets", being added to store.ts alongside this driver), spelled out. */
type SecretRowLike = { name: string; repo?: string; sealed: string; updatedAt: number };
type Queryable = Pick<pg.PoolClient, 'query'>;

// BIGINT (int8, oid 20) columns hold milliseconds and byte offsets, all far below 2^53: read them as numbers.
// Set on this driver's pools only, not on the `pg` module (other code in the process may want strings).
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Opens (migrating when needed) the PostgreSQL store. Throws when the database cannot be reached. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections ?? 10,
    types,
    // A database out of reach answers nothing: a connection attempt or a query gives up instead of waiting for
    // ever, so the hub reports the outage (store-health.ts) and tries again (DESIGN §4).
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    query_timeout: options.queryTimeoutMs ?? 60_000,
    keepAlive: true,
  });
  // An idle connection that breaks (the server restarts) must not crash the hub; the next query reconnects.
  pool.on('error', () => undefined);
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool);
}

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
    connected: row.connected === true,
    lastSeenAt: opt(row.last_seen_at as number | null),
    version: opt(row.version as string | null),
    sandboxed: row.sandboxed === true,
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
    offset: row.byte_offset as number,
    stream: row.stream as string,
    at: row.at as number,
    text: row.text as string,
  };
}

function tokenFromRow(row: Row): ApiTokenRow {
  return {
    name: row.name as string,
    role: row.role as ApiTokenRow['role'],
    tokenHash: row.token_hash as string,
    createdAt: row.created_at as number,
    ...(row.expires_at != null ? { expiresAt: Number(row.expires_at) } : {}),
    ...(row.last_used_at != null ? { lastUsedAt: Number(row.last_used_at) } : {}),
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

export class PostgresStore implements Store {
  constructor(readonly pool: pg.Pool) {}

  private async rows(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<Row[]> {
    return (await on.query(sql, params)).rows as Row[];
  }

  private async count(sql: string, params: unknown[] = [], on: Queryable = this.pool): Promise<number> {
    return (await on.query(sql, params)).rowCount ?? 0;
  }

  /** The first row RETURNING gave, as a run. */
  private async runReturning(sql: string, params: unknown[]): Promise<RunRow | undefined> {
    const row = (await this.rows(sql, params))[0];
    return row && runFromRow(row);
  }

  /** Runs `work` in one transaction on one connection; rolls back when it throws. */
  private async tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A connection that breaks while it is checked out emits 'error' besides failing its query; the pool only
    // listens on idle ones, and an unheard 'error' ends the process (a database restart crashed every hub).
    let broke: Error | undefined;
    const broken = (err: Error) => {
      broke = err;
    };
    client.on('error', broken);
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      // A connection that timed out may still answer the old query later: it is not reused either.
      if (isDatabaseAway(error)) broke ??= error as Error;
      else await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.removeListener('error', broken);
      // A broken connection is not given back to the pool for the next caller.
      client.release(broke);
    }
  }

  // -------------------------------------------------------------------------------------------------------------
  // Repos and flows

  async upsertRepo(repo: RepoRow): Promise<void> {
    await this.pool.query(
      `INSERT INTO repos (name, url, default_ref, head_sha, refreshed_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (name) DO UPDATE SET url = excluded.url, default_ref = excluded.default_ref,
         head_sha = excluded.head_sha, refreshed_at = excluded.refreshed_at`,
      [repo.name, repo.url, repo.defaultRef ?? null, repo.headSha ?? null, repo.refreshedAt ?? null],
    );
  }

  async getRepo(name: string): Promise<RepoRow | undefined> {
    const row = (await this.rows('SELECT * FROM repos WHERE name = $1', [name]))[0];
    return row && repoFromRow(row);
  }

  async listRepos(): Promise<RepoRow[]> {
    return (await this.rows('SELECT * FROM repos ORDER BY name')).map(repoFromRow);
  }

  async replaceFlows(repo: string, flows: FlowRow[]): Promise<void> {
    await this.tx(async (client) => {
      await client.query('DELETE FROM flows WHERE repo = $1', [repo]);
      for (const flow of flows) {
        await client.query(
          `INSERT INTO flows (repo, id, ver, name, triggers, flow, errors, sha, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            repo,
            flow.id,
            flow.ver,
            flow.name,
            json(flow.triggers),
            flow.flow === undefined ? null : json(flow.flow),
            json(flow.errors),
            flow.sha,
            flow.updatedAt,
          ],
        );
      }
    });
  }

  async listFlows(repo?: string): Promise<FlowRow[]> {
    const rows =
      repo === undefined
        ? await this.rows('SELECT * FROM flows ORDER BY repo, id')
        : await this.rows('SELECT * FROM flows WHERE repo = $1 ORDER BY id', [repo]);
    return rows.map(flowFromRow);
  }

  async getFlow(repo: string, id: string): Promise<FlowRow | undefined> {
    const row = (await this.rows('SELECT * FROM flows WHERE repo = $1 AND id = $2', [repo, id]))[0];
    return row && flowFromRow(row);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs

  async createRun(run: NewRun): Promise<RunRow> {
    // One statement: the counter's upsert locks its row, so numbers stay distinct across hubs.
    const row = (
      await this.rows(
        `WITH counter AS (
           INSERT INTO run_counters (repo, flow_id, last) VALUES ($2, $3, 1)
           ON CONFLICT (repo, flow_id) DO UPDATE SET last = run_counters.last + 1 RETURNING last
         )
         INSERT INTO runs (id, repo, flow_id, number, state, trigger, ref, sha, clone_url, flow, created_at,
           retry_of, replay_from, pinned_runner_id, trust)
         SELECT $1, $2, $3, counter.last, 'pending', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 FROM counter
         RETURNING *`,
        [
          run.id,
          run.repo,
          run.flowId,
          json(run.trigger),
          run.ref ?? null,
          run.sha ?? null,
          run.cloneUrl ?? null,
          json(run.flow),
          run.createdAt,
          run.retryOf ?? null,
          run.replayFrom ?? null,
          run.pinnedRunnerId ?? null,
          run.trust,
        ],
      )
    )[0] as Row;
    return runFromRow(row);
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    return this.runReturning('SELECT * FROM runs WHERE id = $1', [id]);
  }

  async getRunByNumber(repo: string, flowId: string, number: number): Promise<RunRow | undefined> {
    return this.runReturning('SELECT * FROM runs WHERE repo = $1 AND flow_id = $2 AND number = $3', [
      repo,
      flowId,
      number,
    ]);
  }

  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (column: string, op: string, value: unknown) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} ${op} $${params.length}`);
    };
    filter('state', '=', query.state);
    filter('repo', '=', query.repo);
    filter('flow_id', '=', query.flowId);
    filter('ref', '=', query.ref);
    filter('result', '=', query.result);
    filter('id', '<', query.cursor);
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1_000));
    params.push(limit + 1);
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
    const rows = await this.rows(sql, params);
    const runs = rows.slice(0, limit).map(runFromRow);
    const last = runs[runs.length - 1];
    return rows.length > limit && last ? { runs, next: last.id } : { runs };
  }

  async listLiveRuns(): Promise<RunRow[]> {
    return (await this.rows(`SELECT * FROM runs WHERE state != 'archived' ORDER BY created_at, id`)).map(runFromRow);
  }

  async offerRun(id: string, epoch: number, runnerId: string, offerExpiresAt: number): Promise<RunRow | undefined> {
    return this.runReturning(
      `UPDATE runs SET epoch = epoch + 1, runner_id = $1, lease_expires_at = $2
       WHERE id = $3 AND state = 'pending' AND epoch = $4 AND runner_id IS NULL RETURNING *`,
      [runnerId, offerExpiresAt, id, epoch],
    );
  }

  async acceptRun(
    id: string,
    runnerId: string,
    epoch: number,
    leaseExpiresAt: number,
    at: number,
  ): Promise<RunRow | undefined> {
    return this.runReturning(
      `UPDATE runs SET state = 'active', lease_expires_at = $1, started_at = COALESCE(started_at, $2)
       WHERE id = $3 AND state = 'pending' AND epoch = $4 AND runner_id = $5 RETURNING *`,
      [leaseExpiresAt, at, id, epoch, runnerId],
    );
  }

  async withdrawOffer(id: string, epoch: number): Promise<RunRow | undefined> {
    return this.runReturning(
      `UPDATE runs SET runner_id = NULL, lease_expires_at = NULL
       WHERE id = $1 AND state = 'pending' AND epoch = $2 AND runner_id IS NOT NULL RETURNING *`,
      [id, epoch],
    );
  }

  async renewLeases(
    runnerId: string,
    runs: { runId: string; epoch: number }[],
    leaseExpiresAt: number,
  ): Promise<string[]> {
    if (runs.length === 0) return [];
    const rows = await this.rows(
      `UPDATE runs SET lease_expires_at = $1
       FROM unnest($3::text[], $4::int[]) AS held(run_id, epoch)
       WHERE runs.id = held.run_id AND runs.epoch = held.epoch AND runs.runner_id = $2 AND runs.state = 'active'
       RETURNING runs.id`,
      [leaseExpiresAt, runnerId, runs.map((r) => r.runId), runs.map((r) => r.epoch)],
    );
    const renewed = new Set(rows.map((row) => row.id as string));
    return runs.filter((run) => renewed.has(run.runId)).map((run) => run.runId);
  }

  /** The run's row, locked until the transaction ends: writes that check then write serialize on it. */
  private async lockRun(client: Queryable, id: string): Promise<RunRow | undefined> {
    const row = (await this.rows('SELECT * FROM runs WHERE id = $1 FOR UPDATE', [id], client))[0];
    return row && runFromRow(row);
  }

  async saveProgress(id: string, progress: RunProgress): Promise<ProgressOutcome> {
    return this.tx(async (client): Promise<ProgressOutcome> => {
      const run = await this.lockRun(client, id);
      if (!run) return { ok: false, reason: 'missing' };
      if (run.state !== 'active' || run.epoch !== progress.epoch) return { ok: false, reason: 'stale', run };
      if (run.lastSeq !== progress.expectedLastSeq) return { ok: false, reason: 'conflict', run };
      const logs = await this.appendLocked(client, id, progress.logs);
      const { ended } = progress;
      const row = (
        await this.rows(
          `UPDATE runs SET engine = $1, last_seq = $2, started_at = COALESCE(started_at, $3),
             state = $4, result = $5, reason = $6, reason_code = $7, ended_at = $8,
             lease_expires_at = CASE WHEN $9 THEN NULL ELSE lease_expires_at END
           WHERE id = $10 RETURNING *`,
          [
            json(progress.engine),
            progress.lastSeq,
            progress.engine.startedAt,
            ended ? 'archived' : 'active',
            ended?.result ?? null,
            ended?.reason ?? null,
            ended?.reasonCode ?? null,
            ended?.endedAt ?? null,
            ended !== undefined,
            id,
          ],
          client,
        )
      )[0] as Row;
      return { ok: true, run: runFromRow(row), logs };
    });
  }

  async saveTrailingRecords(
    id: string,
    progress: Pick<RunProgress, 'epoch' | 'expectedLastSeq' | 'lastSeq' | 'logs'>,
  ): Promise<ProgressOutcome> {
    return this.tx(async (client): Promise<ProgressOutcome> => {
      const run = await this.lockRun(client, id);
      if (!run) return { ok: false, reason: 'missing' };
      if (run.state !== 'archived' || run.epoch !== progress.epoch) return { ok: false, reason: 'stale', run };
      if (run.lastSeq !== progress.expectedLastSeq) return { ok: false, reason: 'conflict', run };
      const logs = await this.appendLocked(client, id, progress.logs);
      const row = (
        await this.rows('UPDATE runs SET last_seq = $1 WHERE id = $2 RETURNING *', [progress.lastSeq, id], client)
      )[0] as Row;
      return { ok: true, run: runFromRow(row), logs };
    });
  }

  async archiveRun(
    id: string,
    ending: RunEnding,
    opts: { epoch?: number; engine?: RunState } = {},
  ): Promise<RunRow | undefined> {
    return this.runReturning(
      `UPDATE runs SET state = 'archived', result = $1, reason = $2, reason_code = $3, ended_at = $4,
         lease_expires_at = NULL, engine = COALESCE($5, engine)
       WHERE id = $6 AND state != 'archived' AND ($7::int IS NULL OR epoch = $7::int) RETURNING *`,
      [
        ending.result,
        ending.reason,
        ending.reasonCode,
        ending.endedAt,
        opts.engine === undefined ? null : json(opts.engine),
        id,
        opts.epoch ?? null,
      ],
    );
  }

  async requeueRun(id: string, epoch: number): Promise<RunRow | undefined> {
    return this.runReturning(
      `UPDATE runs SET state = 'pending', epoch = epoch + 1, runner_id = NULL, lease_expires_at = NULL,
         engine = NULL, last_seq = 0, started_at = NULL, cancel_requested_by = NULL, cancel_requested_at = NULL
       WHERE id = $1 AND state = 'active' AND epoch = $2 RETURNING *`,
      [id, epoch],
    );
  }

  async requestCancel(id: string, by: string, at: number): Promise<RunRow | undefined> {
    return this.runReturning(
      `UPDATE runs SET cancel_requested_by = COALESCE(cancel_requested_by, $1),
         cancel_requested_at = COALESCE(cancel_requested_at, $2)
       WHERE id = $3 AND state = 'active' RETURNING *`,
      [by, at, id],
    );
  }

  async listExpiredLeases(now: number): Promise<RunRow[]> {
    const rows = await this.rows(
      `SELECT * FROM runs WHERE state != 'archived' AND runner_id IS NOT NULL AND lease_expires_at < $1
       ORDER BY created_at, id`,
      [now],
    );
    return rows.map(runFromRow);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Logs

  /** Appends with the run's row locked by the caller, so offsets computed here cannot race another hub's append. */
  private async appendLocked(client: Queryable, runId: string, chunks: LogAppend[]): Promise<LogChunkRow[]> {
    const stored: LogChunkRow[] = [];
    const ends = new Map<string, number>();
    for (const chunk of chunks) {
      if (chunk.text === '') continue;
      let offset = ends.get(chunk.node);
      if (offset === undefined) offset = await this.logEnd(client, runId, chunk.node);
      // Offsets count UTF-8 bytes, the unit of the REST and live log cursors (DESIGN §8 "Live API").
      const length = Buffer.byteLength(chunk.text);
      await client.query(
        `INSERT INTO log_chunks (run_id, node, byte_offset, length, attempt, stream, at, text)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [runId, chunk.node, offset, length, chunk.attempt, chunk.stream, chunk.at, chunk.text],
      );
      ends.set(chunk.node, offset + length);
      stored.push({ ...chunk, runId, offset });
    }
    return stored;
  }

  private async logEnd(on: Queryable, runId: string, node: string): Promise<number> {
    const row = (
      await this.rows(
        'SELECT byte_offset + length AS end FROM log_chunks WHERE run_id = $1 AND node = $2 ORDER BY byte_offset DESC LIMIT 1',
        [runId, node],
        on,
      )
    )[0];
    return (row?.end as number | undefined) ?? 0;
  }

  async appendLogs(runId: string, node: string, chunks: LogAppend[]): Promise<LogChunkRow[]> {
    return this.tx(async (client) => {
      await this.lockRun(client, runId);
      return this.appendLocked(
        client,
        runId,
        chunks.map((chunk) => ({ ...chunk, node })),
      );
    });
  }

  async readLog(runId: string, node: string, from = 0, maxBytes = 1 << 20): Promise<LogRead> {
    // One snapshot for the end and the chunks (REPEATABLE READ), like the SQLite driver's read transaction.
    return this.tx(async (client): Promise<LogRead> => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const end = await this.logEnd(client, runId, node);
      // The chunk holding `from`, then every later one, until about maxBytes are collected.
      const rows = await this.rows(
        `SELECT * FROM log_chunks WHERE run_id = $1 AND node = $2 AND byte_offset + length > $3
         ORDER BY byte_offset LIMIT 10000`,
        [runId, node, from],
        client,
      );
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
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runners

  async registerRunner(runner: {
    id: string;
    name: string;
    credentialHash: string;
    createdAt: number;
  }): Promise<RunnerRow> {
    // Re-registration under the same name keeps the runner's id (its history) and replaces its credential, so the old
    // credential stops working (registering again is safe to repeat); one upsert, so two hubs cannot both insert.
    const row = (
      await this.rows(
        `INSERT INTO runners (id, name, credential_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO UPDATE SET credential_hash = excluded.credential_hash RETURNING *`,
        [runner.id, runner.name, runner.credentialHash, runner.createdAt],
      )
    )[0] as Row;
    return runnerFromRow(row);
  }

  async getRunner(id: string): Promise<RunnerRow | undefined> {
    const row = (await this.rows('SELECT * FROM runners WHERE id = $1', [id]))[0];
    return row && runnerFromRow(row);
  }

  async findRunnerByCredential(credentialHash: string): Promise<RunnerRow | undefined> {
    const row = (await this.rows('SELECT * FROM runners WHERE credential_hash = $1', [credentialHash]))[0];
    return row && runnerFromRow(row);
  }

  async listRunners(): Promise<RunnerRow[]> {
    return (await this.rows('SELECT * FROM runners ORDER BY name')).map(runnerFromRow);
  }

  async updateRunner(id: string, patch: Parameters<Store['updateRunner']>[1]): Promise<RunnerRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      if (value === undefined) return;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    set('tags', patch.tags === undefined ? undefined : json(patch.tags));
    set('slots', patch.slots);
    set('connected', patch.connected);
    set('last_seen_at', patch.lastSeenAt);
    set('version', patch.version);
    set('sandboxed', patch.sandboxed);
    set('sandbox_reason', patch.sandboxReason);
    set('connection', patch.connection);
    if (sets.length > 0) {
      params.push(id);
      await this.pool.query(`UPDATE runners SET ${sets.join(', ')} WHERE id = $${params.length}`, params);
    }
    return this.getRunner(id);
  }

  async disconnectRunner(id: string, connection: string | undefined, at: number): Promise<boolean> {
    const sql = `UPDATE runners SET connected = FALSE, connection = NULL, last_seen_at = $1 WHERE id = $2${connection === undefined ? '' : ' AND connection IS NOT DISTINCT FROM $3'}`;
    return (await this.count(sql, connection === undefined ? [at, id] : [at, id, connection])) === 1;
  }

  async deleteRunner(id: string): Promise<boolean> {
    return (await this.count('DELETE FROM runners WHERE id = $1', [id])) === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Tokens

  async createApiToken(token: ApiTokenRow): Promise<void> {
    await this.insertApiToken(token, this.pool);
  }

  private async insertApiToken(token: ApiTokenRow, on: Queryable): Promise<void> {
    await on.query(
      `INSERT INTO api_tokens (name, role, token_hash, created_at, expires_at, last_used_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [token.name, token.role, token.tokenHash, token.createdAt, token.expiresAt ?? null, token.lastUsedAt ?? null],
    );
  }

  async touchApiToken(name: string, at: number): Promise<void> {
    await this.pool.query('UPDATE api_tokens SET last_used_at = $1 WHERE name = $2', [at, name]);
  }

  async replaceApiToken(token: ApiTokenRow, previous?: ApiTokenRow): Promise<void> {
    await this.tx(async (client) => {
      await client.query('DELETE FROM api_tokens WHERE name IN ($1, $2)', [token.name, previous?.name ?? token.name]);
      if (previous) await this.insertApiToken(previous, client);
      await this.insertApiToken(token, client);
    });
  }

  async findApiToken(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const row = (await this.rows('SELECT * FROM api_tokens WHERE token_hash = $1', [tokenHash]))[0];
    return row && tokenFromRow(row);
  }

  async listApiTokens(): Promise<ApiTokenRow[]> {
    return (await this.rows('SELECT * FROM api_tokens ORDER BY name')).map(tokenFromRow);
  }

  async deleteApiToken(name: string): Promise<boolean> {
    return (await this.count('DELETE FROM api_tokens WHERE name = $1', [name])) === 1;
  }

  async createRegistrationToken(token: { tokenHash: string; expiresAt: number; createdAt: number }): Promise<void> {
    await this.pool.query('INSERT INTO registration_tokens (token_hash, expires_at, created_at) VALUES ($1, $2, $3)', [
      token.tokenHash,
      token.expiresAt,
      token.createdAt,
    ]);
  }

  async useRegistrationToken(tokenHash: string, now: number): Promise<boolean> {
    const changed = await this.count(
      'UPDATE registration_tokens SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1',
      [now, tokenHash],
    );
    return changed === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Secrets (scope '' is the hub's; ordered bytewise, as SQLite orders them)

  async putSecret(secret: SecretRowLike): Promise<void> {
    await this.pool.query(
      `INSERT INTO secrets (scope, name, sealed, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
      [secret.repo ?? '', secret.name, secret.sealed, secret.updatedAt],
    );
  }

  async listSecrets(repo?: string): Promise<SecretRowLike[]> {
    const order = 'ORDER BY scope COLLATE "C", name COLLATE "C"';
    const rows =
      repo === undefined
        ? await this.rows(`SELECT * FROM secrets ${order}`)
        : await this.rows(`SELECT * FROM secrets WHERE scope IN ('', $1) ${order}`, [repo]);
    return rows.map((row) => ({
      name: row.name as string,
      ...(row.scope ? { repo: row.scope as string } : {}),
      sealed: row.sealed as string,
      updatedAt: row.updated_at as number,
    }));
  }

  async deleteSecret(name: string, repo?: string): Promise<boolean> {
    return (await this.count('DELETE FROM secrets WHERE scope = $1 AND name = $2', [repo ?? '', name])) === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Audit log

  async appendAudit(entry: NewAuditRow): Promise<void> {
    await this.pool.query(
      'INSERT INTO audit_log (at, actor, role, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        entry.at,
        entry.actor,
        entry.role,
        entry.action,
        entry.target,
        entry.detail ? JSON.stringify(entry.detail) : null,
      ],
    );
  }

  async listAudit(query: { limit?: number; before?: number }): Promise<AuditRowPage> {
    const limit = query.limit ?? 50;
    const rows = await this.rows('SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2', [
      query.before ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    ]);
    const entries = rows.slice(0, limit).map(auditFromRow);
    const last = entries.at(-1);
    return rows.length > limit && last ? { entries, next: last.id } : { entries };
  }

  // -------------------------------------------------------------------------------------------------------------
  // Retention (mirrors the SQLite driver; retention/retention-sweep.ts)

  async pruneRuns(opts: { endedBefore: number; keepPerFlow: number; limit: number }): Promise<number> {
    return this.tx(async (client) => {
      const ids = (
        await this.rows(
          `SELECT id FROM (
             SELECT id, ended_at, ROW_NUMBER() OVER (PARTITION BY repo, flow_id ORDER BY id COLLATE "C" DESC) AS newest
             FROM runs WHERE state = 'archived'
           ) ranked WHERE ended_at < $1 OR newest > $2 LIMIT $3`,
          [opts.endedBefore, opts.keepPerFlow, opts.limit],
          client,
        )
      ).map((row) => row.id as string);
      if (ids.length === 0) return 0;
      await client.query('DELETE FROM log_chunks WHERE run_id = ANY($1)', [ids]);
      await client.query('DELETE FROM runs WHERE id = ANY($1)', [ids]);
      return ids.length;
    });
  }

  async listOversizedLogs(
    maxBytes: number,
    endedSince: number,
    limit: number,
  ): Promise<{ runId: string; node: string; bytes: number }[]> {
    const rows = await this.rows(
      `SELECT l.run_id, l.node, SUM(l.length) AS bytes
       FROM runs r JOIN log_chunks l ON l.run_id = r.id
       WHERE r.state = 'archived' AND r.ended_at >= $1
       GROUP BY l.run_id, l.node HAVING SUM(l.length) > $2 LIMIT $3`,
      [endedSince, maxBytes, limit],
    );
    return rows.map((row) => ({ runId: row.run_id as string, node: row.node as string, bytes: Number(row.bytes) }));
  }

  async capLog(runId: string, node: string, headBytes: number, tailBytes: number): Promise<void> {
    await this.tx(async (client) => {
      await this.lockRun(client, runId);
      const rows = (
        await this.rows(
          'SELECT * FROM log_chunks WHERE run_id = $1 AND node = $2 ORDER BY byte_offset',
          [runId, node],
          client,
        )
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
      await client.query('DELETE FROM log_chunks WHERE run_id = $1 AND node = $2', [runId, node]);
      let offset = 0;
      for (const [chunk, text] of [
        [first, head],
        [{ ...last, stream: 'sys' }, marker],
        [last, tail],
      ] as const) {
        const length = Buffer.byteLength(text);
        await client.query(
          `INSERT INTO log_chunks (run_id, node, byte_offset, length, attempt, stream, at, text)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [runId, node, offset, length, chunk.attempt, chunk.stream, chunk.at, text],
        );
        offset += length;
      }
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Trigger state and leases

  async getTriggerState(key: string): Promise<TriggerStateRow | undefined> {
    const row = (await this.rows('SELECT * FROM trigger_state WHERE key = $1', [key]))[0];
    return row && { key, value: parse(row.value), version: row.version as number };
  }

  async putTriggerState(key: string, value: unknown, expectedVersion: number | undefined): Promise<boolean> {
    if (expectedVersion === undefined) {
      const inserted = await this.count(
        'INSERT INTO trigger_state (key, value, version) VALUES ($1, $2, 1) ON CONFLICT (key) DO NOTHING',
        [key, json(value)],
      );
      return inserted === 1;
    }
    const updated = await this.count(
      'UPDATE trigger_state SET value = $1, version = version + 1 WHERE key = $2 AND version = $3',
      [json(value), key, expectedVersion],
    );
    return updated === 1;
  }

  async tryLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const changed = await this.count(
      `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= $4`,
      [name, holder, now + ttlMs, now],
    );
    return changed === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.pool.query('DELETE FROM leases WHERE name = $1 AND holder = $2', [name, holder]);
  }

  private closed = false;

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
