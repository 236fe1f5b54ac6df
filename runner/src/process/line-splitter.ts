import { utf8Text } from '@floe/shared/node';

let joinScratch = Buffer.allocUnsafe(128 * 1024);

/** A line held back this long is handed on without waiting for its end (LogChunk contract). */
export const MAX_LINE_BYTES = 64 * 1024;

/**
 * Turns the raw bytes of one output stream into log text that holds whole lines where it can, in constant memory,
 * changing no byte: what it hands on, joined, is exactly what the stream carried. A line's end is held back until
 * its newline comes, so that lines of stdout and stderr do not interleave mid-line — but not beyond
 * `MAX_LINE_BYTES`: a longer line goes on in pieces (the original floe hung for ever on a 64 KiB line), and a last
 * line without a newline stays without one. Bytes are decoded once a piece is handed on, never inside a UTF-8
 * character, so a character split across two reads is kept whole.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The text that `bytes` completes (possibly none: ''), decoded as UTF-8. */
  push(bytes: Buffer): string {
    const last = bytes.lastIndexOf(0x0a);
    if (last < 0) {
      this.hold(bytes);
      return this.pendingBytes >= MAX_LINE_BYTES ? this.release() : '';
    }
    const lines = bytes.subarray(0, last + 1);
    // Lines of one read go on as one slice: copying and joining each line apart cost most of the time of a task
    // printing hundreds of MB.
    const text = this.pendingBytes === 0 ? utf8Text(lines) : utf8Text(this.joined(lines));
    this.pending = [];
    this.pendingBytes = 0;
    this.hold(bytes.subarray(last + 1));
    return this.pendingBytes >= MAX_LINE_BYTES ? text + this.release() : text;
  }

  /** What is held of an unfinished last line, as it is, when the stream has ended; '' when nothing is. */
  flush(): string {
    if (this.pendingBytes === 0) return '';
    const text = utf8Text(Buffer.concat(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }

  /** The held bytes, then `lines`, in a buffer reused by every splitter (the text is decoded from it at once): a
   * short line's tail is held after nearly every read, and a new buffer for each join cost more than the copy. */
  private joined(lines: Buffer): Buffer {
    const length = this.pendingBytes + lines.length;
    if (joinScratch.length < length) joinScratch = Buffer.allocUnsafe(Math.max(length, 2 * joinScratch.length));
    let at = 0;
    for (const piece of this.pending) at += piece.copy(joinScratch, at);
    lines.copy(joinScratch, at);
    return joinScratch.subarray(0, length);
  }

  private hold(segment: Buffer): void {
    if (segment.length === 0) return;
    // Copied: a subarray would keep the whole read buffer alive while only a tail of it is pending.
    this.pending.push(Buffer.from(segment));
    this.pendingBytes += segment.length;
  }

  /** Hands on the held piece of a long line, all but an unfinished UTF-8 character at its end. */
  private release(): string {
    const joined = Buffer.concat(this.pending, this.pendingBytes);
    const cut = charBoundary(joined);
    this.pending = cut < joined.length ? [Buffer.from(joined.subarray(cut))] : [];
    this.pendingBytes = joined.length - cut;
    return utf8Text(joined.subarray(0, cut));
  }
}

/** The length of `bytes` without a UTF-8 character left unfinished at its end. */
function charBoundary(bytes: Buffer): number {
  // Back over continuation bytes (10xxxxxx) to the last lead byte; the character is whole if all its bytes are there.
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back] as number;
    if ((byte & 0xc0) === 0x80) continue;
    const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return size > back ? bytes.length - back : bytes.length;
  }
  return bytes.length;
}
