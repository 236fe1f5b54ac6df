// Frames made of a spool's bytes (DESIGN §5 "Records, the spool and acknowledgements"): what the record pump
// sends. A log record's header and text are read from the spool straight into a binary frame's place for them
// (spool-format.ts keeps the header in the frame's own form), so a task's output is neither decoded, parsed nor
// encoded on its way out; only a hub older than binary frames gets it as JSON, made again from the bytes.
import { logFrameAround, type RunRecord } from '@floe/shared';
import { utf8Text } from '@floe/shared/node';
import type { RunSpool } from '../spool/run-spool.js';
import { parseLogHeader, type SpooledEntry } from '../spool/spool-format.js';

const COMMA = 0x2c;

/** The binary log frame (log-frame.ts) of spooled log records. */
export function logFrame(spool: RunSpool, runId: string, epoch: number, entries: readonly SpooledEntry[]): Uint8Array {
  // A log header is the entry up to its newline; its text runs to the entry's last newline.
  const headers = entries.map((entry) => entry.textAt - 1 - entry.start);
  let texts = 0;
  for (const entry of entries) texts += entry.end - 1 - entry.textAt;
  const { frame, entryAt, textAt } = logFrameAround(runId, epoch, headers, texts, Buffer.allocUnsafe);
  let at = textAt;
  for (const [i, entry] of entries.entries()) {
    spool.readAt(frame, entryAt[i] as number, headers[i] as number, entry.start);
    const bytes = entry.end - 1 - entry.textAt;
    spool.readAt(frame, at, bytes, entry.textAt);
    at += bytes;
  }
  return frame;
}

/** A `record` frame of records spooled as JSON, one after the other in the spool: `head` (the frame's start up to
 * its records' `[`), their lines read in place after it, each newline turned into the comma before the next. */
export function recordFrame(spool: RunSpool, head: Buffer, entries: readonly SpooledEntry[]): Buffer {
  const first = entries[0] as SpooledEntry;
  const last = entries[entries.length - 1] as SpooledEntry;
  const length = last.end - first.start;
  const frame = Buffer.allocUnsafe(head.length + length + 1);
  head.copy(frame, 0);
  spool.readAt(frame, head.length, length, first.start);
  // A JSON line holds no raw newline: each one ends a record.
  for (let at = frame.indexOf(0x0a, head.length); at >= 0; at = frame.indexOf(0x0a, at + 1)) frame[at] = COMMA;
  frame[frame.length - 2] = 0x5d; // ] in place of the last record's newline
  frame[frame.length - 1] = 0x7d; // }
  return frame;
}

/** A spooled record as its JSON (for a hub older than binary frames): a log record made again from its header and
 * text, any other as it was spooled. */
export function recordJson(spool: RunSpool, entry: SpooledEntry): string {
  const bytes = Buffer.allocUnsafe(entry.end - 1 - entry.start);
  spool.readAt(bytes, 0, bytes.length, entry.start);
  if (entry.textAt < 0) return utf8Text(bytes);
  const header = parseLogHeader(bytes.subarray(0, entry.textAt - 1 - entry.start));
  const record: RunRecord = {
    kind: 'log',
    seq: header.seq,
    node: header.node,
    attempt: header.attempt,
    chunk: { stream: header.stream, at: header.at, text: utf8Text(bytes.subarray(entry.textAt - entry.start)) },
  };
  return JSON.stringify(record);
}
