// SQLite in WAL mode copies what was committed back into the database file at checkpoints, and by default the
// connection whose commit crosses 1,000 WAL pages runs that checkpoint inside its commit: writing and syncing the
// file on the hub's event loop, which cost a chatty build's log about a third of the hub's time (README.md
// "Performance", a chatty build through a runner and the hub). Here a thread of its own checkpoints instead; the hub's
// connection checkpoints itself only if the WAL grows past FALLBACK_PAGES (the thread cannot keep up).
// Durability is unchanged: with `synchronous = NORMAL` a commit is durable once its WAL frames are synced,
// which checkpoints do, on whichever thread.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** 64 Mi of 4 KiB pages = 256 MiB of WAL before the hub's own connection checkpoints. */
const FALLBACK_PAGES = 65_536;
/** After a checkpoint has caught up, the WAL file is cut back to this. */
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

export type BackgroundCheckpoints = { stop(): Promise<void> };

export function startBackgroundCheckpoints(db: Database.Database, everyMs = 500): BackgroundCheckpoints {
  db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
  const worker = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), {
    workerData: { file: db.name, everyMs },
  });
  // It must not keep the hub alive, and a thread that died leaves the fallback checkpoints to the hub.
  worker.unref();
  worker.on('error', () => {
    if (db.open) db.pragma('wal_autocheckpoint = 1000');
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    stop: () => {
      // Held while it stops: an unref'd thread's exit never comes once nothing else keeps the loop alive, and the
      // hub's stop (which waits for it) would end with the process instead of finishing (hub.json left, exit 0).
      worker.ref();
      worker.postMessage('stop');
      return exited;
    },
  };
}
