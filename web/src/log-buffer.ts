// A node's log as lines, fed by byte-offset chunks (the live API's `log` messages, the REST route's slices).
// Offsets count UTF-8 bytes (docs/api.md): a chunk that starts before what we hold is trimmed, one that starts
// after it is a gap the caller must fill from `next` — so after a reconnect nothing is shown twice or lost.
import { type AnsiStyle, ansiEnd, PLAIN, stripAnsi } from './ansi.js';

export type AppendResult = 'appended' | 'duplicate' | 'gap';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class LogBuffer {
  /** Finished lines (without their newline), raw with escapes. */
  readonly lines: string[] = [];
  /** The ANSI state at the start of each line (shared objects: most lines start plain). */
  readonly starts: AnsiStyle[] = [];
  /** The last, unfinished line. */
  partial = '';
  /** The byte offset of the next byte we expect. */
  next = 0;
  /** The node has finished: nothing more will come. */
  complete = false;
  private partialStart: AnsiStyle = PLAIN;
  private readonly searchable: string[] = [];

  /** Lines to show: the finished ones and the unfinished last one, if any. */
  get lineCount(): number {
    return this.lines.length + (this.partial === '' ? 0 : 1);
  }

  line(index: number): { text: string; start: AnsiStyle } {
    if (index < this.lines.length) return { text: this.lines[index] as string, start: this.starts[index] as AnsiStyle };
    return { text: this.partial, start: this.partialStart };
  }

  /** Adds the chunk that starts at byte `offset`. */
  append(offset: number, text: string): AppendResult {
    if (offset > this.next) return 'gap';
    let fresh = text;
    if (offset < this.next) {
      const bytes = encoder.encode(text);
      const skip = this.next - offset;
      if (skip >= bytes.length) return 'duplicate';
      fresh = decoder.decode(bytes.subarray(skip));
    }
    if (fresh === '') return 'duplicate';
    this.next += encoder.encode(fresh).length;
    this.addText(fresh);
    return 'appended';
  }

  /** Indices of the lines whose text (without escapes) contains `query`, case-insensitively. */
  search(query: string): number[] {
    const needle = query.toLowerCase();
    if (needle === '') return [];
    const hits: number[] = [];
    for (let i = 0; i < this.lines.length; i++) {
      if ((this.searchable[i] as string).includes(needle)) hits.push(i);
    }
    if (this.partial !== '' && stripAnsi(this.partial).toLowerCase().includes(needle)) hits.push(this.lines.length);
    return hits;
  }

  /** The whole log without escapes, as a download. */
  plainText(): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.map(stripAnsi).join('\n') + (this.partial === '' && this.lines.length > 0 ? '\n' : '');
  }

  private addText(text: string): void {
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() as string;
    let style = this.partialStart;
    for (const piece of pieces) {
      const line = overwrite(piece);
      this.lines.push(line);
      this.starts.push(style);
      this.searchable.push(stripAnsi(line).toLowerCase());
      style = ansiEnd(line, style);
    }
    this.partialStart = style;
  }
}

/** A carriage return starts the line over (progress bars); a trailing one belongs to CRLF. */
function overwrite(line: string): string {
  const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
  const cr = trimmed.lastIndexOf('\r');
  return cr < 0 ? trimmed : trimmed.slice(cr + 1);
}
