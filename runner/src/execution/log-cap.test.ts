import type { LogChunk } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { LogCap } from './log-cap.js';

const out = (text: string, at = 1): LogChunk => ({ stream: 'out', at, text });
const texts = (chunks: LogChunk[]) => chunks.map((chunk) => chunk.text).join('');
const lines = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${String(from + i).padStart(4, '0')}\n`).join('');

describe('LogCap', () => {
  it('sends output within the head as it comes, and all of it when it stays within the cap', () => {
    const cap = new LogCap(400);
    expect(cap.push(out('a\n'))).toEqual([out('a\n')]);
    expect(cap.push(out(lines(1, 8)))).toEqual([out(lines(1, 8))]);
    expect(cap.flush(9)).toEqual([]);
  });

  it('keeps the head and the tail at line boundaries, saying once what it holds and then how much it dropped', () => {
    // 10-byte lines; head 100 bytes, tail 200.
    const cap = new LogCap(400);
    const sent: LogChunk[] = [];
    for (let i = 1; i <= 1_000; i++) sent.push(...cap.push(out(lines(i, i), i)));
    expect(texts(sent.filter((chunk) => chunk.stream === 'out'))).toBe(lines(1, 10));
    const notices = sent.filter((chunk) => chunk.stream === 'sys');
    expect(notices.map((chunk) => chunk.text)).toEqual([
      'output passed 100 B: from here on only its last 200 B is kept, shown when the task ends\n',
    ]);
    const end = cap.flush(2_000);
    // 10,000 bytes printed: 100 sent, the last 200 kept, 9,700 dropped.
    expect(end[0]).toEqual({ stream: 'sys', at: 2_000, text: '… 9.5 KiB of output dropped here (log cap) …\n' });
    expect(texts(end.slice(1))).toBe(lines(981, 1_000));
  });

  it('cuts inside a large chunk at the next line end, and never splits a multi-byte character', () => {
    const cap = new LogCap(40);
    cap.push(out('é'.repeat(3).concat('\n'))); // 7 bytes within the 10-byte head
    cap.push(out(`${'ü'.repeat(20)}\nend one\nend two\n`));
    const end = cap.flush(5);
    expect(texts(end.slice(1))).toBe('end one\nend two\n');
    expect(end[0]?.text).toBe('… 41 B of output dropped here (log cap) …\n');
  });

  it("never drops or counts floe's own lines, and keeps them in order with the tail", () => {
    const cap = new LogCap(40);
    cap.push(out('a\n'));
    const sys = (text: string): LogChunk => ({ stream: 'sys', at: 3, text });
    expect(cap.push(sys('killed process 7\n'))).toEqual([sys('killed process 7\n')]);
    cap.push(out(lines(1, 1)));
    cap.push(sys('sent SIGINT\n'));
    cap.push(out(lines(2, 4)));
    cap.push(sys('exited 1\n'));
    expect(texts(cap.flush(4))).toBe(
      `… 20 B of output dropped here (log cap) …\nsent SIGINT\n${lines(3, 4)}exited 1\n`,
    );
  });

  it('holds at most the tail in memory, however much is printed, and starts afresh for the next attempt', () => {
    const cap = new LogCap(4 * 1024);
    const chunk = out(lines(1, 100)); // 1,000 bytes
    for (let i = 0; i < 10_000; i++) cap.push(chunk); // ~10 MB through a 4 KiB cap
    const end = cap.flush(1);
    expect(Buffer.byteLength(texts(end.slice(1)))).toBeLessThanOrEqual(2 * 1024);
    expect(texts(end.slice(1)).endsWith('line 0100\n')).toBe(true);
    // The head was used by the first attempt: a retry's output is all tail.
    expect(cap.push(out('retry\n'))).toEqual([]);
    expect(texts(cap.flush(2))).toBe('retry\n');
  });
});
