// Reads the FLOE.yaml zod schema as a tree, so that a diagnostic can say which keys are allowed at a place
// ("did you mean `listen`?") and which union branch a user meant. Uses zod 4's `_zod.def`, the documented way
// to introspect a schema.
import type { z } from 'zod';

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
  innerType?: z.ZodType;
  in?: z.ZodType;
  options?: z.ZodType[];
  discriminator?: string;
  values?: unknown[];
  entries?: Record<string, unknown>;
};

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

/** The schema inside optional/default/nullable/pipe wrappers. */
export function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else break;
  }
  return current;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether two schemas are one, ignoring wrappers and `.describe()` copies (which share their definition). */
export function sameSchema(a: z.ZodType, b: z.ZodType): boolean {
  return defOf(unwrap(a)) === defOf(unwrap(b));
}

/** Allowed values of a literal or enum schema, or undefined for other schemas. */
export function allowedValues(schema: z.ZodType): unknown[] | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'literal') return def.values;
  if (def.type === 'enum' && def.entries) return Object.values(def.entries);
  return undefined;
}

/** How many of the literal/enum keys of an object schema (`class`, `type`) the data contradicts. */
function mismatches(schema: z.ZodType, data: unknown): number {
  const def = defOf(unwrap(schema));
  if (def.type === 'union' && def.options) {
    return Math.min(...def.options.map((option) => mismatches(option, data)));
  }
  if (def.type !== 'object' || !def.shape) return 0;
  if (!isRecord(data)) return 1;
  let count = 0;
  for (const [key, field] of Object.entries(def.shape)) {
    const values = allowedValues(field);
    if (!values) continue;
    const optional = defOf(field).type !== defOf(unwrap(field)).type;
    if (data[key] === undefined) count += optional ? 0 : 1;
    else if (!values.includes(data[key])) count += 1;
  }
  return count;
}

/** The index of the union option the data most likely meant (fewest contradicted `class`/`type` keys). */
export function likelyOption(options: readonly z.ZodType[], data: unknown): number | undefined {
  let best: number | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  options.forEach((option, index) => {
    const score = mismatches(option, data);
    if (score < bestScore) {
      best = index;
      bestScore = score;
    }
  });
  const tied = options.filter((option) => mismatches(option, data) === bestScore).length;
  return tied === 1 ? best : undefined;
}

/** The schema of the child `segment` of data shaped by `schema`, choosing union branches by the data. */
export function childSchema(schema: z.ZodType, segment: PropertyKey, data: unknown): z.ZodType | undefined {
  const resolved = resolveUnion(schema, data);
  const def = defOf(resolved);
  if (def.type === 'object') return def.shape?.[String(segment)];
  if (def.type === 'array') return def.element;
  if (def.type === 'record') return def.valueType;
  return undefined;
}

/** The union option the data meant (recursively), or the schema itself when it is not a union. */
export function resolveUnion(schema: z.ZodType, data: unknown): z.ZodType {
  let current = unwrap(schema);
  for (let i = 0; i < 10; i++) {
    const def = defOf(current);
    if (def.type !== 'union' || !def.options) break;
    const index = likelyOption(def.options, data);
    if (index === undefined) break;
    current = unwrap(def.options[index] as z.ZodType);
  }
  return current;
}

/** The schema at `path` below `schema`, following the data to choose union branches. */
export function schemaAt(schema: z.ZodType, path: readonly PropertyKey[], data: unknown): z.ZodType | undefined {
  let current: z.ZodType | undefined = schema;
  let value = data;
  for (const segment of path) {
    if (!current) return undefined;
    current = childSchema(current, segment, value);
    value =
      isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[segment as never] : undefined;
  }
  return current;
}

/** The keys an object schema allows (after choosing the union branch the data meant); empty for non-objects. */
export function objectKeys(schema: z.ZodType, data: unknown): string[] {
  const def = defOf(resolveUnion(schema, data));
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : [];
}

/** The options of a union schema (empty for other schemas). */
export function unionOptions(schema: z.ZodType): z.ZodType[] {
  const def = defOf(unwrap(schema));
  return def.type === 'union' ? (def.options ?? []) : [];
}
