// Maps zod issues onto positioned, readable diagnostics: each issue path is walked back to the YAML node a person
// wrote, union failures are narrowed to the branch the data meant, and unknown keys get a "did you mean".
import type { z } from 'zod';
import type { Diagnostic } from './diagnostic.js';
import { didYouMean } from './did-you-mean.js';
import { DurationSchema } from './flow-schema.js';
import {
  allowedValues,
  childSchema,
  likelyOption,
  objectKeys,
  sameSchema,
  schemaAt,
  unionOptions,
} from './schema-walk.js';
import type { DataPath, PathPart, YamlLocator } from './yaml-locator.js';

/** The parts of a zod 4 issue we read. */
type Issue = {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  values?: unknown[];
  expected?: string;
  errors?: Issue[][];
  note?: string;
  options?: unknown[];
  minimum?: number | bigint;
  maximum?: number | bigint;
  origin?: string;
};

export interface IssueContext {
  /** The schema the value was validated with. */
  schema: z.ZodType;
  /** The value that was validated. */
  data: unknown;
  /** Where that value sits in the document, e.g. `['flows', 2]`. */
  basePath: DataPath;
  locator: YamlLocator;
  file: string;
  flowId?: string;
}

/** Positioned diagnostics for the issues of one failed `safeParse`. Never throws. */
export function schemaIssueDiagnostics(issues: readonly unknown[], context: IssueContext): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const issue of issues) visit(issue as Issue, [], context, out);
  const seen = new Set<string>();
  return out.filter((diagnostic) => {
    const key = `${diagnostic.line}:${diagnostic.column}:${diagnostic.code}:${diagnostic.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let current = data;
  for (const segment of path) {
    if (!isRecord(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as never];
  }
  return current;
}

/** A value quoted for a message; long values (a pasted blob) are cut, as a message is one line. */
const code = (value: unknown): string => {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  const line = text.replace(/\s+/g, ' ');
  return `\`${line.length > 60 ? `${line.slice(0, 57)}...` : line}\``;
};
const list = (values: readonly unknown[]): string => values.map(code).join(', ');

/** "a task", "the opts of an `exec` task", "a form field": what a person calls the place at `path`. */
function placeName(data: unknown, path: readonly PropertyKey[]): string {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  const owner = (at: readonly PropertyKey[]): string => {
    const value = valueAt(data, at);
    const type = isRecord(value) && typeof value.type === 'string' ? value.type : undefined;
    const section = at[at.length - 2];
    if (section === 'triggers') return type ? `${article(type)} \`${type}\` trigger` : 'a trigger';
    if (section === 'tasks') {
      if (isRecord(value) && value.class === 'merge') return 'a merge';
      return type ? `${article(type)} \`${type}\` task` : 'a task';
    }
    if (section === 'flows' || at.length === 0) return 'a flow';
    return `\`${String(at[at.length - 1])}\``;
  };
  if (path.length === 0) return 'a flow';
  if (last === 'opts') return `the opts of ${owner(path.slice(0, -1))}`;
  if (typeof last === 'number' && parent === 'fields') return 'a form field';
  if (typeof last === 'number' && (parent === 'triggers' || parent === 'tasks' || parent === 'flows')) {
    return owner(path);
  }
  return `\`${String(last)}\``;
}

/** `a`, `a or b`, `a, b or c`. */
const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

const article = (word: string): string => (/^[aeiou]/i.test(word) ? 'an' : 'a');

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping of keys',
  record: 'a mapping of keys',
};

function typeName(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  if (typeof value === 'boolean') return value ? '`true`' : '`false`';
  return `the ${typeof value} ${code(value)}`;
}

