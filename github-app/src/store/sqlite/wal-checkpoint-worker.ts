// The thread of background-checkpoints.ts: its own connection to the database, checkpointing the WAL every
// `everyMs` in PASSIVE mode (it never waits for, nor blocks, the hub's connection), until told to stop.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, everyMs } = workerData as { file: string; everyMs: number };
const db = new Database(file);
db.pragma('busy_timeout = 1000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or failing now: the next one tries again, and the hub's connection checkpoints past its limit.
  }
}, everyMs);
parentPort?.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort?.close();
});
