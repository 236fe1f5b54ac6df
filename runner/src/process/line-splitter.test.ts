import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES } from './line-splitter.js';

describe('LineSplitter', () => {
  it('hands on only whole lines, many at once, and keeps the partial rest', () => {
    const splitter = new LineSplitter();
    expect(splitter.push(Buffer.from('a\nbb\ncc'))).toBe('a\nbb\n');
    expect(splitter.push(Buffer.from('c'))).toBe('');
    expect(splitter.push(Buffer.from('\n'))).toBe('ccc\n');
    expect(splitter.flush()).toBe('');
  });

  it('completes a last line without newline on flush', () => {
    const splitter = new LineSplitter();
    splitter.push(Buffer.from('tail'));
    expect(splitter.flush()).toBe('tail\n');
  });

  it('keeps a multi-byte character whole when a read splits it', () => {
    const bytes = Buffer.from('née 😀 ok\n');
    const splitter = new LineSplitter();
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += splitter.push(bytes.subarray(i, i + 1));
    expect(text).toBe('née 😀 ok\n');
  });

  it('cuts a long line into pieces of at most 64 KiB without splitting characters', () => {
    const line = '€'.repeat(100_000); // 3 bytes each: 300 000 bytes
    const splitter = new LineSplitter();
    const bytes = Buffer.from(`${line}\n`);
    let text = '';
    for (let i = 0; i < bytes.length; i += 10_000) text += splitter.push(bytes.subarray(i, i + 10_000));
    const pieces = text.split('\n').slice(0, -1);
    expect(pieces.length).toBe(5);
    for (const piece of pieces) expect(Buffer.byteLength(piece) + 1).toBeLessThanOrEqual(MAX_LINE_BYTES);
    expect(pieces.join('')).toBe(line);
  });

  it('gives the same pieces however the bytes are split into reads, long lines amid short ones included', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 20 }).map((text) => text.replaceAll('\n', '')),
      fc.nat({ max: 3 * MAX_LINE_BYTES }).map((n) => 'x'.repeat(n)),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (lines, cuts) => {
        const bytes = Buffer.from(lines.join('\n'));
        const expected = reference(bytes);
        const splitter = new LineSplitter();
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        let text = '';
        let from = 0;
        for (const point of [...points, bytes.length]) {
          text += splitter.push(bytes.subarray(from, point));
          from = point;
        }
        text += splitter.flush();
        expect(text).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });
});

/** One read, byte by byte: each line cut every MAX_LINE_BYTES - 1 bytes (ASCII only), each piece ending in \n. */
function reference(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  if (text === '') return '';
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  let out = '';
  for (const whole of lines) {
    let rest = whole;
    while (rest.length > MAX_LINE_BYTES - 1) {
      out += `${rest.slice(0, MAX_LINE_BYTES - 1)}\n`;
      rest = rest.slice(MAX_LINE_BYTES - 1);
    }
    out += `${rest}\n`;
  }
  return out;
}
