// The bytes of a run's spool file, records.spool (DESIGN §5 "Records, the spool and acknowledgements"): one entry a
// record, in seq order, each ending in a newline.
//   a record other than `log`:  its JSON, `\n`
//   a `log` record:             its header, `\n`, the text's bytes (UTF-8, `bytes` long), `\n`
// A log header is the record's entry of a binary log frame's header as it is (log-frame.ts):
//   {"seq":S,"node":N,"attempt":A,"stream":T,"at":AT,"bytes":B}
// with B padded with spaces in front to a fixed width (still JSON), so that the header can be written before the
// text's length is known. A task's output is so written without being escaped as JSON, and sent without being
// read as text again: a binary frame is made of the spooled headers and the spooled bytes.
// A crash mid-write leaves a torn last entry: a header without its newline, or a text shorter than its `bytes` or
// not followed by the newline. Loading cuts it off (readEntry returns undefined from there on).
import { readSync } from 'node:fs';
import { type LogFrameHeader, LogFrameHeaderSchema, type RunRecord } from '@floe/shared';

/** Where one spooled record lies in the file. */
export interface SpooledEntry {
  seq: number;
  start: number;
  /** Where a log record's text starts; -1 for a record spooled as JSON. */
  textAt: number;
  /** Just past the entry's last newline. */
  end: number;
}

const NEWLINE = 0x0a;
/** Digits of a log header's `bytes` (texts are far smaller than 10^10 bytes). */
const BYTES_WIDTH = 10;
/** The records of one append go to disk together: encoded into this, reused (the spool is synchronous). */
const SCRATCH_BYTES = 1024 * 1024;
let scratch: Buffer | undefined;

const LogEntrySchema = LogFrameHeaderSchema.shape.records.element;

/**
 * The entries of `records` as bytes, as pieces to write in order (views into a buffer reused by the next call:
 * written before then), and where each entry starts once written at `from`.
 */
export function encodeEntries(
  records: readonly RunRecord[],
  from: number,
): { pieces: Buffer[]; entries: SpooledEntry[]; end: number } {
  const pieces: Buffer[] = [];
  const entries: SpooledEntry[] = [];
  scratch ??= Buffer.allocUnsafe(SCRATCH_BYTES);
  let buffer = scratch;
  let used = 0;
  let position = from;
  /** A buffer with room for `bytes` more (the filled part of the current one goes to the pieces). */
  const room = (bytes: number) => {
    if (buffer.length - used >= bytes) return;
    if (used > 0) pieces.push(buffer.subarray(0, used));
    // A batch larger than the scratch goes on in a buffer of its own (the scratch's bytes are still to be written).
    buffer = Buffer.allocUnsafe(Math.max(SCRATCH_BYTES, bytes));
    used = 0;
  };
  for (const record of records) {
    const start = position;
    if (record.kind !== 'log') {
      const line = `${JSON.stringify(record)}\n`;
      room(line.length * 3);
      const written = buffer.write(line, used);
      used += written;
      position += written;
      entries.push({ seq: record.seq, start, textAt: -1, end: position });
      continue;
    }
    const { seq, node, attempt, chunk } = record;
    const entry = JSON.stringify({ seq, node, attempt, stream: chunk.stream, at: chunk.at });
    const head = `${entry.slice(0, -1)},"bytes":${' '.repeat(BYTES_WIDTH)}}\n`;
    // At most 3 bytes a UTF-16 unit: enough room whatever the text holds.
    room((head.length + chunk.text.length) * 3 + 1);
    const headBytes = buffer.write(head, used);
    const textAt = used + headBytes;
    const textBytes = buffer.write(chunk.text, textAt);
    const digits = String(textBytes);
    buffer.write(digits, textAt - 2 - digits.length, 'latin1');
    buffer[textAt + textBytes] = NEWLINE;
    used = textAt + textBytes + 1;
    position += headBytes + textBytes + 1;
    entries.push({ seq, start, textAt: start + headBytes, end: position });
  }
  if (used > 0) pieces.push(buffer.subarray(0, used));
  return { pieces, entries, end: position };
}

/**
 * Reads the entry at `position` of a file of `size` bytes: undefined when it is not a whole entry (torn) or not an
 * entry at all. `block` is a buffer to read into, grown (the larger one returned in `block`) for a long line.
 */
export function readEntry(
  fd: number,
  position: number,
  size: number,
  state: { block: Buffer },
): SpooledEntry | undefined {
  const line = readLine(fd, position, size, state);
  if (line === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const afterLine = position + line.length + 1;
  if ('kind' in value) {
    const { seq, kind } = value as { seq?: unknown; kind?: unknown };
    if (typeof seq !== 'number' || !Number.isInteger(seq) || seq <= 0 || kind === 'log') return undefined;
    return { seq, start: position, textAt: -1, end: afterLine };
  }
  const header = LogEntrySchema.safeParse(value);
  if (!header.success) return undefined;
  const end = afterLine + header.data.bytes + 1;
  if (end > size) return undefined;
  const after = Buffer.alloc(1);
  if (readSync(fd, after, 0, 1, end - 1) !== 1 || after[0] !== NEWLINE) return undefined;
  return { seq: header.data.seq, start: position, textAt: afterLine, end };
}

/** The line at `position`, without its newline; undefined when the file ends before one. */
function readLine(fd: number, position: number, size: number, state: { block: Buffer }): Buffer | undefined {
  let searched = 0;
  for (;;) {
    const want = Math.min(state.block.length, size - position);
    if (want <= searched) return undefined;
    const got = readFully(fd, state.block, want, position);
    const at = state.block.subarray(0, got).indexOf(NEWLINE, searched);
    if (at >= 0) return state.block.subarray(0, at);
    if (got < state.block.length) return undefined;
    searched = got;
    const larger = Buffer.allocUnsafe(state.block.length * 2);
    state.block = larger;
  }
}

function readFully(fd: number, target: Buffer, length: number, position: number): number {
  let read = 0;
  while (read < length) {
    const n = readSync(fd, target, read, length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}

/** A spooled log header read back (for a hub older than binary frames, which gets records as JSON). */
export function parseLogHeader(bytes: Uint8Array): LogFrameHeader['records'][number] {
  return LogEntrySchema.parse(JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString()));
}
