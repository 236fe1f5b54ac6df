// Reads the generated JSON Schema of FLOE.yaml (DESIGN §2: generated from the zod schema, the one definition) at
// a path of keys, for completion and hover. Lists of task and trigger shapes are narrowed by the item's `type` or
// `class`, so `opts:` of an exec task offers exec's options only.
import { floeJsonSchema } from '@floe/shared';
import type { YamlPathPart } from './cursor-context.js';

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  additionalProperties?: boolean | JsonSchema;
}

let root: JsonSchema | undefined;
function rootSchema(): JsonSchema {
  root ??= floeJsonSchema() as JsonSchema;
  return root;
}

function deref(schema: JsonSchema): JsonSchema {
  let current = schema;
  for (let hops = 0; current.$ref !== undefined && hops < 20; hops += 1) {
    const name = current.$ref.replace('#/$defs/', '');
    const defs = (rootSchema() as { $defs?: Record<string, JsonSchema> }).$defs ?? {};
    const target = defs[name];
    if (!target) break;
    // Keep the referring schema's own description (zod puts `.describe()` beside the $ref).
    const { $ref: _ref, ...own } = current;
    current = { ...target, ...own };
  }
  return current;
}

/** The alternatives of a schema (anyOf/oneOf flattened), each dereferenced. */
export function alternatives(schema: JsonSchema): JsonSchema[] {
  const resolved = deref(schema);
  const options = [...(resolved.anyOf ?? []), ...(resolved.oneOf ?? [])];
  if (options.length === 0) return [resolved];
  return options.flatMap((option) =>
    alternatives({ ...option, description: option.description ?? resolved.description }),
  );
}

/** The values a schema accepts when it is a closed set (const or enum). */
export function choices(schema: JsonSchema): string[] {
  return alternatives(schema).flatMap((option) => [
    ...(option.const !== undefined ? [String(option.const)] : []),
    ...(option.enum ?? []).map(String),
  ]);
}

/** Narrows object alternatives by the item's discriminating fields (`class`, `type`). */
function narrow(options: JsonSchema[], fields: Record<string, string>): JsonSchema[] {
  let objects = options.filter((option) => option.properties !== undefined);
  for (const key of ['class', 'type']) {
    const value = fields[key];
    if (value === undefined) continue;
    const matching = objects.filter((option) => {
      const property = option.properties?.[key];
      return property !== undefined && choices(property).includes(value);
    });
    if (matching.length > 0) objects = matching;
  }
  // A task without `class: merge` is not a merge.
  if (fields.class === undefined) {
    const plain = objects.filter((option) => !choices(option.properties?.class ?? {}).includes('merge'));
    if (plain.length > 0 && fields.type !== undefined) objects = plain;
  }
  return objects;
}

/**
 * The object shapes that can sit at `path` (a mapping's path, as `cursorContext` gives it). `itemFields` are the
 * innermost list item's scalars, used to narrow task and trigger shapes. Empty when the path leaves the schema.
 */
export function objectSchemasAt(path: readonly YamlPathPart[], itemFields: Record<string, string>): JsonSchema[] {
  let current: JsonSchema[] = [rootSchema()];
  const lastItem = path.lastIndexOf('[]');
  path.forEach((part, index) => {
    const next: JsonSchema[] = [];
    for (const schema of current) {
      for (const option of alternatives(schema)) {
        if (part === '[]') {
          if (option.items) next.push(option.items);
        } else {
          const property = option.properties?.[part];
          if (property) next.push(property);
        }
      }
    }
    current = next;
    // Narrow the innermost item's shapes by its type once we are inside it.
    if (part === '[]' && index === lastItem) current = narrow(current.flatMap(alternatives), itemFields);
  });
  return current.flatMap(alternatives).filter((option) => option.properties !== undefined);
}

/** The schema of `key` inside the mapping at `path`, merged over the shapes that have it. */
export function propertySchemas(
  path: readonly YamlPathPart[],
  key: string,
  itemFields: Record<string, string>,
): JsonSchema[] {
  return objectSchemasAt(path, itemFields).flatMap((option) => {
    const property = option.properties?.[key];
    return property ? [property] : [];
  });
}

/** The first description among the alternatives of a schema. */
export function describeSchema(schema: JsonSchema): string | undefined {
  return deref(schema).description ?? alternatives(schema).find((option) => option.description)?.description;
}

/** A short type name for a schema (`string`, `list of string`, `all | any`). */
export function typeName(schema: JsonSchema): string {
  const values = choices(schema);
  if (values.length > 0) return values.join(' | ');
  const names = alternatives(schema).map((option) => {
    if (option.type === 'array') return `list of ${option.items ? typeName(option.items) : 'values'}`;
    if (option.type === 'object') return 'mapping';
    return Array.isArray(option.type) ? option.type.join(' | ') : (option.type ?? 'any');
  });
  return [...new Set(names)].join(' or ');
}
