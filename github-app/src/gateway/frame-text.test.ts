import { describe, expect, it } from 'vitest';
import { frameText } from './frame-text.js';

describe('frameText', () => {
  it('decodes ASCII and UTF-8 frames alike to the text that was sent', () => {
    for (const text of ['{"text":"plain\\n"}', '{"text":"née 😀 €"}', '']) {
      const bytes = new TextEncoder().encode(text);
      expect(frameText(bytes)).toBe(text);
      // A view into a larger buffer reads only its own bytes.
      const larger = Buffer.concat([Buffer.from('xx'), Buffer.from(bytes), Buffer.from('yy')]);
      expect(frameText(larger.subarray(2, 2 + bytes.length))).toBe(text);
    }
  });
});
