// A node's log as lines, fed by byte-offset chunks (the live API's `log` messages, the REST route's slices).
// Offsets count UTF-8 bytes (docs/api.md): a chunk that starts before what we hold is trimmed, one that starts
// after it is a gap the caller must fill from `next` — so after a reconnect nothing is shown twice or lost.
import { logGroupLine } from '@floe/shared';
import { type AnsiStyle, ansiEnd, PLAIN, stripAnsi } from './ansi.js';

/** A folded group of the log (`::group::` in a task's output): its start line's index and its end line's, if any. */
export type LogGroup = { start: number; name: string; end: number | undefined };

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
  /** The log's groups, in order; the last may still be open (its task is still printing into it). */
  readonly groups: LogGroup[] = [];
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

  /** The whole log without escapes, as a download; a group's start reads `▸ name`, its end is left out. */
  plainText(): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    const shown: string[] = [];
    for (const line of all) {
      const group = logGroupLine(line);
      if (!group) shown.push(stripAnsi(line));
      else if ('start' in group) shown.push(`▸ ${group.start}`);
    }
    return shown.join('\n') + (this.partial === '' && shown.length > 0 ? '\n' : '');
  }

  private addText(text: string): void {
    const pieces = (this.partial + text).split('\n');
    this.partial = pieces.pop() as string;
    let style = this.partialStart;
    for (const piece of pieces) {
      const line = overwrite(piece);
      const group = logGroupLine(line);
      if (group && 'start' in group) this.groups.push({ start: this.lines.length, name: group.start, end: undefined });
      else if (group) {
        const open = this.groups.at(-1);
        if (open && open.end === undefined) open.end = this.lines.length;
      }
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
