import { describe, expect, it } from 'vitest';
import { PLAIN, parseAnsi, stripAnsi } from './ansi.js';

describe('parseAnsi', () => {
  it('splits a line into styled segments and resets on 0', () => {
    const { segments, end } = parseAnsi('a \u001b[1;31mred\u001b[0m b');
    expect(segments).toEqual([
      { text: 'a ', style: PLAIN },
      { text: 'red', style: { bold: true, fg: 1 } },
      { text: ' b', style: PLAIN },
    ]);
    expect(end).toBe(PLAIN);
  });

  it('carries the style at the end of a line into the next one', () => {
    const first = parseAnsi('\u001b[32mgreen starts');
    expect(first.end).toEqual({ fg: 2 });
    expect(parseAnsi('still green', first.end).segments).toEqual([{ text: 'still green', style: { fg: 2 } }]);
  });

  it('reads bright, 256-colour and true-colour codes', () => {
    expect(parseAnsi('\u001b[94mx').end).toEqual({ fg: 12 });
    expect(parseAnsi('\u001b[38;5;196mx').end).toEqual({ fg: 'rgb(255,0,0)' });
    expect(parseAnsi('\u001b[48;2;1;2;3mx').end).toEqual({ bg: 'rgb(1,2,3)' });
    expect(parseAnsi('\u001b[38;5;3mx').end).toEqual({ fg: 3 });
  });

  it('drops escapes that are not colours (cursor moves, titles)', () => {
    const line = '\u001b[2K\u001b]0;title\u0007done\u001b[1A';
    expect(parseAnsi(line).segments).toEqual([{ text: 'done', style: PLAIN }]);
    expect(stripAnsi(line)).toBe('done');
  });
});
