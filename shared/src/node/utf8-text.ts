import { isAscii } from 'node:buffer';

/**
 * UTF-8 bytes as text. A task's log, and the JSON frames and spool lines that carry it, are nearly always ASCII
 * only: ASCII decoded as Latin-1 is the same text, and Node makes it several times faster than UTF-8 (which checks
 * every byte for multi-byte sequences) — most of the hub's and the runner's time on a chatty build's log.
 */
export function utf8Text(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString(isAscii(buffer) ? 'latin1' : 'utf8');
}
