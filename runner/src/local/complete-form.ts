import type { FormField } from '@floe/shared';

/** The values with each absent field's default (`value`) filled in, and the required fields still missing. */
export function completeForm(
  fields: FormField[],
  given: Record<string, string>,
): { values: Record<string, string>; missing: FormField[] } {
  const values = { ...given };
  const missing: FormField[] = [];
  for (const field of fields) {
    if (values[field.id] !== undefined) continue;
    if (field.value !== undefined) values[field.id] = String(field.value);
    else if (field.required) missing.push(field);
  }
  return { values, missing };
}
