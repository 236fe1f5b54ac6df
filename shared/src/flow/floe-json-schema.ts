// The JSON Schema of FLOE.yaml for editors and SchemaStore, generated from the zod schema (DESIGN §2: never
// written by hand). `io: 'input'` describes what a person writes: defaulted keys are optional.
import { z } from 'zod';
import { FloeFileSchema } from './flow-schema.js';

/** The JSON Schema (draft 2020-12) of a FLOE.yaml file. */
export function floeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FloeFileSchema, { io: 'input', unrepresentable: 'any', reused: 'ref' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema.$schema,
    $id: 'https://floe.dev/floe.schema.json',
    title: 'FLOE.yaml',
    description: 'A floe workflow file: one flow at the top level, or several under `flows:`.',
    ...Object.fromEntries(Object.entries(schema).filter(([key]) => key !== '$schema')),
  };
}
