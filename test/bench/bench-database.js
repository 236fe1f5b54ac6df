// A throwaway PostgreSQL database for a benchmark (the tests' own helper, github-app/src/store/testing/, is test code
// and not built into dist). FLOE_TEST_POSTGRES_URL, default the local trust-auth server of these machines.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repoRoot } from './bench-support.js';

// pg is the hub's dependency, not the root's: resolve it from the hub's package.
const pg = createRequire(join(repoRoot, 'github-app/package.json'))('pg');
const SERVER = process.env.FLOE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function admin(sql) {
  const client = new pg.Client({ connectionString: SERVER, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates `floe_bench_<random>`; resolves to its URL and a drop(). */
export async function createBenchDatabase() {
  const name = `floe_bench_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
