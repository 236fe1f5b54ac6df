import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TIMING } from '../runs/hub-deps.js';
import { RunDeadlines } from '../runs/run-deadlines.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { tempDir } from '../testing/test-repo.js';
import { recoverAtStart } from './recover-at-start.js';

describe('recoverAtStart', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let deadlines: RunDeadlines;
  beforeEach(async () => {
    tmp = tempDir('floe-recover-');
    store = openSqliteStore({ file: path.join(tmp.dir, 'floe.db') });
    deadlines = new RunDeadlines(Date.now, 1_000, () => {});
    await store.registerRunner({ id: 'r1', name: 'vm-1', credentialHash: 'h1', createdAt: 1 });
    await store.updateRunner('r1', { connected: true, connection: 'old-socket' });
  });
  afterEach(async () => {
    deadlines.clearAll();
    await store.close();
    tmp.cleanup();
  });

  it('marks the runners of its previous life not connected', async () => {
    await recoverAtStart({ store, deadlines, now: Date.now, timing: DEFAULT_TIMING }, false);
    expect((await store.getRunner('r1'))?.connected).toBe(false);
  });

  it('leaves them alone on a shared database, where they belong to the other hubs', async () => {
    await recoverAtStart({ store, deadlines, now: Date.now, timing: DEFAULT_TIMING }, true);
    expect((await store.getRunner('r1'))?.connected).toBe(true);
  });
});
