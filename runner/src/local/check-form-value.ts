import { type FormField, FormTextSchema } from '@floe/shared';

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off']);

/**
 * A form value as typed by a person (`--data` or a prompt), checked against its field (DESIGN §8 "Formats":
 * `text`, `bool`, `number`, `select`). Returns the value as it reaches tasks (`FLOE_DATA_<FIELD>`: booleans as
 * `true`/`false`, numbers as written), or a sentence saying what the field accepts. Text the hub's API would refuse
 * (NUL, other control characters but tab, newline and carriage return, lone surrogates) is refused by the same schema.
 */
export function checkFormValue(field: FormField, raw: string): { value: string } | { error: string } {
  const safe = FormTextSchema.safeParse(raw);
  if (!safe.success) return { error: `field ${field.id} ${safe.error.issues[0]?.message ?? 'is not text'}` };
  const text = raw.trim();
  switch (field.type) {
    case 'bool': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.has(word)) return { value: 'true' };
      if (FALSE_WORDS.has(word)) return { value: 'false' };
      return { error: `field ${field.id} is a bool: use true or false, not "${raw}"` };
    }
    case 'number':
      if (text !== '' && Number.isFinite(Number(text))) return { value: text };
      return { error: `field ${field.id} is a number, not "${raw}"` };
    case 'select': {
      const options = field.options ?? [];
      if (options.includes(text)) return { value: text };
      return { error: `field ${field.id} is one of ${options.join(', ') || '(no options)'}, not "${raw}"` };
    }
    default:
      return { value: raw };
  }
}
