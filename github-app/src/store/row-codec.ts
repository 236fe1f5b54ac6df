// Rows parsed at the boundary: one reader per table, made from the row's zod schema in store.ts, for both
// dialects. A column is its field in snake_case (`flowId` ← `flow_id`) unless renamed; NULL is undefined;
// `json` fields are stored as JSON text, `flags` as 0/1 (SQLite) or booleans (PostgreSQL). The schema then parses
// the row, so a value the database holds that the hub does not expect fails here, named, not somewhere later.
// The big JSON values (a run's flow and engine state) have shallow schemas: reading a run does not walk them.
import type { z } from '@floe/shared';
import type { Row } from './sql-database.js';

type Keys<S extends z.ZodObject> = readonly (keyof S['shape'] & string)[];

export type RowReader<T> = (row: Row) => T;

export function rowReader<S extends z.ZodObject>(
  schema: S,
  options: { json?: Keys<S>; flags?: Keys<S>; columns?: Partial<Record<keyof S['shape'] & string, string>> } = {},
): RowReader<z.infer<S>> {
  const fields = Object.keys(schema.shape).map((key) => ({
    key,
    column: options.columns?.[key] ?? key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
    json: options.json?.includes(key) ?? false,
    flag: options.flags?.includes(key) ?? false,
  }));
  return (row) => {
    const value: Record<string, unknown> = {};
    for (const field of fields) {
      const stored = row[field.column];
      value[field.key] =
        stored === null || stored === undefined
          ? undefined
          : field.json
            ? JSON.parse(String(stored))
            : field.flag
              ? stored === true || stored === 1
              : stored;
    }
    return schema.parse(value);
  };
}
