// The outgoing webhooks' deliveries (notify/, migration 014): what is still to be sent survives a restart, and
// every attempt is kept for the delivery log. Its own small interface, the store's `notifications`, like `github`.
// Sending is claimed with a compare-and-set on `attempts`: two hubs on one database never send the same attempt twice.
import { z } from '@floe/shared';
import { rowReader } from './row-codec.js';
import type { SqlDatabase } from './sql-database.js';

export const DeliveryStateSchema = z.enum(['pending', 'delivered', 'failed']);

export const DeliveryRowSchema = z.object({
  /** `<runId>:<target>`: one delivery per run and receiver, so enqueueing twice (two hubs) stores one. */
  id: z.string(),
  runId: z.string(),
  repo: z.string(),
  flowId: z.string(),
  /** `hub` (--notify-url) or `notify.<index>` (the flow's entry). */
  target: z.string(),
  /** As configured: an https URL, or `{{secret.NAME}}` (resolved at each attempt, never stored). */
  url: z.string(),
  /** The secret whose value signs the body; absent: unsigned. */
  secretName: z.string().optional(),
  format: z.enum(['floe', 'slack']),
  /** The body as sent (JSON text), the same at every attempt. */
  body: z.string(),
  state: DeliveryStateSchema,
  /** Attempts made (or claimed) so far. */
  attempts: z.number().int().nonnegative(),
  /** When the next attempt is due (pending), or when a claimed attempt may be taken over (a hub died sending). */
  nextAt: z.number(),
  createdAt: z.number(),
  updatedAt: z.number(),
});
export type DeliveryRow = z.infer<typeof DeliveryRowSchema>;
export type NewDelivery = Omit<DeliveryRow, 'state' | 'attempts' | 'updatedAt'>;

export const DeliveryAttemptRowSchema = z.object({
  attempt: z.number().int().positive(),
  at: z.number(),
  /** The receiver's HTTP status, when it answered. */
  status: z.number().int().optional(),
  /** Why the attempt failed, in words (never the receiver's body). */
  error: z.string().optional(),
  durationMs: z.number().int().nonnegative(),
});
export type DeliveryAttemptRow = z.infer<typeof DeliveryAttemptRowSchema>;

export interface NotificationStore {
  /** Stores a pending delivery; false when one with its id exists already (nothing changes then). */
  enqueue(delivery: NewDelivery): Promise<boolean>;
  /** Pending deliveries due at `now`, oldest due first. */
  listDue(now: number, limit: number): Promise<DeliveryRow[]>;
  /**
   * Takes attempt `attempts + 1` of a pending delivery read at `attempts`: raises `attempts` and sets `nextAt` to
   * `until` (when another hub may take it over). False when another hub claimed it first.
   */
  claim(id: string, attempts: number, until: number, at: number): Promise<boolean>;
  /** Stores an attempt's outcome and what follows (pending again at `nextAt`, delivered, or failed), in one write. */
  settle(
    id: string,
    attempt: DeliveryAttemptRow,
    next: { state: z.infer<typeof DeliveryStateSchema>; nextAt: number },
  ): Promise<void>;
  /** A flow's deliveries, newest first, each with its attempts in order. */
  list(query: {
    repo?: string;
    flowId: string;
    limit?: number;
  }): Promise<(DeliveryRow & { log: DeliveryAttemptRow[] })[]>;
  /** Deletes up to `limit` deliveries made before `before` (the retention sweep); returns how many. */
  prune(before: number, limit: number): Promise<number>;
}

const readDelivery = rowReader(DeliveryRowSchema);
const readAttempt = rowReader(DeliveryAttemptRowSchema.extend({ deliveryId: z.string() }));

export class SqlNotificationStore implements NotificationStore {
  constructor(private readonly sql: SqlDatabase) {}

  async enqueue(d: NewDelivery): Promise<boolean> {
    const changed = await this.sql.run(
      `INSERT INTO notify_deliveries (id, run_id, repo, flow_id, target, url, secret_name, format, body, state,
         attempts, next_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      [
        d.id,
        d.runId,
        d.repo,
        d.flowId,
        d.target,
        d.url,
        d.secretName ?? null,
        d.format,
        d.body,
        d.nextAt,
        d.createdAt,
        d.createdAt,
      ],
    );
    return changed === 1;
  }

  async listDue(now: number, limit: number): Promise<DeliveryRow[]> {
    const rows = await this.sql.all(
      `SELECT * FROM notify_deliveries WHERE state = 'pending' AND next_at <= ? ORDER BY next_at LIMIT ?`,
      [now, limit],
    );
    return rows.map(readDelivery);
  }

  async claim(id: string, attempts: number, until: number, at: number): Promise<boolean> {
    const changed = await this.sql.run(
      `UPDATE notify_deliveries SET attempts = attempts + 1, next_at = ?, updated_at = ?
       WHERE id = ? AND state = 'pending' AND attempts = ?`,
      [until, at, id, attempts],
    );
    return changed === 1;
  }

  async settle(
    id: string,
    attempt: DeliveryAttemptRow,
    next: { state: z.infer<typeof DeliveryStateSchema>; nextAt: number },
  ): Promise<void> {
    await this.sql.transaction(async (sql) => {
      await sql.run(
        `INSERT INTO delivery_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (delivery_id, attempt) DO NOTHING`,
        [id, attempt.attempt, attempt.at, attempt.status ?? null, attempt.error ?? null, attempt.durationMs],
      );
      // Only the claimer of this attempt moves the delivery on (a hub that took it over has raised `attempts`).
      await sql.run(
        `UPDATE notify_deliveries SET state = ?, next_at = ?, updated_at = ? WHERE id = ? AND attempts = ? AND state = 'pending'`,
        [next.state, next.nextAt, attempt.at + attempt.durationMs, id, attempt.attempt],
      );
    });
  }

  async list(query: { repo?: string; flowId: string; limit?: number }) {
    const rows = (
      await this.sql.all(
        `SELECT * FROM notify_deliveries WHERE flow_id = ?${query.repo !== undefined ? ' AND repo = ?' : ''}
         ORDER BY created_at DESC, id DESC LIMIT ?`,
        [query.flowId, ...(query.repo !== undefined ? [query.repo] : []), query.limit ?? 50],
      )
    ).map(readDelivery);
    if (rows.length === 0) return [];
    const attempts = (
      await this.sql.all(
        `SELECT * FROM delivery_attempts WHERE delivery_id IN (${rows.map(() => '?').join(', ')})
         ORDER BY delivery_id, attempt`,
        rows.map((row) => row.id),
      )
    ).map(readAttempt);
    return rows.map((row) => ({
      ...row,
      log: attempts.filter((a) => a.deliveryId === row.id).map(({ deliveryId: _, ...a }) => a),
    }));
  }

  async prune(before: number, limit: number): Promise<number> {
    return this.sql.transaction(async (sql) => {
      const ids = (
        await sql.all('SELECT id FROM notify_deliveries WHERE created_at < ? ORDER BY created_at LIMIT ?', [
          before,
          limit,
        ])
      ).map((row) => String(row.id));
      if (ids.length === 0) return 0;
      const marks = ids.map(() => '?').join(', ');
      await sql.run(`DELETE FROM delivery_attempts WHERE delivery_id IN (${marks})`, ids);
      return sql.run(`DELETE FROM notify_deliveries WHERE id IN (${marks})`, ids);
    });
  }
}
