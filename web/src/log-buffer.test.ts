import { describe, expect, it } from 'vitest';
import { LogBuffer } from './log-buffer.js';

const bytes = (text: string) => new TextEncoder().encode(text).length;

describe('LogBuffer', () => {
  it('splits chunks into lines and keeps the unfinished last one apart', () => {
    const log = new LogBuffer();
    log.append(0, 'one\ntw');
    log.append(bytes('one\ntw'), 'o\nthree');
    expect(log.lines).toEqual(['one', 'two']);
    expect(log.partial).toBe('three');
    expect(log.lineCount).toBe(3);
    expect(log.next).toBe(bytes('one\ntwo\nthree'));
  });

  it('trims what it already holds when a chunk is repeated after a reconnect (UTF-8 byte offsets)', () => {
    const log = new LogBuffer();
    log.append(0, 'héllo\nwörld\n');
    expect(log.append(0, 'héllo\n')).toBe('duplicate');
    const overlap = log.append(bytes('héllo\n'), 'wörld\nnëxt\n');
    expect(overlap).toBe('appended');
    expect(log.lines).toEqual(['héllo', 'wörld', 'nëxt']);
  });

  it('refuses a chunk that leaves a gap, so the caller reads the missing bytes first', () => {
    const log = new LogBuffer();
    log.append(0, 'a\n');
    expect(log.append(10, 'z\n')).toBe('gap');
    expect(log.lines).toEqual(['a']);
    expect(log.next).toBe(2);
  });

  it('keeps the colour a line starts with, and lets a carriage return redraw a line', () => {
    const log = new LogBuffer();
    log.append(0, '\u001b[31mred\nstill red\u001b[0m\n10%\r50%\r100%\r\n');
    expect(log.line(1).start).toEqual({ fg: 1 });
    expect(log.line(2)).toEqual({ text: '100%', start: {} });
  });

  it('finds lines case-insensitively without their escapes, and downloads plain text', () => {
    const log = new LogBuffer();
    log.append(0, 'Build \u001b[1mOK\u001b[0m\nok again\nnothing\n');
    expect(log.search('ok')).toEqual([0, 1]);
    expect(log.search('build ok')).toEqual([0]);
    expect(log.plainText()).toBe('Build OK\nok again\nnothing\n');
  });

  it('holds 100,000 lines and searches them quickly enough to type into', () => {
    const log = new LogBuffer();
    const text = Array.from({ length: 100_000 }, (_, i) => `line ${i} \u001b[32mok\u001b[0m`).join('\n');
    log.append(0, `${text}\n`);
    expect(log.lineCount).toBe(100_000);
    expect(log.search('line 99999 ')).toEqual([99_999]);
  });
});
