import type { LogChunk } from '@floe/shared';
import { measureText } from './measure-text.js';

/**
 * Keeps one node's log within the hub's cap while it streams (the hub's `--log-cap-mb`, sent with the offer), so
 * that a task printing gigabytes costs neither the hub's disk and memory nor the runner's spool. The first quarter
 * of the cap goes out as it comes (what people watch live); past it, only the last half of the cap is kept, in
 * memory, and sent when the task ends (the end of a log is where failures are, and what check runs show), after a
 * line saying how much was dropped in between. floe's own `sys` lines are never held or dropped.
 *
 * The head ends and the tail starts at a line boundary where the chunk has one (a long line's piece has none: it
 * is cut whole).
 */
export class LogCap {
  private readonly headBytes: number;
  private readonly tailBytes: number;
  /** Bytes sent as they came. */
  private sent = 0;
  /** Past the head: output is held (the tail) instead of sent. */
  private holding = false;
  private held: LogChunk[] = [];
  private heldBytes = 0;
  /** Bytes that fell out of the tail, since the last flush. */
  private dropped = 0;

  constructor(capBytes: number) {
    this.headBytes = Math.floor(capBytes / 4);
    this.tailBytes = Math.floor(capBytes / 2);
  }

  /** Output now goes out as it comes (the head is not full yet): a line sent now keeps its place in the log. */
  get passing(): boolean {
    return !this.holding;
  }

  /** What to send now for `chunk`: itself while within the head, a notice when the head fills up, else nothing. */
  push(chunk: LogChunk): LogChunk[] {
    if (chunk.stream === 'sys') {
      // Never dropped nor counted; held in order with the output when output is held (an `exited 1` after the tail).
      if (!this.holding) return [chunk];
      this.held.push(chunk);
      return [];
    }
    const { bytes } = measureText(chunk.text);
    if (this.holding) {
      this.hold(chunk, bytes);
      return [];
    }
    if (this.sent + bytes <= this.headBytes) {
      this.sent += bytes;
      return [chunk];
    }
    // The head fills up inside this chunk: its lines that fit go out, the rest is held.
    const buffer = Buffer.from(chunk.text);
    const room = this.headBytes - this.sent;
    const fits = room > 0 ? buffer.lastIndexOf(0x0a, room - 1) + 1 : 0;
    const out = fits > 0 ? [{ ...chunk, text: buffer.subarray(0, fits).toString() }] : [];
    this.sent += fits;
    this.holding = true;
    out.push(
      sys(
        chunk.at,
        `output passed ${formatBytes(this.headBytes)}: from here on only its last ${formatBytes(this.tailBytes)} is kept, shown when the task ends`,
      ),
    );
    this.hold({ ...chunk, text: buffer.subarray(fits).toString() }, bytes - fits);
    return out;
  }

  private hold(chunk: LogChunk, bytes: number): void {
    this.held.push(chunk);
    this.heldBytes += bytes;
    this.trim();
  }

  /** At the end of a task (an attempt): what was held, after a line saying how much was dropped before it. */
  flush(at: number): LogChunk[] {
    const out = this.dropped > 0 ? [sys(at, `… ${formatBytes(this.dropped)} of output dropped here (log cap) …`)] : [];
    out.push(...this.held);
    this.held = [];
    this.heldBytes = 0;
    this.dropped = 0;
    return out;
  }

  /** Drops the oldest held output past the tail's size, at a line boundary (held `sys` lines stay). */
  private trim(): void {
    while (this.heldBytes > this.tailBytes) {
      const index = this.held.findIndex((chunk) => chunk.stream !== 'sys');
      const oldest = this.held[index] as LogChunk;
      const bytes = Buffer.byteLength(oldest.text);
      const excess = this.heldBytes - this.tailBytes;
      // Whole, or cut inside after the first line end at or past the excess.
      const buffer = bytes <= excess ? undefined : Buffer.from(oldest.text);
      const cut = buffer ? buffer.indexOf(0x0a, excess - 1) + 1 || bytes : bytes;
      this.dropped += cut;
      this.heldBytes -= cut;
      if (cut === bytes) this.held.splice(index, 1);
      else this.held[index] = { ...oldest, text: (buffer as Buffer).subarray(cut).toString() };
    }
  }
}

function sys(at: number, line: string): LogChunk {
  return { stream: 'sys', at, text: `${line}\n` };
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${units[unit]}`;
}
