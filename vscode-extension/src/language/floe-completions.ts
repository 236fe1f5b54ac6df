// What to offer at the cursor in a FLOE.yaml: keys from the schema (narrowed by the task's type), closed sets of
// values (task and trigger types, `class`, merge `type`, booleans), and for `listen` and `wait` the event tags
// that the flow's own nodes can emit. Pure, so it is tested without an editor; completion-provider.ts wraps it.
import { cursorContext } from './cursor-context.js';
import { eventTagsOfFlow, flowAtLine, scanNodes } from './scan-nodes.js';
import { choices, describeSchema, objectSchemasAt, propertySchemas, typeName } from './schema-at-path.js';

export interface FloeCompletion {
  label: string;
  kind: 'key' | 'value' | 'event-tag';
  /** What to insert; for a key whose value is a mapping or a list, a snippet that opens it on the next line. */
  insertText: string;
  snippet?: boolean;
  detail?: string;
  documentation?: string;
}

export interface FloeCompletions {
  items: FloeCompletion[];
  /** 0-based column where the typed word starts (the range that completion replaces ends at the cursor). */
  replaceFrom: number;
}

/** Completions at a 0-based line and character. */
export function floeCompletions(text: string, line: number, character: number): FloeCompletions {
  const context = cursorContext(text, line, character);
  const { path, kind, siblings, itemFields } = context;
  const result = (items: FloeCompletion[]): FloeCompletions => ({ items, replaceFrom: context.prefixStart });
  const last = path.at(-1);
  const parentKey = path.at(-2);
  const tagPosition =
    (kind === 'value' && (last === 'listen' || last === 'wait')) || (last === '[]' && parentKey === 'wait');
  if (tagPosition) {
    const flow = flowAtLine(text, line);
    const self = itemFields.id ?? itemFields.name;
    return result(
      eventTagsOfFlow(scanNodes(text), flow, self).map((choice) => ({
        label: choice.tag,
        kind: 'event-tag',
        insertText: choice.tag,
        detail: choice.detail,
      })),
    );
  }
  if (kind === 'value' && last !== undefined) {
    const { [last]: _own, ...others } = itemFields;
    const schemas = propertySchemas(path.slice(0, -1), last, others);
    const values = [...new Set(schemas.flatMap(choices))];
    if (values.length === 0 && schemas.some((schema) => typeName(schema).includes('boolean')))
      values.push('true', 'false');
    return result(values.map((value) => ({ label: value, kind: 'value', insertText: value })));
  }
  if (kind === 'key') {
    const seen = new Set<string>();
    const items: FloeCompletion[] = [];
    for (const schema of objectSchemasAt(path, itemFields)) {
      for (const [key, property] of Object.entries(schema.properties ?? {})) {
        if (seen.has(key) || key in siblings) continue;
        seen.add(key);
        const type = typeName(property);
        const description = describeSchema(property);
        // A mapping or a list of mappings opens on the next line, one level in (`\t` is one indent in a snippet).
        const opens = type === 'mapping' ? '\n\t' : type === 'list of mapping' ? '\n\t- ' : undefined;
        items.push({
          label: key,
          kind: 'key',
          insertText: opens ? `${key}:${opens}` : `${key}: `,
          ...(opens ? { snippet: true } : {}),
          detail: type,
          ...(description ? { documentation: description } : {}),
        });
      }
    }
    return result(items);
  }
  return result([]);
}
