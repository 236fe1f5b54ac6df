// The store (store.ts) for both dialects: one class, one SQL text per statement, the rows parsed by one reader per
// table (row-codec.ts). A dialect is a small SqlDatabase (sql-database.ts): how to run a statement, how to hold a
// transaction, and two spellings that differ. Why not a query builder (Kysely): its SQLite driver prepares every
// statement again on each call, which costs more than running most of these statements, its SQLite transactions
// begin deferred (two hubs on one file need IMMEDIATE), and the SQL that decides who owns a run reads best as SQL.
//
// Atomicity: every compare-and-set is one `UPDATE … WHERE state/epoch … RETURNING *`; writes that read first
// (saveProgress, log appends, createRun) run in a write transaction that locks what they read: SQLite's
// `BEGIN IMMEDIATE` (the whole file, across processes), PostgreSQL's `SELECT … FOR UPDATE` (the run's row, across
// hubs). The SQLite driver serializes its transactions within the process too (sqlite/sqlite-store.ts), since
// a transaction here awaits between its statements.
import type { RunState } from '@floe/shared';
import { z } from '@floe/shared';
import { utf8Text } from '@floe/shared/node';
import { type GitHubStateStore, SqlGitHubState } from './github-state.js';
import { type NotificationStore, SqlNotificationStore } from './notify-deliveries.js';
import { type RowReader, rowReader } from './row-codec.js';
import type { Row, Sql, SqlDatabase } from './sql-database.js';
import type { LogFiles } from './sqlite/log-files.js';
import {
  type ApiTokenRow,
  ApiTokenRowSchema,
  type AppendedLog,
  type ArtifactCaps,
  type ArtifactFileRow,
  ArtifactFileRowSchema,
  ArtifactRowSchema,
  type ArtifactSourceQuery,
  type ArtifactWithFiles,
  type AuditRowPage,
  AuditRowSchema,
  type BeginArtifactOutcome,
  type FlowRow,
  FlowRowSchema,
  type LiveRunRef,
  LiveRunRefSchema,
  type LogAppend,
  type LogChunkRow,
  LogChunkRowSchema,
  type LogRead,
  type NewArtifact,
  type NewAuditRow,
  type NewRun,
  type ProgressOutcome,
  type RepoRow,
  RepoRowSchema,
  type ReportRow,
  ReportRowSchema,
  type RunEnding,
  type RunnerRow,
  RunnerRowSchema,
  type RunPage,
  type RunProgress,
  type RunQuery,
  type RunRow,
  RunRowSchema,
  type RunTallies,
  RunTalliesSchema,
  type SecretRow,
  SecretRowSchema,
  type Store,
  type TaskCacheRow,
  TaskCacheRowSchema,
  type TriggerStateRow,
  TriggerStateRowSchema,
} from './store.js';

const readRepo = rowReader(RepoRowSchema);
const readFlow = rowReader(FlowRowSchema, { json: ['triggers', 'flow', 'errors'] });
const readRun = rowReader(RunRowSchema, { json: ['trigger', 'flow', 'engine'] });
const readLiveRunRef = rowReader(LiveRunRefSchema);
const readReport = rowReader(ReportRowSchema, { json: ['report'], columns: { report: 'body' } });
const readChunk = withLogText(rowReader(LogChunkRowSchema, { columns: { offset: 'byte_offset' } }));
/** A stored chunk with its length in bytes (what reading and capping a log count in). */
const readStoredChunk = withLogText(
  rowReader(LogChunkRowSchema.extend({ length: z.number().int() }), { columns: { offset: 'byte_offset' } }),
);
const readRunner = rowReader(RunnerRowSchema, { json: ['tags'], flags: ['connected', 'sandboxed', 'drained'] });
const readToken = rowReader(ApiTokenRowSchema);
const readAudit = rowReader(AuditRowSchema, { json: ['detail'] });
const readSecret = rowReader(SecretRowSchema);
const readTriggerState = rowReader(TriggerStateRowSchema, { json: ['value'] });
const readCounter = rowReader(z.object({ last: z.number().int() }));
const readEnd = rowReader(z.object({ end: z.number().int() }));
const readRunHead = rowReader(RunRowSchema.pick({ state: true, epoch: true, lastSeq: true }));
const readId = rowReader(z.object({ id: z.string() }));
const readRepoName = rowReader(z.object({ repo: z.string() }));
const readArtifact = rowReader(ArtifactRowSchema);
const readArtifactFile = rowReader(ArtifactFileRowSchema, { flags: ['verified'] });
const readTaskCache = rowReader(TaskCacheRowSchema, { columns: { key: 'cache_key' } });
const readSum = rowReader(z.object({ total: z.coerce.number() }));
const readLogSize = rowReader(z.object({ runId: z.string(), node: z.string(), bytes: z.coerce.number() }));

/** A log chunk's text column holds text, or its UTF-8 bytes (Dialect.storesLogBytes): read, it is text. */
function withLogText<T>(read: RowReader<T>): RowReader<T> {
  return (row) => (Buffer.isBuffer(row.text) ? read({ ...row, text: utf8Text(row.text) }) : read(row));
}
/** A row whose bytes are in its log's file (sqlite/log-files.ts), not in its text column. */
const inFile = (row: Row): boolean => row.in_file === 1;

const json = (value: unknown): string => JSON.stringify(value);
/** A boolean parameter: SQLite binds no booleans, and PostgreSQL's boolean columns take 1 and 0 as well. */
const flag = (value: boolean): number => (value ? 1 : 0);
/** `?, ?, …` for an IN list of n values. */
const list = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

const INSERT_CHUNK = `INSERT INTO log_chunks (run_id, node, byte_offset, length, attempt, stream, at, text)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?)`;
/** A chunk whose bytes go to its log's file: the row says where they are. */
const INSERT_FILE_CHUNK = `INSERT INTO log_chunks (run_id, node, byte_offset, length, attempt, stream, at, text, in_file)
  VALUES (?, ?, ?, ?, ?, ?, ?, '', 1)`;
/** readLog reads rows in pages of this many, at most LOG_READ_PAGES of them (10,000 rows, as before). */
const LOG_READ_ROWS = 50;
const LOG_READ_PAGES = 200;
const LOG_END = `SELECT byte_offset + length AS end FROM log_chunks WHERE run_id = ? AND node = ?
  ORDER BY byte_offset DESC LIMIT 1`;

export class SqlStore implements Store {
  readonly github: GitHubStateStore;
  readonly notifications: NotificationStore;

