import { FormFieldSchema } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { checkFormValue } from './check-form-value.js';

const field = (input: object) => FormFieldSchema.parse({ id: 'x', ...input });

describe('checkFormValue', () => {
  it('normalises bool words to true and false', () => {
    expect(checkFormValue(field({ type: 'bool' }), 'Yes')).toEqual({ value: 'true' });
    expect(checkFormValue(field({ type: 'bool' }), '0')).toEqual({ value: 'false' });
  });

  it('refuses a bool, number or select value that the field does not accept, saying what it accepts', () => {
    expect(checkFormValue(field({ type: 'bool' }), 'maybe')).toEqual({
      error: 'field x is a bool: use true or false, not "maybe"',
    });
    expect(checkFormValue(field({ type: 'number' }), '12a')).toEqual({ error: 'field x is a number, not "12a"' });
    expect(checkFormValue(field({ type: 'select', options: ['a', 'b'] }), 'c')).toEqual({
      error: 'field x is one of a, b, not "c"',
    });
  });

  it('keeps numbers as written, select options and any text', () => {
    expect(checkFormValue(field({ type: 'number' }), '2.50')).toEqual({ value: '2.50' });
    expect(checkFormValue(field({ type: 'select', options: ['a', 'b'] }), 'b')).toEqual({ value: 'b' });
    expect(checkFormValue(field({}), ' spaced ')).toEqual({ value: ' spaced ' });
  });

  it('refuses control characters but tab, newline and carriage return, and lone surrogates, in every field type', () => {
    expect(checkFormValue(field({}), 'a\u001b[2Kb')).toEqual({
      error:
        'field x holds a control character (U+001B) at index 1; only tab, newline and carriage return are allowed among control characters',
    });
    expect(checkFormValue(field({ type: 'bool' }), 'yes\u0007')).toMatchObject({ error: /U\+0007/ });
    expect(checkFormValue(field({}), 'x\udfff')).toMatchObject({ error: /lone surrogate/ });
    expect(checkFormValue(field({}), 'a\tb\r\nc')).toEqual({ value: 'a\tb\r\nc' });
  });
});