function visit(issue: Issue, prefix: readonly PropertyKey[], context: IssueContext, out: Diagnostic[]): void {
  const path = [...prefix, ...issue.path];
  const { data } = context;
  const push = (
    diagnosticCode: Diagnostic['code'],
    message: string,
    at: DataPath,
    part: PathPart,
    hint?: string,
  ): void => {
    const range = context.locator.locate([...context.basePath, ...at], part);
    out.push({
      file: context.file,
      ...range,
      severity: 'error',
      code: diagnosticCode,
      message,
      ...(hint ? { hint } : {}),
      ...(context.flowId ? { flowId: context.flowId } : {}),
    });
  };
  const value = valueAt(data, path);
  const last = path[path.length - 1];
  // A list entry has no key of its own: call it by its place ("entry 3 of `tasks`").
  const key = last;
  const name =
    typeof last === 'number'
      ? `Entry ${last + 1} of \`${String(path[path.length - 2] ?? 'the list')}\``
      : code(last ?? 'the file');
  const fieldSchema = schemaAt(context.schema, path, data);

  // A duration is a union of a number and a string pattern; say what a duration is instead of either branch.
  if (fieldSchema && sameSchema(fieldSchema, DurationSchema) && value !== undefined) {
    push(
      'invalid-duration',
      `${code(key)} is not a duration: ${code(value)}.`,
      path,
      'value',
      'write a number of seconds, or a string such as "90s", "10m", "2h" or "1d"',
    );
    return;
  }

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = fieldSchema ? objectKeys(fieldSchema, value) : [];
      // At the top of a one-flow file, `flow:` or `comon:` are typos of the other shape's keys.
      const alsoMeant = path.length === 0 && context.basePath.length === 0 ? ['flows', 'common'] : [];
      const place = placeName(data, path);
      for (const unknownKey of issue.keys ?? []) {
        push('unknown-key', `Unknown key ${code(unknownKey)} in ${place}.`, [...path, unknownKey], 'key', keyHint());
        function keyHint(): string | undefined {
          const guess = didYouMean(unknownKey, [...allowed, ...alsoMeant]);
          if (guess) return `did you mean ${code(guess)}?`;
          if (unknownKey === 'listen' && allowed.includes('wait')) return 'a merge starts from its `wait` list';
          if (unknownKey === 'wait' && allowed.includes('listen')) {
            return 'only merges (`class: merge`) have `wait`; a task has one `listen` tag';
          }
          const opts = fieldSchema ? childSchema(fieldSchema, 'opts', value) : undefined;
          const optsKeys = opts ? objectKeys(opts, isRecord(value) ? value.opts : undefined) : [];
          if (optsKeys.includes(unknownKey)) return `${code(unknownKey)} belongs under \`opts:\``;
          return allowed.length > 0 ? `allowed here: ${list(allowed)}` : undefined;
        }
      }
      return;
    }
    case 'invalid_union': {
      if (issue.note === 'No matching discriminator') {
        const options = issue.options ?? [];
        if (value === undefined) {
          push(
            'missing-key',
            `${code(key)} is missing from ${placeName(data, path.slice(0, -1))}.`,
            path,
            'value',
            `one of ${list(options)}`,
          );
          return;
        }
        const guess = typeof value === 'string' ? didYouMean(value, options.map(String)) : undefined;
        push(
          'unknown-type',
          `Unknown ${path[path.length - 3] === 'triggers' ? 'trigger' : path[path.length - 3] === 'tasks' ? 'task' : ''} ${code(key)} ${code(value)}.`.replace(
            '  ',
            ' ',
          ),
          path,
          'value',
          guess ? `did you mean ${code(guess)}?` : `${code(key)} is one of ${list(options)}`,
        );
        return;
      }
      const branches = issue.errors ?? [];
      const unionSchema = fieldSchema ? unionOptions(fieldSchema) : [];
      const chosen = pickBranch(branches, unionSchema, value);
      if (chosen) {
        for (const inner of chosen) visit(inner, path, context, out);
        return;
      }
      // Every branch failed at the root with a type mismatch: name the shapes that would do.
      const expected = [...new Set(branches.flatMap((branch) => branch.map((inner) => inner.expected ?? '')))]
        .filter(Boolean)
        .map((type) => (type === 'boolean' ? 'a boolean' : (EXPECTED[type] ?? type)));
      push('invalid-value', `${name} must be ${orList(expected)}, not ${typeName(value)}.`, path, 'value');
      return;
    }
    case 'invalid_type': {
      if (value === undefined) {
        push('missing-key', `${code(key)} is missing from ${placeName(data, path.slice(0, -1))}.`, path, 'value');
        return;
      }
      const expected = EXPECTED[issue.expected ?? ''] ?? issue.expected ?? 'something else';
      // YAML reads `id: 2024` or `ref: 1.0` as numbers; quoting makes them the strings they were meant to be.
      const quote =
        issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
          ? `write it in quotes: "${String(value)}"`
          : issue.expected === 'boolean' && typeof value === 'string' && /^(yes|no|on|off|y|n)$/i.test(value)
            ? `YAML 1.2 reads \`${value}\` as text: write \`${/^(yes|on|y)$/i.test(value) ? 'true' : 'false'}\``
            : issue.expected === 'array' && (typeof value === 'string' || typeof value === 'number')
              ? `write a list: [${String(value)}]`
              : undefined;
      push('invalid-value', `${name} must be ${expected}, not ${typeName(value)}.`, path, 'value', quote);
      return;
    }
    case 'invalid_value': {
      const values = issue.values ?? (fieldSchema ? allowedValues(fieldSchema) : undefined) ?? [];
      const guess = typeof value === 'string' ? didYouMean(value, values.map(String)) : undefined;
      if (value === undefined) {
        push(
          'missing-key',
          `${code(key)} is missing from ${placeName(data, path.slice(0, -1))}.`,
          path,
          'value',
          `one of ${list(values)}`,
        );
        return;
      }
      const message =
        values.length === 1
          ? `${name} must be ${code(values[0])} here, not ${code(value)}.`
          : `${name} must be one of ${list(values)}, not ${code(value)}.`;
      push('invalid-value', message, path, 'value', guess ? `did you mean ${code(guess)}?` : undefined);
      return;
    }
    case 'too_small':
      push(
        'invalid-value',
        `${name} must be ${issue.message.includes('>=') ? 'at least' : 'more than'} ${String(issue.minimum)}.`,
        path,
        'value',
      );
      return;
    case 'too_big':
      push(
        'invalid-value',
        `${name} must be ${issue.message.includes('<=') ? 'at most' : 'less than'} ${String(issue.maximum)}.`,
        path,
        'value',
      );
      return;
    default:
      push('invalid-value', `${code(key ?? 'value')}: ${issue.message}.`, path, 'value');
  }
}

/**
 * The issues of the union branch the data meant: chosen by its `class`/`type` keys when they decide, otherwise
 * the branch that got furthest (fewest issues at the union's own level, then fewest issues). Returns undefined
 * when every branch failed at the root on the type alone, so the caller can list the accepted shapes.
 */
function pickBranch(branches: Issue[][], options: z.ZodType[], value: unknown): Issue[] | undefined {
  if (branches.length === 0) return undefined;
  if (options.length === branches.length) {
    const index = likelyOption(options, value);
    if (index !== undefined) return branches[index];
  }
  const rootTypeOnly = (branch: Issue[]) =>
    branch.every((issue) => issue.path.length === 0 && issue.code === 'invalid_type');
  if (branches.every(rootTypeOnly)) return undefined;
  const score = (branch: Issue[]) => branch.filter((issue) => issue.path.length === 0).length * 1000 + branch.length;
  return [...branches].sort((a, b) => score(a) - score(b))[0];
}
