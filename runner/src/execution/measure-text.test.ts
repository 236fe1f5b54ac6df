import { describe, expect, it } from 'vitest';
import { measureText } from './measure-text.js';

const byIndexOf = (text: string) => text.split('\n').length - 1;

describe('measureText', () => {
  it("counts every '\\n', whatever the text's length, script or what a longer text left before it", () => {
    const texts = [
      '',
      '\n',
      'no newline',
      '\n'.repeat(100_000),
      // After all those newlines, bytes of a shorter text: none may be counted again.
      'x',
      'a\nb',
      // As long as the text before, but other figures: measured again.
      'abc',
      'abé',
      ...Array.from({ length: 40 }, (_, n) => `${'y'.repeat(n)}\n${'z'.repeat(40 - n)}`),
      'é\n漢字\n🎉\n\u0a0a\u010a\n',
      '\ud800\n lone surrogate',
      `${'0123456789abcdef\n'.repeat(3855)}tail`,
      // Past what the module counts: counted in JS.
      `${'line\n'.repeat(60_000)}`,
    ];
    for (const text of texts) {
      const expected = { bytes: Buffer.byteLength(text), lines: byIndexOf(text) };
      expect(measureText(text), JSON.stringify(text.slice(0, 40))).toEqual(expected);
      // Asked again (the log cap, then the line count): the same figures.
      expect(measureText(text)).toEqual(expected);
    }
  });
});
