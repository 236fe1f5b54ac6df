/** The longest line piece handed on, newline included (LogChunk contract: longer lines are cut). */
export const MAX_LINE_BYTES = 64 * 1024;

const NEWLINE = Buffer.from('\n');

/**
 * Turns the raw bytes of one output stream into whole lines, in constant memory: it holds at most one partial line of
 * under 64 KiB. A line longer than that is cut into pieces of at most `MAX_LINE_BYTES` bytes, each ending in `\n` (the
 * original floe hung for ever on a 64 KiB line). Cuts fall between UTF-8 characters, and a character split across two
 * reads is kept whole because bytes are decoded only once a piece is complete.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** The complete lines (possibly none: '') that `bytes` finishes, decoded as UTF-8. */
  push(bytes: Buffer): string {
    const out: Buffer[] = [];
    let start = 0;
    const first = bytes.indexOf(0x0a);
    if (first >= 0) {
      // Finish the pending line, then hand on every further complete line as one slice: copying and joining
      // each line apart cost most of the time of a task printing hundreds of MB.
      this.append(bytes.subarray(0, first), out);
      out.push(...this.pending, NEWLINE);
      this.pending = [];
      this.pendingBytes = 0;
      start = first + 1;
      const last = bytes.lastIndexOf(0x0a);
      if (last > first) {
        this.cutLongLines(bytes.subarray(start, last + 1), out);
        start = last + 1;
      }
    }
    this.append(bytes.subarray(start), out);
    if (out.length === 0) return '';
    return out.length === 1 ? (out[0] as Buffer).toString('utf8') : Buffer.concat(out).toString('utf8');
  }

  /** The last line, completed with `\n`, when the stream ended without one; '' otherwise. */
  flush(): string {
    if (this.pendingBytes === 0) return '';
    const text = Buffer.concat([...this.pending, NEWLINE]).toString('utf8');
    this.pending = [];
    this.pendingBytes = 0;
    return text;
  }

  /** Complete lines (the last ends in '\n') onto `out` as few slices, with any line too long cut into pieces. */
  private cutLongLines(lines: Buffer, out: Buffer[]): void {
    if (lines.length < MAX_LINE_BYTES) {
      out.push(lines);
      return;
    }
    let start = 0;
    let runStart = 0;
    while (start < lines.length) {
      const newline = lines.indexOf(0x0a, start);
      if (newline - start + 1 > MAX_LINE_BYTES) {
        if (start > runStart) out.push(lines.subarray(runStart, start));
        this.append(lines.subarray(start, newline), out);
        out.push(...this.pending, NEWLINE);
        this.pending = [];
        this.pendingBytes = 0;
        runStart = newline + 1;
      }
      start = newline + 1;
    }
    if (lines.length > runStart) out.push(lines.subarray(runStart));
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
