import { FormSchema } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { checkValues, initialValues } from './form-values.js';

const form = FormSchema.parse({
  fields: [
    { id: 'version', prompt: 'Version' },
    { id: 'count', type: 'number', value: 2 },
    { id: 'dry', type: 'bool', value: true },
    { id: 'env', type: 'select', options: ['staging', 'prod'] },
    { id: 'note', required: false },
  ],
});

describe('form values', () => {
  it('starts from the defaults (a select from its first option)', () => {
    expect(initialValues(form)).toEqual({ version: '', count: '2', dry: true, env: 'staging', note: '' });
  });

  it('types the values as the fields say', () => {
    const checked = checkValues(form, { version: ' 1.2 ', count: '3', dry: false, env: 'prod', note: '' });
    expect(checked).toEqual({ ok: true, values: { version: '1.2', count: 3, dry: false, env: 'prod' } });
  });

  it('names every wrong field before anything is sent', () => {
    const checked = checkValues(form, { version: '', count: 'many', dry: true, env: 'moon', note: '' });
    expect(checked).toEqual({
      ok: false,
      problems: { version: 'Required.', count: 'Must be a number.', env: 'Must be one of staging, prod.' },
    });
  });
});
