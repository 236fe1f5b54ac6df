import { FormSchema } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { checkFormValues } from './check-form-values.js';

const form = FormSchema.parse({
  fields: [
    { id: 'name', type: 'text' },
    { id: 'count', type: 'number', required: false },
    { id: 'go', type: 'bool', value: false },
    { id: 'env', type: 'select', options: ['dev', 'prod'] },
  ],
});

describe('checkFormValues', () => {
  it('turns typed values into the strings tasks get, with defaults filled in', () => {
    expect(checkFormValues(form, { name: 'x', count: 3, env: 'prod' })).toEqual({
      ok: true,
      values: { name: 'x', count: '3', go: 'false', env: 'prod' },
    });
    expect(checkFormValues(form, { name: 'x', go: 'yes', env: 'dev' })).toMatchObject({ values: { go: 'true' } });
  });

  it('refuses control characters and lone surrogates in names and text, however the values came in', () => {
    const checked = checkFormValues(form, { name: 'x\u0000id', env: 'dev', 'e\u001bv': 'y', count: '\ud800' });
    expect(checked).toEqual({
      ok: false,
      problems: [
        expect.stringMatching(/^field "name" holds a NUL character at index 1;/),
        expect.stringMatching(/^field "e\\u001bv" holds a control character \(U\+001B\)/),
        expect.stringMatching(/^field "count" holds a lone surrogate/),
      ],
    });
    expect(checkFormValues(form, { name: 'tab\there\r\nnext', env: 'dev' })).toMatchObject({ ok: true });
  });

  it('lists every problem: unknown fields, missing required ones, wrong types', () => {
    expect(checkFormValues(form, { nme: 'x', count: 'many', env: 'qa', go: 'perhaps' })).toEqual({
      ok: false,
      problems: [
        'unknown field nme: the form has name, count, go, env',
        'field name is required',
        'field count is a number, not "many"',
        'field go is a bool: give true or false, not "perhaps"',
        'field env is one of dev, prod, not "qa"',
      ],
    });
  });

  it('accepts nothing for a form without fields', () => {
    expect(checkFormValues(undefined, {})).toEqual({ ok: true, values: {} });
    expect(checkFormValues(undefined, { a: 1 })).toEqual({
      ok: false,
      problems: ['unknown field a: this form has no fields'],
    });
  });
});
