// A throwaway PostgreSQL database for a test file: each gets its own (`floe_test_<random>`), so test files running
// in parallel never see each other's rows. Tests FAIL when PostgreSQL is unreachable (CI starts it, .ci/run): a
// skipped driver suite would hide a broken driver.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The server the tests use: FLOE_TEST_POSTGRES_URL, else the local trust-auth server of these machines. */
export const TEST_POSTGRES_URL = process.env.FLOE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type TestDatabase = {
  /** The new database's URL, for `--database-url` or openPostgresStore. */
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
};

async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${TEST_POSTGRES_URL} (${(error as Error).message}); start it (.ci/run does) or set FLOE_TEST_POSTGRES_URL`,
    );
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database named `floe_test_<random>`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `floe_test_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}
