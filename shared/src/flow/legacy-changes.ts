// The original floe's spellings, each with what it means here: a warning for the linter (never an error, DESIGN
// §8 "Options": a file the original accepted must still parse here to the same meaning), the edit the parser makes
// before the schema reads the data, and the edit `floe migrate` makes to the file to bring it into today's shape.
import type { Diagnostic } from './diagnostic.js';
import type { diagnosticMaker } from './flow-source.js';
import type { DataPath, PathPart } from './yaml-locator.js';

type Make = ReturnType<typeof diagnosticMaker>;

/** One change to a flow's data or YAML, at a path relative to the flow. */
export type LegacyEdit =
  | { op: 'rename'; path: DataPath; to: string }
  | { op: 'set'; path: DataPath; value: string }
  | { op: 'remove'; path: DataPath };

export interface LegacyChange {
  code: 'legacy-key-ignored' | 'legacy-key-mapped';
  /** Where the finding points, relative to the flow. */
  path: DataPath;
  part: PathPart;
  message: string;
  hint?: string;
  /** Made to the data before the schema reads it, so that it means what it meant to the original. */
  parse: LegacyEdit[];
  /** Made by `floe migrate`, in order. */
  migrate: LegacyEdit[];
  /** What `floe migrate` changes in how the flow runs, when its edit does (printed with the change). */
  migrateNote?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const COMMON_HINTS: Record<string, string> = {
  hosts: 'runners connect to the hub instead (`floe runner start`)',
  'base-url': "the hub's address is its --public-url",
  'config-path': 'the hub reads FLOE.yaml from each repository',
  'store-type': 'the hub keeps runs in its own database',
  'store-root': 'the hub keeps runs in its own database',
  'workspace-root': 'each runner chooses its workspace folder (--work-dir)',
  'git-key': 'runners use their own git credentials',
  'key-file': 'runners use their own git credentials',
};

/** Warnings for the `common:` section, which is ignored as a whole; `make` locates paths from the document root. */
export function commonDiagnostics(common: unknown, make: Make): Diagnostic[] {
  if (common === null || common === undefined) return [];
  if (!isRecord(common)) {
    return [
      make(
        'legacy-key-ignored',
        '`common:` is a section of the original floe server; it is ignored.',
        ['common'],
        'key',
      ),
    ];
  }
  return Object.keys(common).map((key) =>
    key in COMMON_HINTS
      ? make(
          'legacy-key-ignored',
          `\`common: ${key}\` is a setting of the original floe server; it is ignored.`,
          ['common', key],
          'key',
          COMMON_HINTS[key],
        )
      : make(
          'legacy-key-ignored',
          `\`common: ${key}\` is not a setting even the original floe knew; it is ignored.`,
          ['common', key],
          'key',
        ),
  );
}

/** The original's keys and types inside one flow (its data as written), with their findings and edits. */
export function legacyChanges(flow: unknown): LegacyChange[] {
  if (!isRecord(flow)) return [];
  const out: LegacyChange[] = [];
  const change = (
    code: LegacyChange['code'],
    path: DataPath,
    part: PathPart,
    message: string,
    edits: { hint?: string | undefined; parse?: LegacyEdit[]; migrate: LegacyEdit[]; migrateNote?: string },
  ) => {
    out.push({
      code,
      path,
      part,
      message,
      ...(edits.hint ? { hint: edits.hint } : {}),
      parse: edits.parse ?? [],
      migrate: edits.migrate,
      ...(edits.migrateNote ? { migrateNote: edits.migrateNote } : {}),
    });
  };
  const remove = (path: DataPath): LegacyEdit => ({ op: 'remove', path });
  const each = (
    section: string,
    visit: (node: Record<string, unknown>, opts: Record<string, unknown>, at: DataPath) => void,
  ) => {
    const nodes = flow[section];
    if (!Array.isArray(nodes)) return;
    nodes.forEach((node, index) => {
      if (isRecord(node)) visit(node, isRecord(node.opts) ? node.opts : {}, [section, index]);
    });
  };

  if ('subs' in flow) {
    change('legacy-key-ignored', ['subs'], 'key', '`subs:` is ignored (the original floe ignored it too).', {
      hint: 'a flow is started by its `triggers:`',
      parse: [remove(['subs'])],
      migrate: [remove(['subs'])],
    });
  }

  const forms = (opts: Record<string, unknown>, at: DataPath) => {
    const formAt = [...at, 'opts', 'form'];
    if (isRecord(opts.form) && Array.isArray(opts.form.fields)) {
      opts.form.fields.forEach((field, i) => {
        if (!isRecord(field) || field.type !== 'string') return;
        const path = [...formAt, 'fields', i, 'type'];
        const edit: LegacyEdit = { op: 'set', path, value: 'text' };
        change('legacy-key-mapped', path, 'value', 'Form field type `string` is read as `text`.', {
          hint: 'write `type: text`',
          parse: [edit],
          migrate: [edit],
        });
      });
    }
    // The original read its forms by the literal key `form`: a capitalised `Form` (its own test config has one)
    // was kept as data but never shown, so a run started with no form.
    if (!('Form' in opts) || 'form' in opts) return;
    const upper = [...at, 'opts', 'Form'];
    change(
      'legacy-key-ignored',
      upper,
      'key',
      '`Form` is ignored: the original floe read only a lower-case `form`, so this form was never shown.',
      {
        hint: 'write `form:` (with lower-case keys inside) to show it',
        parse: [remove(upper)],
        migrate: lowerCaseForm(opts.Form, upper),
        migrateNote: 'Now `form:`, it is shown: a run asks for its fields.',
      },
    );
  };

  each('triggers', (node, opts, at) => {
    if (node.type === 'git-push') {
      const path = [...at, 'type'];
      change(
        'legacy-key-mapped',
        path,
        'value',
        'Trigger type `git-push` is the old name of `push`; it runs as `push`.',
        {
          hint: 'write `type: push`',
          migrate: [{ op: 'set', path, value: 'push' }],
        },
      );
    }
    if ((node.type === 'push' || node.type === 'git-push') && 'url' in opts) {
      const path = [...at, 'opts', 'url'];
      change(
        'legacy-key-ignored',
        path,
        'key',
        'A push trigger ignores `url`: it fires for pushes to the repository that holds this file.',
        { migrate: [remove(path)] },
      );
    }
    if (node.type === 'poll-git' && 'exclude-refs' in opts) {
      const path = [...at, 'opts', 'exclude-refs'];
      change('legacy-key-ignored', path, 'key', '`exclude-refs` is ignored (the original floe ignored it too).', {
        hint: 'use `exclude` (a regular expression of refs)',
        migrate: [remove(path)],
      });
    }
    if (node.type === 'data') forms(opts, at);
  });

  each('tasks', (node, opts, at) => {
    if (node.class === 'merge') return;
    if (node.type === 'data') forms(opts, at);
    if (node.type === 'git-merge') {
      const path = [...at, 'type'];
      change(
        'legacy-key-mapped',
        path,
        'value',
        `Task type \`git-merge\` was a stub in the original floe; it checks out like \`git-checkout\` (merging nothing), and fails without \`from-branch\` as the original did${'from-branch' in opts || formHas(flow, 'from-branch') ? '' : ': this one has none, so it always fails'}.`,
        {
          hint: 'write `type: git-checkout`',
          migrateNote: 'As git-checkout it no longer needs `from-branch`.',
          migrate: [
            { op: 'set', path, value: 'git-checkout' },
            ...('from-branch' in opts ? [remove([...at, 'opts', 'from-branch'])] : []),
          ],
        },
      );
    }
    if (node.type !== 'git-checkout' && node.type !== 'git-merge') return;
    if ('branch' in opts) {
      const path = [...at, 'opts', 'branch'];
      const both = 'ref' in opts;
      change(
        'legacy-key-mapped',
        path,
        'key',
        both
          ? '`branch` is the old name of `ref`, and `ref` is also given: `branch` is ignored.'
          : '`branch` is the old name of `ref`; it is used as `ref`.',
        { hint: 'write `ref:`', migrate: [both ? remove(path) : { op: 'rename', path, to: 'ref' }] },
      );
    }
    if ('key-file' in opts) {
      const path = [...at, 'opts', 'key-file'];
      change('legacy-key-ignored', path, 'key', '`key-file` is ignored: the runner uses its own git credentials.', {
        migrate: [remove(path)],
      });
    }
    const ignored = node.type === 'git-merge' ? ['hash'] : ['hash', 'from-branch'];
    for (const key of ignored) {
      if (!(key in opts)) continue;
      const path = [...at, 'opts', key];
      change('legacy-key-ignored', path, 'key', `\`${key}\` is ignored (the original floe ignored it too).`, {
        hint: key === 'hash' ? 'use `ref` to check out a commit' : undefined,
        migrate: [remove(path)],
      });
    }
  });
  return out;
}

/** Whether a data trigger's form has a field `id` (its value reached trigger.good listeners in the original). */
function formHas(flow: Record<string, unknown>, id: string): boolean {
  const triggers = Array.isArray(flow.triggers) ? flow.triggers : [];
  return triggers.some((trigger) => {
    const form = isRecord(trigger) && isRecord(trigger.opts) ? trigger.opts.form : undefined;
    return isRecord(form) && Array.isArray(form.fields) && form.fields.some((f) => isRecord(f) && f.id === id);
  });
}

/** `Form: {Title, Fields: [{Id, Prompt, Type, Value}]}` → `form: {title, fields: [{id, prompt, type, value}]}`. */
function lowerCaseForm(form: unknown, at: DataPath): LegacyEdit[] {
  const edits: LegacyEdit[] = [];
  const lowerKeys = (value: unknown, path: DataPath) => {
    if (!isRecord(value)) return;
    for (const key of Object.keys(value)) {
      if (key !== key.toLowerCase() && !(key.toLowerCase() in value)) {
        edits.push({ op: 'rename', path: [...path, key], to: key.toLowerCase() });
      }
    }
  };
  if (isRecord(form)) {
    const fieldsKey = Object.keys(form).find((key) => key.toLowerCase() === 'fields');
    const fields = fieldsKey === undefined ? undefined : form[fieldsKey];
    if (Array.isArray(fields)) {
      fields.forEach((field, i) => {
        const path = [...at, fieldsKey as string, i];
        const typeKey = isRecord(field) ? Object.keys(field).find((key) => key.toLowerCase() === 'type') : undefined;
        if (typeKey !== undefined && isRecord(field) && field[typeKey] === 'string') {
          edits.push({ op: 'set', path: [...path, typeKey], value: 'text' });
        }
        lowerKeys(field, path);
      });
    }
    lowerKeys(form, at);
  }
  edits.push({ op: 'rename', path: at, to: 'form' });
  return edits;
}

/** A copy of `data` with the edits made (paths that lead nowhere are skipped); `data` is not changed. */
export function applyEdits<T>(data: T, edits: readonly LegacyEdit[]): T {
  if (edits.length === 0) return data;
  const copy = structuredClone(data);
  for (const edit of edits) {
    const parent = edit.path
      .slice(0, -1)
      .reduce<unknown>(
        (node, key) =>
          isRecord(node) || Array.isArray(node) ? (node as Record<PropertyKey, unknown>)[key] : undefined,
        copy,
      );
    const key = edit.path[edit.path.length - 1] as PropertyKey;
    if (!isRecord(parent) || !(key in parent)) continue;
    const target = parent as Record<PropertyKey, unknown>;
    if (edit.op === 'remove') delete target[key];
    else if (edit.op === 'set') target[key] = edit.value;
    else {
      target[edit.to] = target[key];
      delete target[key];
    }
  }
  return copy;
}
