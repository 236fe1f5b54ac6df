import { isAscii } from 'node:buffer';

/**
 * A runner's frame as text. Frames are JSON, nearly always ASCII only (a task's log is mostly ASCII, and JSON
 * escapes control characters): ASCII decoded as Latin-1 is the same text, and Node makes it several times faster
 * than UTF-8 (which checks every byte for multi-byte sequences), most of the hub's time on a chatty build's log.
 */
export function frameText(bytes: Uint8Array): string {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.toString(isAscii(buffer) ? 'latin1' : 'utf8');
}
