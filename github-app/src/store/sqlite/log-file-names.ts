// Where a SQLite hub keeps a node's log bytes (log-files.ts): `<logDir>/<runId>/<file>`. A node id comes from a flow
// file, so anything a repository can write: `..`, `a/b`, 300 characters, NUL, look-alike Unicode. Its file name is a
// readable stem (the id's safe characters, cut short) and a hash of the whole id, so two ids never share a file, and
// no id climbs out of its run's folder or exceeds a file system's 255-byte name. A run id is made by the hub
// (new-run-id.ts) but checked all the same: it names a folder.
import { createHash } from 'node:crypto';
import path from 'node:path';

/** The readable part of a name: enough to tell logs apart in `ls`, short enough to stay far below 255 bytes. */
const STEM_CHARS = 48;
/** 128 bits of SHA-256: distinct names for distinct ids, whatever a flow author picks. */
const HASH_HEX = 32;
const RUN_ID = /^[a-z0-9]{1,64}$/;

/** A run's folder of log files; throws for a run id the hub would never make. */
export function runLogDir(logDir: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId.slice(0, 80))}`);
  return path.join(logDir, runId);
}

/** The file name of a node's log: `<stem>.<hash>.log`, only [A-Za-z0-9_.-], never starting with a dot. */
export function nodeLogFileName(node: string): string {
  const stem = node.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, STEM_CHARS) || '_';
  // UTF-16 code units, not UTF-8: UTF-8 would turn every lone surrogate into the same U+FFFD.
  const hash = createHash('sha256').update(node, 'utf16le').digest('hex').slice(0, HASH_HEX);
  return `${stem}.${hash}.log`;
}

/** `<logDir>/<runId>/<nodeLogFileName(node)>`. */
export function nodeLogFile(logDir: string, runId: string, node: string): string {
  return path.join(runLogDir(logDir, runId), nodeLogFileName(node));
}