  /**
   * @param logFiles where log bytes go instead of rows (a SQLite hub with a data dir, sqlite/log-files.ts); without
   *   it they stay in the text column.
   */
  constructor(
    protected readonly sql: SqlDatabase,
    private readonly logFiles?: LogFiles,
  ) {
    this.github = new SqlGitHubState(sql);
    this.notifications = new SqlNotificationStore(sql);
  }

  private async oneRun(sql: string, params: unknown[], on: Sql = this.sql): Promise<RunRow | undefined> {
    const row = await on.get(sql, params);
    return row && readRun(row);
  }

  /**
   * The run's state, epoch and seq, its row locked until the transaction ends: writes that check then write
   * serialize on it. A chatty task's every log frame comes this way: the whole row (its flow and engine JSON) is
   * parsed only when the check fails.
   */
  private async lockRunHead(on: Sql, id: string): Promise<Pick<RunRow, 'state' | 'epoch' | 'lastSeq'> | undefined> {
    const row = await on.get(`SELECT state, epoch, last_seq FROM runs WHERE id = ?${this.sql.dialect.forUpdate}`, [id]);
    return row && readRunHead(row);
  }

  /** lockRun for writes that do not read the run (log appends): nothing to parse. */
  private async lockRunOnly(on: Sql, id: string): Promise<void> {
    await on.get(`SELECT id FROM runs WHERE id = ?${this.sql.dialect.forUpdate}`, [id]);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Repos and flows

  async upsertRepo(repo: RepoRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO repos (name, url, default_ref, head_sha, refreshed_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET url = excluded.url, default_ref = excluded.default_ref,
         head_sha = excluded.head_sha, refreshed_at = excluded.refreshed_at`,
      [repo.name, repo.url, repo.defaultRef ?? null, repo.headSha ?? null, repo.refreshedAt ?? null],
    );
  }

  async getRepo(name: string): Promise<RepoRow | undefined> {
    const row = await this.sql.get('SELECT * FROM repos WHERE name = ?', [name]);
    return row && readRepo(row);
  }

  async listRepos(): Promise<RepoRow[]> {
    return (await this.sql.all('SELECT * FROM repos ORDER BY name')).map(readRepo);
  }

  async replaceFlows(repo: string, flows: FlowRow[]): Promise<void> {
    await this.sql.transaction(async (sql) => {
      await sql.run('DELETE FROM flows WHERE repo = ?', [repo]);
      for (const flow of flows) {
        await sql.run(
          `INSERT INTO flows (repo, id, ver, name, triggers, flow, errors, sha, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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

  async listFlowRepos(id: string): Promise<string[]> {
    return (await this.sql.all('SELECT repo FROM flows WHERE id = ? ORDER BY repo', [id])).map(
      (row) => readRepoName(row).repo,
    );
  }

  async listFlows(repo?: string): Promise<FlowRow[]> {
    const rows =
      repo === undefined
        ? await this.sql.all('SELECT * FROM flows ORDER BY repo, id')
        : await this.sql.all('SELECT * FROM flows WHERE repo = ? ORDER BY id', [repo]);
    return rows.map(readFlow);
  }

  async getFlow(repo: string, id: string): Promise<FlowRow | undefined> {
    const row = await this.sql.get('SELECT * FROM flows WHERE repo = ? AND id = ?', [repo, id]);
    return row && readFlow(row);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Runs

  async createRun(run: NewRun): Promise<RunRow> {
    // The counter's upsert locks its row until the run is inserted: numbers stay distinct across hubs.
    return this.sql.transaction(async (sql) => {
      const counter = await sql.get(
        `INSERT INTO run_counters (repo, flow_id, last) VALUES (?, ?, 1)
         ON CONFLICT (repo, flow_id) DO UPDATE SET last = run_counters.last + 1 RETURNING last`,
        [run.repo, run.flowId],
      );
      const created = await this.oneRun(
        `INSERT INTO runs (id, repo, flow_id, number, state, trigger, trust, ref, sha, clone_url, flow, created_at,
           retry_of, replay_from, pinned_runner_id)
         VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          run.id,
          run.repo,
          run.flowId,
          readCounter(counter ?? {}).last,
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
        ],
        sql,
      );
      if (!created) throw new Error(`run ${run.id} was not stored`);
      return created;
    });
  }

  async getRun(id: string): Promise<RunRow | undefined> {
    return this.oneRun('SELECT * FROM runs WHERE id = ?', [id]);
  }

  async getRunByNumber(repo: string, flowId: string, number: number): Promise<RunRow | undefined> {
    return this.oneRun('SELECT * FROM runs WHERE repo = ? AND flow_id = ? AND number = ?', [repo, flowId, number]);
  }

  async listRuns(query: RunQuery = {}): Promise<RunPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const filter = (column: string, op: string, value: unknown) => {
      if (value === undefined) return;
      where.push(`${column} ${op} ?`);
      params.push(value);
    };
    filter('state', '=', query.state);
    filter('repo', '=', query.repo);
    filter('flow_id', '=', query.flowId);
    filter('ref', '=', query.ref);
    filter('result', '=', query.result);
    filter('id', '<', query.cursor);
    const limit = Math.max(1, Math.min(query.limit ?? 50, 1_000));
    const rows = await this.sql.all(
      `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const runs = rows.slice(0, limit).map(readRun);
    const last = runs[runs.length - 1];
    return rows.length > limit && last ? { runs, next: last.id } : { runs };
  }

  async runTallies(): Promise<RunTallies> {
    // Each count reads one index (runs_by_state, runs_by_result, runs_by_lease): a scrape never reads run rows.
    const byState = await this.sql.all('SELECT state, count(*) AS n FROM runs GROUP BY state');
    const byResult = await this.sql.all(
      'SELECT result, count(*) AS n FROM runs WHERE result IS NOT NULL GROUP BY result',
    );
    const queue = await this.sql.get(
      `SELECT count(*) AS n, min(created_at) AS oldest FROM runs WHERE state = 'pending' AND runner_id IS NULL`,
    );
    const held = await this.sql.all(
      `SELECT runner_id, count(*) AS n FROM runs WHERE state != 'archived' AND runner_id IS NOT NULL
       GROUP BY runner_id ORDER BY runner_id`,
    );
    const count = (rows: Row[], column: string, value: string) =>
      Number(rows.find((row) => row[column] === value)?.n ?? 0);
    return RunTalliesSchema.parse({
      pending: count(byState, 'state', 'pending'),
      active: count(byState, 'state', 'active'),
      archived: count(byState, 'state', 'archived'),
      results: {
        good: count(byResult, 'result', 'good'),
        bad: count(byResult, 'result', 'bad'),
        cancelled: count(byResult, 'result', 'cancelled'),
      },
      waiting: Number(queue?.n ?? 0),
      oldestWaitingAt: queue?.oldest === null || queue?.oldest === undefined ? undefined : Number(queue.oldest),
      byRunner: held.map((row) => ({ runnerId: String(row.runner_id), runs: Number(row.n) })),
    });
  }

  async listLiveRuns(): Promise<RunRow[]> {
    return (await this.sql.all(`SELECT * FROM runs WHERE state != 'archived' ORDER BY created_at, id`)).map(readRun);
  }

  async hasPendingRuns(): Promise<boolean> {
    return (await this.sql.get(`SELECT 1 AS one FROM runs WHERE state = 'pending' LIMIT 1`)) !== undefined;
  }

  async listLiveRunRefs(runnerId?: string): Promise<LiveRunRef[]> {
    const rows = await this.sql.all(
      `SELECT id, number, flow_id, runner_id FROM runs
       WHERE state != 'archived' AND (CAST(? AS TEXT) IS NULL OR runner_id = ?) ORDER BY created_at, id`,
      [runnerId ?? null, runnerId ?? null],
    );
    return rows.map(readLiveRunRef);
  }

  async offerRun(id: string, epoch: number, runnerId: string, offerExpiresAt: number): Promise<RunRow | undefined> {
    return this.oneRun(
      `UPDATE runs SET epoch = epoch + 1, runner_id = ?, lease_expires_at = ?
       WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id IS NULL
         AND NOT EXISTS (SELECT 1 FROM runners WHERE runners.id = ? AND runners.drained = TRUE) RETURNING *`,
      [runnerId, offerExpiresAt, id, epoch, runnerId],
    );
  }

  async claimRun(run: RunRow, runnerId: string, offerExpiresAt: number): Promise<RunRow | undefined> {
    const { skipLocked, lockResourceTag, hasResourceTag } = this.sql.dialect;
    // A run's flow, and so its tags, never changes: the caller's row names them. Sorted, so that two claims lock
    // the tags they share in one order and never wait for each other in a circle.
    const tags = [...new Set(run.flow['resource-tags'] ?? [])].sort();
    const offer = (on: Sql) =>
      this.oneRun(
        `UPDATE runs SET epoch = epoch + 1, runner_id = ?, lease_expires_at = ?
         WHERE id = (SELECT id FROM runs WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id IS NULL${skipLocked})
           AND NOT EXISTS (SELECT 1 FROM runners WHERE runners.id = ? AND runners.drained = TRUE) RETURNING *`,
        [runnerId, offerExpiresAt, run.id, run.epoch, runnerId],
        on,
      );
    if (tags.length === 0) return offer(this.sql);
    return this.sql.transaction(async (sql) => {
      const mine = await sql.get(
        `SELECT id FROM runs WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id IS NULL${skipLocked}`,
        [run.id, run.epoch],
      );
      if (!mine) return undefined;
      if (lockResourceTag) for (const tag of tags) await sql.get(lockResourceTag, [tag]);
      // Under the tags' locks, each statement sees every claim of them committed before: the holders (offered or
      // active runs) and the runs that came first.
      const before = await sql.get(
        `SELECT id FROM runs WHERE state != 'archived' AND id != ?
           AND (runner_id IS NOT NULL OR created_at < ? OR (created_at = ? AND id < ?))
           AND (${tags.map(() => hasResourceTag).join(' OR ')}) LIMIT 1`,
        [run.id, run.createdAt, run.createdAt, run.id, ...tags],
      );
      return before ? undefined : offer(sql);
    });
  }

  async acceptRun(
    id: string,
    runnerId: string,
    epoch: number,
    leaseExpiresAt: number,
    at: number,
  ): Promise<RunRow | undefined> {
    return this.oneRun(
      `UPDATE runs SET state = 'active', lease_expires_at = ?, started_at = COALESCE(started_at, ?)
       WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id = ? RETURNING *`,
      [leaseExpiresAt, at, id, epoch, runnerId],
    );
  }

  async withdrawOffer(id: string, epoch: number): Promise<RunRow | undefined> {
    return this.oneRun(
      `UPDATE runs SET runner_id = NULL, lease_expires_at = NULL
       WHERE id = ? AND state = 'pending' AND epoch = ? AND runner_id IS NOT NULL RETURNING *`,
      [id, epoch],
    );
  }

  async renewLeases(
    runnerId: string,
    runs: { runId: string; epoch: number }[],
    leaseExpiresAt: number,
  ): Promise<string[]> {
    if (runs.length === 0) return [];
    return this.sql.transaction(async (sql) => {
      const renewed: string[] = [];
      for (const run of runs) {
        const changed = await sql.run(
          `UPDATE runs SET lease_expires_at = ? WHERE id = ? AND epoch = ? AND runner_id = ? AND state = 'active'`,
          [leaseExpiresAt, run.runId, run.epoch, runnerId],
        );
        if (changed === 1) renewed.push(run.runId);
      }
      return renewed;
    });
  }

  /** Locks the run for a batch of records: why the batch is refused (the run gone, not `state` at the batch's
   * epoch, or its last seq not the one the batch follows), or undefined when it may be stored. */
  private async lockForRecords(
    sql: Sql,
    id: string,
    state: RunRow['state'],
    progress: Pick<RunProgress, 'epoch' | 'expectedLastSeq'>,
  ): Promise<ProgressOutcome | undefined> {
    const run = await this.lockRunHead(sql, id);
    if (!run) return { ok: false, reason: 'missing' };
    const reason =
      run.state !== state || run.epoch !== progress.epoch
        ? 'stale'
        : run.lastSeq !== progress.expectedLastSeq
          ? 'conflict'
          : undefined;
    return reason && { ok: false, reason, run: await this.oneRun('SELECT * FROM runs WHERE id = ?', [id], sql) };
  }

  async saveProgress(id: string, progress: RunProgress): Promise<ProgressOutcome> {
    const outcome = await this.sql.transaction(async (sql): Promise<ProgressOutcome> => {
      const refused = await this.lockForRecords(sql, id, 'active', progress);
      if (refused) return refused;
      const logs = await this.appendLocked(sql, id, progress.logs);
      await this.insertReports(sql, id, progress.reports);
      const { ended } = progress;
      const saved = await this.oneRun(
        `UPDATE runs SET engine = ?, last_seq = ?, started_at = COALESCE(started_at, ?),
           state = ?, result = ?, reason = ?, reason_code = ?, ended_at = ?,
           lease_expires_at = CASE WHEN ? = 1 THEN NULL ELSE lease_expires_at END
         WHERE id = ? RETURNING *`,
        [
          json(progress.engine),
          progress.lastSeq,
          progress.engine.startedAt,
          ended ? 'archived' : 'active',
          ended?.result ?? null,
          ended?.reason ?? null,
          ended?.reasonCode ?? null,
          ended?.endedAt ?? null,
          flag(ended !== undefined),
          id,
        ],
        sql,
      );
      return saved ? { ok: true, run: saved, logs } : { ok: false, reason: 'missing' };
    });
    if (outcome.ok && outcome.run.state === 'archived') this.logFiles?.closeRun(id);
    return outcome;
  }

  async saveTrailingRecords(
    id: string,
    progress: Pick<RunProgress, 'epoch' | 'expectedLastSeq' | 'lastSeq' | 'logs' | 'reports'>,
  ): Promise<ProgressOutcome> {
    return this.sql.transaction(async (sql): Promise<ProgressOutcome> => {
      const refused = await this.lockForRecords(sql, id, 'archived', progress);
      if (refused) return refused;
      const logs = await this.appendLocked(sql, id, progress.logs);
      await this.insertReports(sql, id, progress.reports);
      const saved = await this.oneRun(
        'UPDATE runs SET last_seq = ? WHERE id = ? RETURNING *',
        [progress.lastSeq, id],
        sql,
      );
      return saved ? { ok: true, run: saved, logs } : { ok: false, reason: 'missing' };
    });
  }

  async archiveRun(
    id: string,
    ending: RunEnding,
    opts: { epoch?: number; engine?: RunState } = {},
  ): Promise<RunRow | undefined> {
    const archived = await this.oneRun(
      `UPDATE runs SET state = 'archived', result = ?, reason = ?, reason_code = ?, ended_at = ?,
         lease_expires_at = NULL, engine = COALESCE(?, engine)
       WHERE id = ? AND state != 'archived' AND (CAST(? AS INTEGER) IS NULL OR epoch = CAST(? AS INTEGER))
       RETURNING *`,
      [
        ending.result,
        ending.reason,
        ending.reasonCode,
        ending.endedAt,
        opts.engine === undefined ? null : json(opts.engine),
        id,
        opts.epoch ?? null,
        opts.epoch ?? null,
      ],
    );
    if (archived) this.logFiles?.closeRun(id);
    return archived;
  }

  async requeueRun(id: string, epoch: number): Promise<RunRow | undefined> {
    // Its next runner numbers records from 1 again: the reports of this attempt go (its log stays, as before).
    return this.sql.transaction(async (sql) => {
      const run = await this.oneRun(
        `UPDATE runs SET state = 'pending', epoch = epoch + 1, runner_id = NULL, lease_expires_at = NULL,
           engine = NULL, last_seq = 0, started_at = NULL, cancel_requested_by = NULL, cancel_requested_at = NULL
       WHERE id = ? AND state = 'active' AND epoch = ? RETURNING *`,
        [id, epoch],
        sql,
      );
      if (run) await sql.run('DELETE FROM run_reports WHERE run_id = ?', [id]);
      return run;
    });
  }

  async requestCancel(id: string, by: string, at: number): Promise<RunRow | undefined> {
    return this.oneRun(
      `UPDATE runs SET cancel_requested_by = COALESCE(cancel_requested_by, ?),
         cancel_requested_at = COALESCE(cancel_requested_at, ?)
       WHERE id = ? AND state = 'active' RETURNING *`,
      [by, at, id],
    );
  }

  async listExpiredLeases(now: number): Promise<RunRow[]> {
    const rows = await this.sql.all(
      `SELECT * FROM runs WHERE state != 'archived' AND runner_id IS NOT NULL AND lease_expires_at < ?
       ORDER BY created_at, id`,
      [now],
    );
    return rows.map(readRun);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Logs

  private async logEnd(sql: Sql, runId: string, node: string): Promise<number> {
    const row = await sql.get(LOG_END, [runId, node]);
    return row ? readEnd(row).end : 0;
  }

  /** Appends inside a write transaction that locked the run, so offsets computed here cannot race another append. */
  private async appendLocked(sql: Sql, runId: string, chunks: LogAppend[]): Promise<AppendedLog[]> {
    const stored: AppendedLog[] = [];
    const ends = new Map<string, number>();
    for (const chunk of chunks) {
      // Offsets count UTF-8 bytes, the unit of the REST and live log cursors (DESIGN §8 "Live API").
      const length = Buffer.byteLength(chunk.text);
      if (length === 0) continue;
      const offset = ends.get(chunk.node) ?? (await this.logEnd(sql, runId, chunk.node));
      if (this.logFiles && length >= this.logFiles.minChunkBytes) {
        // The row first: a run that is gone fails here (its foreign key), before a file is made for it. Bytes
        // written past the end by a transaction that then fails are overwritten by the next append here.
        await sql.run(INSERT_FILE_CHUNK, [runId, chunk.node, offset, length, chunk.attempt, chunk.stream, chunk.at]);
        this.logFiles.write(
          runId,
          chunk.node,
          offset,
          typeof chunk.text === 'string' ? Buffer.from(chunk.text) : chunk.text,
        );
      } else {
        const text =
          typeof chunk.text === 'string' || this.sql.dialect.storesLogBytes ? chunk.text : chunk.text.toString('utf8');
        await sql.run(INSERT_CHUNK, [runId, chunk.node, offset, length, chunk.attempt, chunk.stream, chunk.at, text]);
      }
      ends.set(chunk.node, offset + length);
      stored.push({ ...chunk, runId, offset });
    }
    return stored;
  }

  /** Inside the write transaction of the records that carry them (the run is locked). */
  private async insertReports(sql: Sql, runId: string, reports: ReportRow[] = []): Promise<void> {
    for (const row of reports) {
      await sql.run('INSERT INTO run_reports (run_id, seq, node, attempt, type, body) VALUES (?, ?, ?, ?, ?, ?)', [
        runId,
        row.seq,
        row.node,
        row.attempt,
        row.report.type,
        json(row.report),
      ]);
    }
  }

  async listReports(runId: string): Promise<ReportRow[]> {
    const rows = await this.sql.all('SELECT * FROM run_reports WHERE run_id = ? ORDER BY seq', [runId]);
    return rows.map(readReport);
  }

  async appendLogs(runId: string, node: string, chunks: LogAppend[]): Promise<AppendedLog[]> {
    return this.sql.transaction(async (sql) => {
      await this.lockRunOnly(sql, runId);
      return this.appendLocked(
        sql,
        runId,
        chunks.map((chunk) => ({ ...chunk, node })),
      );
    });
  }

  async readLog(runId: string, node: string, from = 0, maxBytes = 1 << 20): Promise<LogRead> {
    // One snapshot for the end and the chunks.
    return this.sql.transaction(async (sql): Promise<LogRead> => {
      const end = await this.logEnd(sql, runId, node);
      const chunks: LogChunkRow[] = [];
      let bytes = 0;
      let next = Math.min(from, end);
      // The chunk holding `from`, then every later one, until about maxBytes are collected: a few rows at a time,
      // since a chatty task's chunks are large (a page of 10,000 rows once held hundreds of MB in the hub).
      for (let page = 0; bytes < maxBytes && page < LOG_READ_PAGES; page++) {
        // After the first page, chunks start where the last one read ended: an index seek, not a scan.
        const rows = await sql.all(
          page === 0
            ? `SELECT * FROM log_chunks WHERE run_id = ? AND node = ? AND byte_offset + length > ?
               ORDER BY byte_offset LIMIT ${LOG_READ_ROWS}`
            : `SELECT * FROM log_chunks WHERE run_id = ? AND node = ? AND byte_offset >= ?
               ORDER BY byte_offset LIMIT ${LOG_READ_ROWS}`,
          [runId, node, page === 0 ? from : next],
        );
        for (const row of rows) {
          if (bytes >= maxBytes) break;
          // Cut inside the chunk when `from` is: offsets the hub hands out fall on chunk or character boundaries.
          const { length, ...chunk } = readStoredChunk(this.withFileBytes(row, node, from));
          const start = Math.max(from, chunk.offset);
          if (chunk.offset < from && !inFile(row)) {
            chunks.push({
              ...chunk,
              offset: from,
              text: Buffer.from(chunk.text)
                .subarray(from - chunk.offset)
                .toString(),
            });
          } else {
            chunks.push({ ...chunk, offset: start });
          }
          bytes += chunk.offset + length - start;
          next = chunk.offset + length;
        }
        if (rows.length < LOG_READ_ROWS) break;
      }
      return { chunks, next };
    }, 'read');
  }

  /**
   * A row of `node`'s log with its bytes from `from` on in its text, read from the log's file when they are there.
   * The node as asked, not as read back: the driver reads a lone surrogate back as U+FFFD.
   */
  private withFileBytes(row: Row, node: string, from = 0): Row {
    if (!inFile(row) || !this.logFiles) return row;
    const { run_id, byte_offset, length } = row as { run_id: string; byte_offset: number; length: number };
    const start = Math.max(from, byte_offset);
    return { ...row, text: this.logFiles.read(run_id, node, start, byte_offset + length - start) };
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
    const row = await this.sql.get(
      `INSERT INTO runners (id, name, credential_hash, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET credential_hash = excluded.credential_hash RETURNING *`,
      [runner.id, runner.name, runner.credentialHash, runner.createdAt],
    );
    return readRunner(row ?? {});
  }

  async getRunner(id: string): Promise<RunnerRow | undefined> {
    const row = await this.sql.get('SELECT * FROM runners WHERE id = ?', [id]);
    return row && readRunner(row);
  }

  async findRunnerByCredential(credentialHash: string): Promise<RunnerRow | undefined> {
    const row = await this.sql.get('SELECT * FROM runners WHERE credential_hash = ?', [credentialHash]);
    return row && readRunner(row);
  }

  async listRunners(): Promise<RunnerRow[]> {
    return (await this.sql.all('SELECT * FROM runners ORDER BY name')).map(readRunner);
  }

  async updateRunner(id: string, patch: Parameters<Store['updateRunner']>[1]): Promise<RunnerRow | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [];
    const set = (column: string, value: unknown) => {
      if (value === undefined) return;
      sets.push(`${column} = ?`);
      params.push(value);
    };
    set('tags', patch.tags === undefined ? undefined : json(patch.tags));
    set('slots', patch.slots);
    set('connected', patch.connected === undefined ? undefined : flag(patch.connected));
    set('last_seen_at', patch.lastSeenAt);
    set('version', patch.version);
    set('sandboxed', patch.sandboxed === undefined ? undefined : flag(patch.sandboxed));
    set('sandbox_reason', patch.sandboxReason);
    set('connection', patch.connection);
    set('drained', patch.drained === undefined ? undefined : flag(patch.drained));
    set('protocol', patch.protocol);
    if (sets.length === 0) return this.getRunner(id);
    const row = await this.sql.get(`UPDATE runners SET ${sets.join(', ')} WHERE id = ? RETURNING *`, [...params, id]);
    return row && readRunner(row);
  }

  async disconnectRunner(id: string, connection: string | undefined, at: number): Promise<boolean> {
    const sql = `UPDATE runners SET connected = FALSE, connection = NULL, last_seen_at = ? WHERE id = ?${connection === undefined ? '' : ' AND connection = ?'}`;
    return (await this.sql.run(sql, connection === undefined ? [at, id] : [at, id, connection])) === 1;
  }

  async deleteRunner(id: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM runners WHERE id = ?', [id])) === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Tokens

  async createApiToken(token: ApiTokenRow): Promise<void> {
    await this.insertApiToken(this.sql, token);
  }

  private async insertApiToken(sql: Sql, token: ApiTokenRow): Promise<void> {
    await sql.run(
      `INSERT INTO api_tokens (name, role, token_hash, created_at, expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)`,
      [token.name, token.role, token.tokenHash, token.createdAt, token.expiresAt ?? null, token.lastUsedAt ?? null],
    );
  }

  async touchApiToken(name: string, at: number): Promise<void> {
    await this.sql.run('UPDATE api_tokens SET last_used_at = ? WHERE name = ?', [at, name]);
  }

  async replaceApiToken(token: ApiTokenRow, previous?: ApiTokenRow): Promise<void> {
    await this.sql.transaction(async (sql) => {
      await sql.run('DELETE FROM api_tokens WHERE name IN (?, ?)', [token.name, previous?.name ?? token.name]);
      if (previous) await this.insertApiToken(sql, previous);
      await this.insertApiToken(sql, token);
    });
  }

  async findApiToken(tokenHash: string): Promise<ApiTokenRow | undefined> {
    const row = await this.sql.get('SELECT * FROM api_tokens WHERE token_hash = ?', [tokenHash]);
    return row && readToken(row);
  }

  async getApiToken(name: string): Promise<ApiTokenRow | undefined> {
    const row = await this.sql.get('SELECT * FROM api_tokens WHERE name = ?', [name]);
    return row && readToken(row);
  }

  async listApiTokens(): Promise<ApiTokenRow[]> {
    return (await this.sql.all('SELECT * FROM api_tokens ORDER BY name')).map(readToken);
  }

  async deleteApiToken(name: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM api_tokens WHERE name = ?', [name])) === 1;
  }

  async createRegistrationToken(token: { tokenHash: string; expiresAt: number; createdAt: number }): Promise<void> {
    await this.sql.run('INSERT INTO registration_tokens (token_hash, expires_at, created_at) VALUES (?, ?, ?)', [
      token.tokenHash,
      token.expiresAt,
      token.createdAt,
    ]);
  }

  async useRegistrationToken(tokenHash: string, now: number): Promise<boolean> {
    const changed = await this.sql.run(
      'UPDATE registration_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?',
      [now, tokenHash, now],
    );
    return changed === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Secrets (scope '' is the hub's; ordered bytewise)

  // -------------------------------------------------------------------------------------------------------------
  // Task caches

  async findTaskCache(space: string, key: string, prefixes: readonly string[]): Promise<TaskCacheRow | undefined> {
    const exact = await this.sql.get('SELECT * FROM task_caches WHERE space = ? AND cache_key = ?', [space, key]);
    if (exact) return readTaskCache(exact);
    for (const prefix of prefixes) {
      // substr, not LIKE: a key may hold % and _.
      const row = await this.sql.get(
        `SELECT * FROM task_caches WHERE space = ? AND substr(cache_key, 1, ?) = ?
         ORDER BY saved_at DESC, cache_key${this.sql.dialect.bytewise} DESC LIMIT 1`,
        [space, prefix.length, prefix],
      );
      if (row) return readTaskCache(row);
    }
    return undefined;
  }

  async getTaskCacheByBlob(blobId: string): Promise<TaskCacheRow | undefined> {
    const row = await this.sql.get('SELECT * FROM task_caches WHERE blob_id = ?', [blobId]);
    return row ? readTaskCache(row) : undefined;
  }

  async addTaskCache(cache: TaskCacheRow): Promise<boolean> {
    const added = await this.sql.run(
      `INSERT INTO task_caches (space, cache_key, blob_id, size, saved_at, used_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (space, cache_key) DO NOTHING`,
      [cache.space, cache.key, cache.blobId, cache.size, cache.savedAt, cache.usedAt],
    );
    return added > 0;
  }

  async useTaskCache(space: string, key: string, at: number): Promise<void> {
    await this.sql.run('UPDATE task_caches SET used_at = ? WHERE space = ? AND cache_key = ? AND used_at < ?', [
      at,
      space,
      key,
      at,
    ]);
  }

  async evictTaskCaches(maxBytes: number): Promise<string[]> {
    return this.sql.transaction(async (sql) => {
      let total = readSum((await sql.get('SELECT COALESCE(SUM(size), 0) AS total FROM task_caches')) ?? {}).total;
      const removed: string[] = [];
      while (total > maxBytes) {
        const rows = (await sql.all('SELECT * FROM task_caches ORDER BY used_at, saved_at LIMIT 100')).map(
          readTaskCache,
        );
        if (rows.length === 0) break;
        for (const row of rows) {
          if (total <= maxBytes) break;
          await sql.run('DELETE FROM task_caches WHERE blob_id = ?', [row.blobId]);
          removed.push(row.blobId);
          total -= row.size;
        }
      }
      return removed;
    });
  }

  // -------------------------------------------------------------------------------------------------------------
  // Artifacts

  async beginArtifact(artifact: NewArtifact, caps: ArtifactCaps): Promise<BeginArtifactOutcome> {
    return this.sql.transaction(async (sql) => {
      // The run's row locked: two uploads of one run (or a stale runner and the new one) take turns here.
      const run = await this.oneRun(
        `SELECT * FROM runs WHERE id = ?${this.sql.dialect.forUpdate}`,
        [artifact.runId],
        sql,
      );
      if (run?.state !== 'active' || run.epoch !== artifact.epoch) return { ok: false, reason: 'stale' };
      const existing = await this.artifactWhere(sql, 'run_id = ? AND name = ?', [artifact.runId, artifact.name]);
      let replaced: string[] = [];
      if (existing) {
        if (existing.node !== artifact.node) return { ok: false, reason: 'name-taken', node: existing.node };
        if (
          existing.epoch === artifact.epoch &&
          existing.state === 'uploading' &&
          sameFiles(existing.files, artifact.files)
        )
          return { ok: true, artifact: existing, resumed: true, replaced: [] };
        replaced = existing.files.map((file) => file.blobId);
        await sql.run('DELETE FROM artifact_files WHERE artifact_id = ?', [existing.id]);
        await sql.run('DELETE FROM artifacts WHERE id = ?', [existing.id]);
      }
      const runUsed = readSum(
        (await sql.get('SELECT COALESCE(SUM(size), 0) AS total FROM artifacts WHERE run_id = ?', [artifact.runId])) ??
          {},
      ).total;
      if (runUsed + artifact.size > caps.maxRunBytes) return { ok: false, reason: 'run-cap', used: runUsed };
      const hubUsed = readSum((await sql.get('SELECT COALESCE(SUM(size), 0) AS total FROM artifacts')) ?? {}).total;
      if (hubUsed + artifact.size > caps.maxHubBytes) return { ok: false, reason: 'hub-cap', used: hubUsed };
      await sql.run(
        `INSERT INTO artifacts (id, run_id, name, node, epoch, state, trust, size, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, 'uploading', ?, ?, ?, ?)`,
        [
          artifact.id,
          artifact.runId,
          artifact.name,
          artifact.node,
          artifact.epoch,
          run.trust,
          artifact.size,
          artifact.createdAt,
          artifact.expiresAt ?? null,
        ],
      );
      for (const file of artifact.files)
        await sql.run(
          'INSERT INTO artifact_files (artifact_id, path, blob_id, size, sha256, verified) VALUES (?, ?, ?, ?, ?, 0)',
          [artifact.id, file.path, file.blobId, file.size, file.sha256],
        );
      const stored = await this.artifactWhere(sql, 'id = ?', [artifact.id]);
      if (!stored) throw new Error(`artifact ${artifact.id} vanished inside its own transaction`);
      return { ok: true, artifact: stored, resumed: false, replaced };
    });
  }

  async getArtifact(id: string): Promise<ArtifactWithFiles | undefined> {
    return this.artifactWhere(this.sql, 'id = ?', [id]);
  }

  async findArtifact(runId: string, name: string): Promise<ArtifactWithFiles | undefined> {
    return this.artifactWhere(this.sql, 'run_id = ? AND name = ?', [runId, name]);
  }

  async listArtifacts(runId: string): Promise<ArtifactWithFiles[]> {
    const rows = (await this.sql.all('SELECT * FROM artifacts WHERE run_id = ? ORDER BY name', [runId])).map(
      readArtifact,
    );
    return Promise.all(rows.map(async (row) => ({ ...row, files: await this.artifactFiles(this.sql, row.id) })));
  }

  async verifyArtifactFile(artifactId: string, blobId: string, at: number): Promise<{ stored: boolean } | undefined> {
    return this.sql.transaction(async (sql) => {
      const artifact = await this.artifactWhere(sql, 'id = ?', [artifactId]);
      if (!artifact) return undefined;
      const run = await this.oneRun(
        `SELECT * FROM runs WHERE id = ?${this.sql.dialect.forUpdate}`,
        [artifact.runId],
        sql,
      );
      if (run?.state !== 'active' || run.epoch !== artifact.epoch) return undefined;
      await sql.run('UPDATE artifact_files SET verified = 1 WHERE artifact_id = ? AND blob_id = ?', [
        artifactId,
        blobId,
      ]);
      const left = readSum(
        (await sql.get('SELECT COUNT(*) AS total FROM artifact_files WHERE artifact_id = ? AND verified = 0', [
          artifactId,
        ])) ?? {},
      ).total;
      if (left > 0) return { stored: false };
      await sql.run(`UPDATE artifacts SET state = 'stored', stored_at = ? WHERE id = ?`, [at, artifactId]);
      return { stored: true };
    });
  }

  async deleteArtifact(id: string): Promise<string[]> {
    return this.sql.transaction(async (sql) => {
      const files = await this.artifactFiles(sql, id);
      await sql.run('DELETE FROM artifact_files WHERE artifact_id = ?', [id]);
      await sql.run('DELETE FROM artifacts WHERE id = ?', [id]);
      return files.map((file) => file.blobId);
    });
  }

  async listDeadArtifacts(now: number, limit: number): Promise<string[]> {
    const rows = await this.sql.all(
      `SELECT a.id FROM artifacts a LEFT JOIN runs r ON r.id = a.run_id
       WHERE a.expires_at < ? OR r.id IS NULL OR (a.state = 'uploading' AND r.state = 'archived')
       LIMIT ?`,
      [now, limit],
    );
    return rows.map((row) => readId(row).id);
  }

  async findArtifactSource(
    query: ArtifactSourceQuery,
  ): Promise<{ run: RunRow; artifact: ArtifactWithFiles } | undefined> {
    const where = ['r.repo = ?', 'r.flow_id = ?', "r.state = 'archived'", "r.result = 'good'", "r.trust = 'trusted'"];
    const params: unknown[] = [query.repo, query.flowId];
    if (query.runId !== undefined) {
      where.push('r.id = ?');
      params.push(query.runId);
    }
    if (query.ref !== undefined) {
      where.push('r.ref = ?');
      params.push(query.ref);
    }
    const row = await this.sql.get(
      `SELECT a.id FROM runs r JOIN artifacts a ON a.run_id = r.id
       WHERE ${where.join(' AND ')} AND a.name = ? AND a.state = 'stored' AND a.trust = 'trusted'
       ORDER BY r.id${this.sql.dialect.bytewise} DESC LIMIT 1`,
      [...params, query.name],
    );
    if (!row) return undefined;
    const artifact = await this.getArtifact(readId(row).id);
    const run = artifact && (await this.getRun(artifact.runId));
    return artifact && run ? { run, artifact } : undefined;
  }

  private async artifactWhere(on: Sql, where: string, params: unknown[]): Promise<ArtifactWithFiles | undefined> {
    const row = await on.get(`SELECT * FROM artifacts WHERE ${where}`, params);
    if (!row) return undefined;
    const artifact = readArtifact(row);
    return { ...artifact, files: await this.artifactFiles(on, artifact.id) };
  }

  private async artifactFiles(on: Sql, artifactId: string): Promise<ArtifactFileRow[]> {
    return (await on.all('SELECT * FROM artifact_files WHERE artifact_id = ? ORDER BY path', [artifactId])).map(
      readArtifactFile,
    );
  }

  async putSecret(secret: SecretRow): Promise<void> {
    await this.sql.run(
      `INSERT INTO secrets (scope, name, sealed, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope, name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
      [secret.repo ?? '', secret.name, secret.sealed, secret.updatedAt],
    );
  }

  async listSecrets(repo?: string): Promise<SecretRow[]> {
    const { bytewise } = this.sql.dialect;
    const columns = `SELECT name, NULLIF(scope, '') AS repo, sealed, updated_at FROM secrets`;
    const order = `ORDER BY scope${bytewise}, name${bytewise}`;
    const rows =
      repo === undefined
        ? await this.sql.all(`${columns} ${order}`)
        : await this.sql.all(`${columns} WHERE scope IN ('', ?) ${order}`, [repo]);
    return rows.map(readSecret);
  }

  async deleteSecret(name: string, repo?: string): Promise<boolean> {
    return (await this.sql.run('DELETE FROM secrets WHERE scope = ? AND name = ?', [repo ?? '', name])) === 1;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Audit log

  async appendAudit(entry: NewAuditRow): Promise<void> {
    await this.sql.run('INSERT INTO audit_log (at, actor, role, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)', [
      entry.at,
      entry.actor,
      entry.role,
      entry.action,
      entry.target,
      entry.detail ? json(entry.detail) : null,
    ]);
  }

  async listAudit(query: { limit?: number; before?: number }): Promise<AuditRowPage> {
    const limit = query.limit ?? 50;
    const rows = await this.sql.all('SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?', [
      query.before ?? Number.MAX_SAFE_INTEGER,
      limit + 1,
    ]);
    const entries = rows.slice(0, limit).map(readAudit);
    const last = entries.at(-1);
    return rows.length > limit && last ? { entries, next: last.id } : { entries };
  }

  async pruneAudit(opts: { before: number; limit: number }): Promise<number> {
    // Oldest first by id (ids grow with time), so the scan stops after `limit` rows without an index on `at`.
    return this.sql.run(
      'DELETE FROM audit_log WHERE id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY id LIMIT ?)',
      [opts.before, opts.limit],
    );
  }

  // -------------------------------------------------------------------------------------------------------------
  // Retention (retention/retention-sweep.ts)

  async pruneRuns(opts: { endedBefore: number; keepPerFlow: number; limit: number }): Promise<number> {
    const ids = await this.sql.transaction(async (sql) => {
      const ids = (
        await sql.all(
          `SELECT id FROM (
             SELECT id, ended_at, ROW_NUMBER() OVER (PARTITION BY repo, flow_id ORDER BY id DESC) AS newest
             FROM runs WHERE state = 'archived'
           ) ranked WHERE ended_at < ? OR newest > ? LIMIT ?`,
          [opts.endedBefore, opts.keepPerFlow, opts.limit],
        )
      ).map((row) => readId(row).id);
      if (ids.length === 0) return ids;
      await sql.run(`DELETE FROM log_chunks WHERE run_id IN (${list(ids.length)})`, ids);
      await sql.run(`DELETE FROM run_reports WHERE run_id IN (${list(ids.length)})`, ids);
      await sql.run(`DELETE FROM runs WHERE id IN (${list(ids.length)})`, ids);
      return ids;
    });
    // Once the rows are gone: a failed commit leaves the files their rows need. A crash before this leaves files
    // no row refers to, which nothing reads.
    for (const id of ids) await this.logFiles?.removeRun(id);
    return ids.length;
  }

  async listOversizedLogs(
    maxBytes: number,
    endedSince: number,
    limit: number,
  ): Promise<{ runId: string; node: string; bytes: number }[]> {
    const rows = await this.sql.all(
      `SELECT l.run_id, l.node, SUM(l.length) AS bytes
       FROM runs r JOIN log_chunks l ON l.run_id = r.id
       WHERE r.state = 'archived' AND r.ended_at >= ?
       GROUP BY l.run_id, l.node HAVING SUM(l.length) > ? LIMIT ?`,
      [endedSince, maxBytes, limit],
    );
    return rows.map(readLogSize);
  }

  async capLog(runId: string, node: string, headBytes: number, tailBytes: number): Promise<void> {
    // The kept head and tail go back as rows of their own, and the file is cut only after they commit, under the
    // run's lock again: a failed commit leaves the rows that still need the file's bytes.
    const capped = await this.sql.transaction(async (sql) => {
      await this.lockRunOnly(sql, runId);
      const rows = (
        await sql.all('SELECT * FROM log_chunks WHERE run_id = ? AND node = ? ORDER BY byte_offset', [runId, node])
      ).map((row) => readChunk(this.withFileBytes(row, node)));
      const first = rows[0];
      const last = rows[rows.length - 1];
      if (!first || !last) return false;
      const whole = Buffer.from(rows.map((row) => row.text).join(''));
      if (whole.length <= headBytes + tailBytes) return false;
      const head = new TextDecoder().decode(whole.subarray(0, headBytes)).replace(/\uFFFD$/, '');
      const tail = new TextDecoder().decode(whole.subarray(whole.length - tailBytes)).replace(/^\uFFFD/, '');
      const cut = whole.length - Buffer.byteLength(head) - Buffer.byteLength(tail);
      const marker = `\n[floe: ${cut} bytes of this log were cut by retention; its first and last parts are kept]\n`;
      await sql.run('DELETE FROM log_chunks WHERE run_id = ? AND node = ?', [runId, node]);
      let offset = 0;
      for (const [chunk, text] of [
        [first, head],
        [{ ...last, stream: 'sys' }, marker],
        [last, tail],
      ] as const) {
        const length = Buffer.byteLength(text);
        await sql.run(INSERT_CHUNK, [runId, node, offset, length, chunk.attempt, chunk.stream, chunk.at, text]);
        offset += length;
      }
      return true;
    });
    const files = this.logFiles;
    if (capped && files) await this.sql.transaction(async (sql) => this.trimLogFile(sql, files, runId, node));
  }

  /** Cuts the node's log file to the bytes its rows refer to; inside a transaction that locked the run. */
  private async trimLogFile(sql: Sql, files: LogFiles, runId: string, node: string): Promise<void> {
    await this.lockRunOnly(sql, runId);
    const row = await sql.get(
      `SELECT byte_offset + length AS end FROM log_chunks WHERE run_id = ? AND node = ? AND in_file = 1
       ORDER BY byte_offset DESC LIMIT 1`,
      [runId, node],
    );
    files.trim(runId, node, row ? readEnd(row).end : 0);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Trigger state and leases

  async getTriggerState(key: string): Promise<TriggerStateRow | undefined> {
    const row = await this.sql.get('SELECT * FROM trigger_state WHERE key = ?', [key]);
    return row && readTriggerState(row);
  }

  async putTriggerState(key: string, value: unknown, expectedVersion: number | undefined): Promise<boolean> {
    const changed =
      expectedVersion === undefined
        ? await this.sql.run(
            'INSERT INTO trigger_state (key, value, version) VALUES (?, ?, 1) ON CONFLICT (key) DO NOTHING',
            [key, json(value)],
          )
        : await this.sql.run(
            'UPDATE trigger_state SET value = ?, version = version + 1 WHERE key = ? AND version = ?',
            [json(value), key, expectedVersion],
          );
    return changed === 1;
  }

  async tryLease(name: string, holder: string, now: number, ttlMs: number): Promise<boolean> {
    const changed = await this.sql.run(
      `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
      [name, holder, now + ttlMs, now],
    );
    return changed === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.sql.run('DELETE FROM leases WHERE name = ? AND holder = ?', [name, holder]);
  }

  async sizeBytes(): Promise<number> {
    return (await this.sql.sizeBytes()) + ((await this.logFiles?.sizeBytes()) ?? 0);
  }

  async close(): Promise<void> {
    await this.logFiles?.close();
    await this.sql.close();
  }
}

/** The same files (paths, sizes and hashes), whatever their order: an upload that can resume. */
function sameFiles(stored: ArtifactFileRow[], asked: NewArtifact['files']): boolean {
  if (stored.length !== asked.length) return false;
  const key = (file: { path: string; size: number; sha256: string }) =>
    `${file.path}\u0000${file.size}\u0000${file.sha256}`;
  const keys = new Set(stored.map(key));
  return asked.every((file) => keys.has(key(file)));
}
