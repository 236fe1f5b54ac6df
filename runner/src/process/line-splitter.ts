/** The longest line piece handed on, newline included (LogChunk contract: longer lines are cut). */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = Buffer.from('\n');

/**
 * Turns the raw bytes of one output stream into whole lines, in constant memory: it holds at most one partial
 * line of under 64 KiB. A line longer than that is cut into pieces of at most `MAX_LINE_BYTES` bytes, each ending
 * in `\n` (the original floe hung for ever on a 64 KiB line, floe-behaviour.md §6.1). Cuts fall between UTF-8
 * characters, and a character split across two reads is kept whole because bytes are decoded only once a piece is
 * complete.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The complete lines (possibly none: '') that `bytes` finishes, decoded as UTF-8. */
  push(bytes: Buffer): string {
    const out: Buffer[] = [];
    let start = 0;
    while (start < bytes.length) {
      const newline = bytes.indexOf(0x0a, start);
      const stop = newline < 0 ? bytes.length : newline;
      this.append(bytes.subarray(start, stop), out);
      if (newline < 0) break;
      out.push(...this.pending, NEWLINE);
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
    }
    return out.length === 0 ? '' : Buffer.concat(out).toString('utf8');
  }

  /** The last line, completed with `\n`, when the stream ended without one; '' otherwise. */
  flush(): string {
    if (this.pendingBytes === 0) return '';
    const text = Buffer.concat([...this.pending, NEWLINE]).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }

  private append(segment: Buffer, out: Buffer[]): void {
    if (segment.length === 0) return;
    // Copy: a subarray would keep the whole read buffer alive while only a tail of it is pending.
    this.pending.push(Buffer.from(segment));
    this.pendingBytes += segment.length;
    const limit = MAX_LINE_BYTES - 1; // room for the '\n' that ends each piece
    if (this.pendingBytes <= limit) return;
    const joined = Buffer.concat(this.pending);
    let offset = 0;
    while (joined.length - offset > limit) {
      const cut = offset + charBoundary(joined, offset, limit);
      out.push(joined.subarray(offset, cut), NEWLINE);
      offset = cut;
    }
    this.pending = [joined.subarray(offset)];
    this.pendingBytes = joined.length - offset;
  }
}

/** The largest length ≤ `limit` from `offset` that does not end inside a UTF-8 multi-byte character. */
function charBoundary(bytes: Buffer, offset: number, limit: number): number {
  let length = limit;
  // A continuation byte (10xxxxxx) at the cut means the cut splits a character: move back to its lead byte.
  while (length > limit - 4 && ((bytes[offset + length] ?? 0) & 0xc0) === 0x80) length--;
  return length > limit - 4 ? length : limit;
}
