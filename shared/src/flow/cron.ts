// Five-field cron, as the hub's timers read it (DESIGN §8 "Formats": five fields, UTC unless `timezone`).
// Checked here, without the scheduler library, because @floe/shared imports only yaml and zod.

const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

const NICKNAMES = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** What is wrong with a cron expression, as a sentence, or undefined when it is a valid five-field cron. */
export function cronProblem(expression: string): string | undefined {
  const text = expression.trim();
  if (NICKNAMES.has(text.toLowerCase())) return undefined;
  const parts = text.split(/\s+/).filter(Boolean);
  if (parts.length !== 5) {
    return `a cron expression has five fields (minute hour day-of-month month day-of-week); this one has ${parts.length}`;
  }
  for (const [index, part] of parts.entries()) {
    const field = FIELDS[index] as (typeof FIELDS)[number];
    for (const item of part.split(',')) {
      const problem = itemProblem(item, field, index);
      if (problem) return `the ${field.name} field ${JSON.stringify(part)} ${problem}`;
    }
  }
  return undefined;
}

function itemProblem(item: string, field: (typeof FIELDS)[number], index: number): string | undefined {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined || range === undefined || range === '') return 'is not a value, range or step';
  if (step !== undefined && !/^[1-9]\d*$/.test(step))
    return `has a step ${JSON.stringify(step)} that is not a positive number`;
  if (range === '*' || (range === '?' && (index === 2 || index === 4))) return undefined;
  if (index === 2 && /^(L|\d+W|LW)$/i.test(range)) return undefined;
  if (index === 4 && /^[0-7](#[1-5]|L)$/i.test(range)) return undefined;
  const bounds = range.split('-');
  if (bounds.length > 2) return 'is not a value, range or step';
  const numbers = bounds.map((bound) => fieldValue(bound, field));
  if (numbers.some((value) => value === undefined)) {
    return `holds a value outside ${field.min}-${field.max}${'names' in field ? ` (or ${field.names[0]}-${field.names[field.names.length - 1]})` : ''}`;
  }
  if (numbers.length === 2 && (numbers[0] as number) > (numbers[1] as number))
    return `has a range ${JSON.stringify(range)} that runs backwards`;
  return undefined;
}

function fieldValue(text: string, field: (typeof FIELDS)[number]): number | undefined {
  if ('names' in field) {
    const named = (field.names as readonly string[]).indexOf(text.toUpperCase());
    if (named >= 0) return named + field.min;
  }
  if (!/^\d+$/.test(text)) return undefined;
  const value = Number(text);
  return value >= field.min && value <= field.max ? value : undefined;
}
