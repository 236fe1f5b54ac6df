// Several hub processes on one fresh PostgreSQL database (issue 7), for the multi-hub tests and the benchmark.
// The database helper lives beside the PostgreSQL driver (it needs `pg`, a dependency of the hub package).
import { createTestDatabase, type TestDatabase } from '../../github-app/src/store/testing/test-database.js';
import { type HubOptions, type HubProcess, startHub } from './start-hub.js';

export type PostgresHubs = { database: TestDatabase; hubs: HubProcess[] };

/** Creates a database and starts `count` hubs on it, each with its own data dir; the first starts alone (migrations). */
export async function startPostgresHubs(count: number, options: HubOptions = {}): Promise<PostgresHubs> {
  const database = await createTestDatabase();
  const start = () => startHub({ ...options, args: [...(options.args ?? []), '--database-url', database.url] });
  const first = await start();
  const others = await Promise.all(Array.from({ length: count - 1 }, start));
  return { database, hubs: [first, ...others] };
}
