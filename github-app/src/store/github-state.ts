// What the GitHub App (github/) keeps between webhooks and across restarts and hubs: the webhook deliveries seen
// (so a redelivery does nothing twice), the check run of each run (so a restarted hub updates the same one) and
// the repositories an installation holds (so a restarted hub knows them again). Its own table, `github_state`
// (migration 011 moved these rows out of `trigger_state`, where they had been kept under `github:` keys), and
// its own small interface: the store's `github`. Every write is a compare-and-set on a version, like trigger state,
// so two hubs handling one delivery or one run's events cannot both win.
import { z } from '@floe/shared';
import { rowReader } from './row-codec.js';
import type { SqlDatabase } from './sql-database.js';

export const CheckRunStateSchema = z.object({
  /** GitHub's id of the check run. */
  id: z.number().int(),
  status: z.enum(['queued', 'in_progress', 'completed']),
});
export type CheckRunState = z.infer<typeof CheckRunStateSchema>;

/** A repository of an installation, as its last webhook described it. */
export const RememberedRepoSchema = z.object({
  installationId: z.number().int(),
  cloneUrl: z.string(),
  private: z.boolean().optional(),
});
export type RememberedRepo = z.infer<typeof RememberedRepoSchema>;

/** A stored value and its version, which a write compares. */
export type Versioned<T> = { value: T; version: number };

export interface GitHubStateStore {
  /** Records a webhook delivery; true only the first time its id is seen, on any hub. */
  firstDelivery(deliveryId: string, at: number): Promise<boolean>;
  getCheckRun(runId: string): Promise<Versioned<CheckRunState> | undefined>;
  /** Writes if the stored version is still `expectedVersion` (undefined: nothing stored yet). True when written. */
  putCheckRun(runId: string, state: CheckRunState, expectedVersion: number | undefined): Promise<boolean>;
  /** `fullName` is `owner/name`. */
  getRepo(fullName: string): Promise<Versioned<RememberedRepo> | undefined>;
  putRepo(fullName: string, repo: RememberedRepo, expectedVersion: number | undefined): Promise<boolean>;
}

const KINDS = {
  delivery: z.object({ at: z.number() }),
  check: CheckRunStateSchema,
  repo: RememberedRepoSchema,
};
type Kind = keyof typeof KINDS;
const readers = {
  check: rowReader(z.object({ value: KINDS.check, version: z.number().int() }), { json: ['value'] }),
  repo: rowReader(z.object({ value: KINDS.repo, version: z.number().int() }), { json: ['value'] }),
};

export class SqlGitHubState implements GitHubStateStore {
  constructor(private readonly sql: SqlDatabase) {}

  private row(kind: Kind, key: string) {
    return this.sql.get('SELECT value, version FROM github_state WHERE kind = ? AND key = ?', [kind, key]);
  }

  private async put<K extends Kind>(
    kind: K,
    key: string,
    value: z.infer<(typeof KINDS)[K]>,
    expectedVersion: number | undefined,
  ): Promise<boolean> {
    const text = JSON.stringify(value);
    const changed =
      expectedVersion === undefined
        ? await this.sql.run(
            `INSERT INTO github_state (kind, key, value, version) VALUES (?, ?, ?, 1)
             ON CONFLICT (kind, key) DO NOTHING`,
            [kind, key, text],
          )
        : await this.sql.run(
            'UPDATE github_state SET value = ?, version = version + 1 WHERE kind = ? AND key = ? AND version = ?',
            [text, kind, key, expectedVersion],
          );
    return changed === 1;
  }

  firstDelivery(deliveryId: string, at: number): Promise<boolean> {
    return this.put('delivery', deliveryId, { at }, undefined);
  }

  async getCheckRun(runId: string): Promise<Versioned<CheckRunState> | undefined> {
    const row = await this.row('check', runId);
    return row && readers.check(row);
  }

  putCheckRun(runId: string, state: CheckRunState, expectedVersion: number | undefined): Promise<boolean> {
    return this.put('check', runId, state, expectedVersion);
  }

  async getRepo(fullName: string): Promise<Versioned<RememberedRepo> | undefined> {
    const row = await this.row('repo', fullName);
    return row && readers.repo(row);
  }

  putRepo(fullName: string, repo: RememberedRepo, expectedVersion: number | undefined): Promise<boolean> {
    return this.put('repo', fullName, repo, expectedVersion);
  }
}
