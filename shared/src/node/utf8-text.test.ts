import { describe, expect, it } from 'vitest';
import { utf8Text } from './utf8-text.js';

describe('utf8Text', () => {
  it('decodes ASCII and UTF-8 bytes alike to the text they encode', () => {
    for (const text of ['{"text":"plain\\n"}', '{"text":"née 😀 €"}', '', 'a\u0000\u007f\n']) {
      const bytes = new TextEncoder().encode(text);
      expect(utf8Text(bytes)).toBe(text);
      // A view into a larger buffer reads only its own bytes.
      const larger = Buffer.concat([Buffer.from('xx'), Buffer.from(bytes), Buffer.from('yy')]);
      expect(utf8Text(larger.subarray(2, 2 + bytes.length))).toBe(text);
    }
  });
});
