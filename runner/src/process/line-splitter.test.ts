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

  it('hands on a last line without newline as it is on flush, adding nothing', () => {
    const splitter = new LineSplitter();
    splitter.push(Buffer.from('tail'));
    expect(splitter.flush()).toBe('tail');
  });

  it('keeps a multi-byte character whole when a read splits it', () => {
    const bytes = Buffer.from('née 😀 ok\n');
    const splitter = new LineSplitter();
    let text = '';
    for (let i = 0; i < bytes.length; i++) text += splitter.push(bytes.subarray(i, i + 1));
    expect(text).toBe('née 😀 ok\n');
  });

  it('hands on a long line in pieces once 64 KiB of it are held, adding no newline and splitting no character', () => {
    const line = '€'.repeat(100_000); // 3 bytes each: 300 000 bytes
    const splitter = new LineSplitter();
    const bytes = Buffer.from(line);
    const pieces: string[] = [];
    for (let i = 0; i < bytes.length; i += 10_001) {
      const piece = splitter.push(bytes.subarray(i, i + 10_001));
      if (piece) pieces.push(piece);
    }
    expect(pieces.length).toBeGreaterThanOrEqual(4);
    for (const piece of pieces) {
      expect(piece).not.toContain('\n');
      expect(piece).not.toContain('\uFFFD');
      expect(Buffer.byteLength(piece)).toBeLessThan(MAX_LINE_BYTES + 10_001);
    }
    expect(pieces.join('') + splitter.flush()).toBe(line);
  });

  it('hands on exactly the bytes it was given, however they are split into reads, long lines amid short ones', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 20 }).map((text) => text.replaceAll('\n', '')),
      fc.nat({ max: 3 * MAX_LINE_BYTES }).map((n) => 'é'.repeat(n >> 1)),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (lines, cuts) => {
        const bytes = Buffer.from(lines.join('\n'));
        const splitter = new LineSplitter();
        const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
        let text = '';
        let from = 0;
        for (const point of [...points, bytes.length]) {
          const piece = splitter.push(bytes.subarray(from, point));
          // A piece ends a line, or is a long line's piece.
          if (piece !== '' && !piece.endsWith('\n'))
            expect(Buffer.byteLength(piece)).toBeGreaterThan(MAX_LINE_BYTES - 4);
          text += piece;
          from = point;
        }
        text += splitter.flush();
        expect(text).toBe(bytes.toString('utf8'));
      }),
      { numRuns: 60 },
    );
  });
});
