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
});
