import { type Form, type FormField, type FormValues, formTextProblem } from '@floe/shared';

const TRUE_WORDS = new Set(['true', 'yes', 'on', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'off', '0']);

/**
 * Checks submitted values against a form (a data trigger's start form, or a data task's form): DESIGN §8
 * "Formats" types `text`, `bool`, `number`, `select`; `required` fields (default) must have a value or a default;
 * a field the form does not have is an error, not silently dropped; text with a NUL, another control character or a
 * lone surrogate is an error whichever way it came in (the API's schema refuses it first; a `/floe run key=value`
 * comment reaches only this check). Returns the values as tasks get them
 * (strings; defaults filled in; bools as true/false) or every problem, one sentence each.
 */
export function checkFormValues(
  form: Form | undefined,
  values: FormValues,
): { ok: true; values: Record<string, string> } | { ok: false; problems: string[] } {
  const fields = form?.fields ?? [];
  const known = new Set(fields.map((field) => field.id));
  const problems: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const problem = formTextProblem(key) ?? (typeof value === 'string' ? formTextProblem(value) : undefined);
    if (problem) {
      problems.push(`field ${JSON.stringify(key)} ${problem}`);
      continue;
    }
    if (known.has(key)) continue;
    problems.push(
      fields.length === 0
        ? `unknown field ${key}: this form has no fields`
        : `unknown field ${key}: the form has ${fields.map((field) => field.id).join(', ')}`,
    );
  }
  const checked: Record<string, string> = {};
  for (const field of fields) {
    const given = values[field.id];
    if (typeof given === 'string' && formTextProblem(given) !== undefined) continue;
    const raw = given === undefined || given === '' ? field.value : given;
    if (raw === undefined || raw === '') {
      if (field.required) problems.push(`field ${field.id} is required`);
      continue;
    }
    const value = checkValue(field, raw);
    if ('problem' in value) problems.push(value.problem);
    else checked[field.id] = value.value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values: checked };
}

function checkValue(field: FormField, raw: string | number | boolean): { value: string } | { problem: string } {
  const text = String(raw).trim();
  switch (field.type) {
    case 'bool': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return { value: 'true' };
      if (FALSE_WORDS.has(word)) return { value: 'false' };
      return { problem: `field ${field.id} is a bool: give true or false, not ${JSON.stringify(raw)}` };
    }
    case 'number':
      if (text !== '' && Number.isFinite(Number(text))) return { value: text };
      return { problem: `field ${field.id} is a number, not ${JSON.stringify(raw)}` };
    case 'select': {
      const options = field.options ?? [];
      if (options.includes(text)) return { value: text };
      return {
        problem: `field ${field.id} is one of ${options.join(', ') || '(no options)'}, not ${JSON.stringify(raw)}`,
      };
    }
    default:
      return { value: String(raw) };
  }
}
