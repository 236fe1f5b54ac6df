// The binary log frame (since protocol 6, runner-protocol.ts SINCE_PROTOCOL.binaryLogs): `log` records of one run
// as a WebSocket binary message, their text as raw UTF-8 bytes after a small JSON header, so that neither side
// escapes, parses or decodes a task's output as JSON text (README "Performance": a chatty build's bytes were most
// of the hub's work as JSON). Layout:
//   4 bytes      the header's length H, unsigned big-endian
//   H bytes      the header, JSON (UTF-8): {runId, epoch, records: [{seq, node, attempt, stream, at, bytes}, …]}
//   the rest     each record's text, `bytes` long, one after the other in the header's order
// Everything else (other records, acks) stays JSON text frames. A frame is checked whole before any of it is used:
// a header that is short, not JSON, not the schema, or whose lengths do not add up to the body, is refused.
import { z } from 'zod';
import { LogStreamSchema } from './log-chunk.js';

const LENGTH_BYTES = 4;

export const LogFrameHeaderSchema = z.object({
  runId: z.string().min(1).max(200),
  epoch: z.number().int().nonnegative(),
  records: z
    .array(
      z.object({
        seq: z.number().int().positive(),
        node: z.string(),
        attempt: z.number().int().positive(),
        stream: LogStreamSchema,
        at: z.number(),
        /** The length of its text in the body, in bytes. */
        bytes: z.number().int().nonnegative(),
      }),
    )
    .min(1),
});
export type LogFrameHeader = z.infer<typeof LogFrameHeaderSchema>;

/** A binary log frame read back: the header and, for each of its records, its bytes (views into the frame). */
export type DecodedLogFrame =
  | { ok: true; header: LogFrameHeader; texts: Uint8Array[] }
  | { ok: false; message: string };

/** The frame of records whose texts are `texts` (UTF-8), in the header's order. Its size is the sender's to keep
 * within MAX_FRAME_BYTES: a peer refuses a larger one. */
export function encodeLogFrame(header: LogFrameHeader, texts: readonly Uint8Array[]): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  let size = LENGTH_BYTES + json.byteLength;
  for (const text of texts) size += text.byteLength;
  const frame = new Uint8Array(size);
  new DataView(frame.buffer).setUint32(0, json.byteLength);
  frame.set(json, LENGTH_BYTES);
  let at = LENGTH_BYTES + json.byteLength;
  for (const text of texts) {
    frame.set(text, at);
    at += text.byteLength;
  }
  return frame;
}

/**
 * A frame laid out around record entries that are JSON already (the runner's spool keeps each log record's entry
 * so: spool-format.ts): `entries` are their byte lengths, `texts` the total of their texts' bytes. The caller puts
 * the entries at `entryAt` (each after the one before and a comma, written here) and the texts from `textAt`.
 * `allocate` makes the frame: every byte of it is written here or by the caller, so it need not be zeroed.
 */
export function logFrameAround<Frame extends Uint8Array>(
  runId: string,
  epoch: number,
  entries: readonly number[],
  texts: number,
  allocate: (bytes: number) => Frame,
): { frame: Frame; entryAt: number[]; textAt: number } {
  const open = new TextEncoder().encode(`{"runId":${JSON.stringify(runId)},"epoch":${epoch},"records":[`);
  let headerBytes = open.byteLength + entries.length - 1 + 2;
  for (const bytes of entries) headerBytes += bytes;
  const frame = allocate(LENGTH_BYTES + headerBytes + texts);
  new DataView(frame.buffer, frame.byteOffset).setUint32(0, headerBytes);
  frame.set(open, LENGTH_BYTES);
  const entryAt: number[] = [];
  let at = LENGTH_BYTES + open.byteLength;
  for (const [i, bytes] of entries.entries()) {
    if (i > 0) frame[at++] = 0x2c; // ,
    entryAt.push(at);
    at += bytes;
  }
  frame[at++] = 0x5d; // ]
  frame[at++] = 0x7d; // }
  return { frame, entryAt, textAt: at };
}

/** Checks a binary frame whole; never throws. `validText` says whether a record's bytes are UTF-8 (the hub's is
 * Node's isUtf8): a log's offsets count UTF-8 bytes, which text that is not UTF-8 would break when read back. */
export function decodeLogFrame(frame: Uint8Array, validText: (bytes: Uint8Array) => boolean): DecodedLogFrame {
  if (frame.byteLength < LENGTH_BYTES) return { ok: false, message: 'binary frame shorter than its header length' };
  const headerBytes = new DataView(frame.buffer, frame.byteOffset, LENGTH_BYTES).getUint32(0);
  if (LENGTH_BYTES + headerBytes > frame.byteLength)
    return { ok: false, message: `binary frame header of ${headerBytes} bytes does not fit the frame` };
  let json: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      frame.subarray(LENGTH_BYTES, LENGTH_BYTES + headerBytes),
    );
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: 'binary frame header is not JSON' };
  }
  const parsed = LogFrameHeaderSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, message: `invalid binary frame header${where}: ${issue?.message ?? 'unknown'}` };
  }
  const header = parsed.data;
  const texts: Uint8Array[] = [];
  let at = LENGTH_BYTES + headerBytes;
  for (const record of header.records) {
    if (at + record.bytes > frame.byteLength)
      return { ok: false, message: `binary frame body is shorter than its records (seq ${record.seq})` };
    const text = frame.subarray(at, at + record.bytes);
    if (!validText(text)) return { ok: false, message: `binary frame text of seq ${record.seq} is not UTF-8` };
    texts.push(text);
    at += record.bytes;
  }
  if (at !== frame.byteLength)
    return { ok: false, message: `binary frame has ${frame.byteLength - at} bytes after its records` };
  return { ok: true, header, texts };
}
