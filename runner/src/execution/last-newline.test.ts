import { describe, expect, it } from 'vitest';
import { lastNewline } from './last-newline.js';

describe('lastNewline', () => {
  it("finds the last '\\n' as lastIndexOf does, wherever it is and however long the text", () => {
    const texts = [
      '',
      '\n',
      'no newline',
      'a\nb',
      'ab\n',
      '\n'.repeat(1000),
      `\n${'x'.repeat(70_000)}`,
      `${'x'.repeat(70_000)}\n`,
      `${'x'.repeat(300)}\n${'y'.repeat(255)}`,
      `${'x'.repeat(300)}\n${'y'.repeat(256)}`,
      `${'x'.repeat(300)}\n${'y'.repeat(257)}`,
      `${'0123456789abcdef\n'.repeat(4000)}tail`,
      'x'.repeat(65_536),
      'é\n漢字\n🎉',
    ];
    for (const text of texts) expect(lastNewline(text), JSON.stringify(text.slice(0, 30))).toBe(text.lastIndexOf('\n'));
  });
});
