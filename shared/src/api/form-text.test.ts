import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormTextSchema, formTextProblem } from './form-text.js';
import { StartRunBodySchema, SubmitDataBodySchema } from './runs-api.js';

describe('formTextProblem', () => {
  it('refuses NUL, C0 controls but tab, newline and carriage return, and lone surrogates, naming the first', () => {
    expect(formTextProblem('ab\u0000c')).toMatch(/^holds a NUL character at index 2;/);
    expect(formTextProblem('\u001b[2K')).toMatch(/^holds a control character \(U\+001B\) at index 0;/);
    expect(formTextProblem('x\ud800')).toMatch(/^holds a lone surrogate \(U\+D800\) at index 1;/);
    expect(formTextProblem('\udc00\ud83d')).toMatch(/lone surrogate \(U\+DC00\) at index 0/);
    for (let code = 1; code < 0x20; code++) {
      const allowed = code === 0x09 || code === 0x0a || code === 0x0d;
      expect(formTextProblem(`a${String.fromCharCode(code)}b`) === undefined, `U+${code.toString(16)}`).toBe(allowed);
    }
  });

  it('accepts any other text: DEL, C1, astral characters as pairs, right-to-left marks', () => {
    for (const text of ['', 'tab\there\r\nnext', '\u007f\u0080\u009f', 'é日本😀', '\u202eevil', 'it\'s "$(id)" `x`']) {
      expect(formTextProblem(text)).toBeUndefined();
    }
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const bad = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text);
        expect(formTextProblem(text) === undefined).toBe(!bad);
      }),
    );
  });

  it('agrees with UTF-8: whatever it accepts survives encoding and decoding unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        if (formTextProblem(text) === undefined) {
          expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
          expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
        }
      }),
    );
  });
});

describe('the API schemas', () => {
  it('refuse a bad start-form or data-task value with an issue at the field', () => {
    const start = StartRunBodySchema.safeParse({ data: { note: 'a\u0000echo pwned', n: 3 } });
    expect(start.success).toBe(false);
    expect(start.error?.issues.map((issue) => issue.path)).toEqual([['data', 'note']]);
    const answer = SubmitDataBodySchema.safeParse({ values: { ok: true, why: 'x\u0007' } });
    expect(answer.error?.issues[0]?.path).toEqual(['values', 'why']);
    expect(answer.error?.issues[0]?.message).toMatch(/control character \(U\+0007\)/);
  });

  it('refuse a bad field name too', () => {
    const parsed = StartRunBodySchema.safeParse({ data: { 'a\u0000b': 'x' } });
    expect(parsed.success).toBe(false);
  });

  it('accept text with tabs, newlines and any printable character', () => {
    expect(FormTextSchema.parse('line 1\r\nline\t2 — é 😀')).toBe('line 1\r\nline\t2 — é 😀');
    expect(SubmitDataBodySchema.parse({ values: { note: 'a\nb', n: 1, yes: false } }).values).toEqual({
      note: 'a\nb',
      n: 1,
      yes: false,
    });
  });
});
