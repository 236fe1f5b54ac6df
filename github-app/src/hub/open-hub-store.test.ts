import { existsSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import { tempDir } from '../testing/test-repo.js';
import { openHubStore } from './open-hub-store.js';

describe('openHubStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  afterEach(() => tmp.cleanup());
  const log = pino({ level: 'silent' });

  it('opens SQLite in the data folder by default, alone on it, every call watched', async () => {
    tmp = tempDir('floe-open-store-');
    const opened = await openHubStore({ dataDir: tmp.dir, hubId: 'h1', log, now: Date.now });
    expect(opened.shared).toBe(false);
    expect(existsSync(path.join(tmp.dir, 'floe.db'))).toBe(true);
    expect(await opened.store.listRunners()).toEqual([]);
    expect(opened.health.available).toBe(true);
    expect(opened.health.problems()).toEqual([]);
    await opened.notifier.close();
    await opened.store.close();
  });

  it('uses the store it is given (and ignores a database URL then)', async () => {
    tmp = tempDir('floe-open-store-');
    const given = openSqliteStore({ file: path.join(tmp.dir, 'given.db') });
    await given.registerRunner({ id: 'r1', name: 'vm-1', credentialHash: 'h', createdAt: 1 });
    const opened = await openHubStore({
      dataDir: tmp.dir,
      store: given,
      databaseUrl: 'postgres://127.0.0.1:1/never',
      hubId: 'h1',
      log,
      now: Date.now,
    });
    expect(opened.shared).toBe(false);
    expect((await opened.store.listRunners()).map((runner) => runner.name)).toEqual(['vm-1']);
    expect(existsSync(path.join(tmp.dir, 'floe.db'))).toBe(false);
    await opened.store.close();
  });
});
