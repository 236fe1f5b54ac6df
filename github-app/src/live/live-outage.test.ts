// A live socket while the hub's database is away (DESIGN §4 "When the database is out of reach"): its token cannot
// be checked again then, which is not the same as a token that was removed. The socket stays open.
import type { LiveServerMessage } from '@floe/shared';
import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import { storeThatGoesAway } from '../store/testing/store-that-goes-away.js';
import { startTestHub, type TestHub } from '../testing/start-test-hub.js';
import { eventually } from '../testing/test-hub.js';
import { tempDir } from '../testing/test-repo.js';

let t: TestHub | undefined;
const dirs: { cleanup(): void }[] = [];
afterEach(async () => {
  await t?.close();
  for (const dir of dirs.splice(0)) dir.cleanup();
});

it('keeps a live socket open while its token cannot be checked again for a database outage', async () => {
  const dir = tempDir('floe-live-outage-');
  dirs.push(dir);
  const db = storeThatGoesAway(`${dir.dir}/floe.db`);
  t = await startTestHub(
    { app: 'flows: [{id: build, tasks: [{id: x, type: end, listen: trigger.good}]}]' },
    {
      store: db.store,
      liveRecheckMs: 20,
    },
  );
  // A token from the store (the admin token the hub started with is checked without it), made while it is up.
  const token = await t.hub.createToken('watcher', 'viewer', { name: 'admin', role: 'admin' });
  let closed: number | undefined;
  const watcher = new WebSocket(`${t.url.replace('http', 'ws')}/api/live`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const seen: LiveServerMessage[] = [];
  watcher.on('message', (data) => seen.push(JSON.parse(String(data)) as LiveServerMessage));
  watcher.on('close', (code) => {
    closed = code;
  });
  await eventually(async () => seen.some((message) => message.type === 'authenticated'));

  db.down = true;
  const checks = db.calls.findApiToken ?? 0;
  await eventually(async () => (db.calls.findApiToken ?? 0) >= checks + 5);
  db.down = false;
  const after = db.calls.findApiToken ?? 0;
  await eventually(async () => (db.calls.findApiToken ?? 0) >= after + 3);
  expect(closed).toBeUndefined();
  expect(watcher.readyState).toBe(WebSocket.OPEN);
  expect(seen.some((message) => message.type === 'error')).toBe(false);
  watcher.close();
});
