// A form's values as typed by its fields (DESIGN §8 "Formats": text, bool, number, select), checked before they are
// sent so that a person sees what is wrong next to the field instead of a 400 from the hub.
import type { Form, FormField, FormValues } from '@floe/shared';

export type RawValues = Record<string, string | boolean>;

/** What each field shows first: its default, else empty (a select: its first option). */
export function initialValues(form: Form): RawValues {
  const values: RawValues = {};
  for (const field of form.fields) {
    if (field.type === 'bool') values[field.id] = field.value === true || field.value === 'true';
    else
      values[field.id] =
        field.value === undefined ? (field.type === 'select' ? (field.options?.[0] ?? '') : '') : String(field.value);
  }
  return values;
}

/** The typed values, or a message per field that is wrong. */
export function checkValues(
  form: Form,
  raw: RawValues,
): { ok: true; values: FormValues } | { ok: false; problems: Record<string, string> } {
  const values: FormValues = {};
  const problems: Record<string, string> = {};
  for (const field of form.fields) {
    const result = checkField(field, raw[field.id]);
    if ('problem' in result) problems[field.id] = result.problem;
    else if (result.value !== undefined) values[field.id] = result.value;
  }
  return Object.keys(problems).length > 0 ? { ok: false, problems } : { ok: true, values };
}

function checkField(
  field: FormField,
  raw: string | boolean | undefined,
): { value: string | number | boolean | undefined } | { problem: string } {
  if (field.type === 'bool') return { value: raw === true };
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return field.required ? { problem: 'Required.' } : { value: undefined };
  if (field.type === 'number') {
    const number = Number(text);
    return Number.isFinite(number) ? { value: number } : { problem: 'Must be a number.' };
  }
  if (field.type === 'select' && !(field.options ?? []).includes(text)) {
    return { problem: `Must be one of ${(field.options ?? []).join(', ')}.` };
  }
  return { value: text };
}
