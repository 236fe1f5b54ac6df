// Where a SQLite hub keeps a node's log bytes (log-files.ts): `<logDir>/<runId>/<file>`. A node id comes from a flow
// file, so anything a repository can write: `..`, `a/b`, 300 characters, NUL, lone surrogates, look-alike Unicode.
// Its file name is a readable stem (the id's safe characters, cut short) and a hash of the whole id, so two ids
// never share a file, and no id climbs out of its run's folder or exceeds a file system's 255-byte name. The name
// is a function of the id's bytes as the database keeps them (storedBytes), so that a backup or a move to
// PostgreSQL, which read the ids from the database, find the same files. A run id is made by the hub
// (new-run-id.ts) but checked all the same: it names a folder.
import { createHash } from 'node:crypto';
import path from 'node:path';

/** The readable part of a name: enough to tell logs apart in `ls`, short enough to stay far below 255 bytes. */
const STEM_BYTES = 48;
/** 128 bits of SHA-256: distinct names for distinct ids, whatever a flow author picks. */
const HASH_HEX = 32;
const RUN_ID = /^[a-z0-9]{1,64}$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The id's bytes as SQLite keeps them (`CAST(node AS BLOB)`): UTF-8, and a lone surrogate as its own three bytes
 * (WTF-8), where Buffer.from would make every one U+FFFD and two ids the database tells apart one.
 */
export function storedBytes(node: string): Buffer {
  if (!LONE_SURROGATE.test(node)) return Buffer.from(node, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < node.length; i++) {
    const unit = node.charCodeAt(i);
    const next = node.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      bytes.push(...Buffer.from(node.slice(i, i + 2), 'utf8'));
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
    } else {
      bytes.push(...Buffer.from(node[i] as string, 'utf8'));
    }
  }
  return Buffer.from(bytes);
}

/** A run's folder of log files; throws for a run id the hub would never make. */
export function runLogDir(logDir: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${JSON.stringify(runId.slice(0, 80))}`);
  return path.join(logDir, runId);
}

/** The file name of a node's log: `<stem>.<hash>.log`, only [A-Za-z0-9_.-], never starting with a dot. */
export function nodeLogFileName(node: string | Uint8Array): string {
  const bytes = typeof node === 'string' ? storedBytes(node) : node;
  let stem = '';
  for (const byte of bytes.subarray(0, STEM_BYTES)) {
    const char = String.fromCharCode(byte);
    stem += /[A-Za-z0-9_-]/.test(char) ? char : '_';
  }
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, HASH_HEX);
  return `${stem || '_'}.${hash}.log`;
}

/** `<logDir>/<runId>/<nodeLogFileName(node)>`. */
export function nodeLogFile(logDir: string, runId: string, node: string | Uint8Array): string {
  return path.join(runLogDir(logDir, runId), nodeLogFileName(node));
}
