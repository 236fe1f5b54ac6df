// `floe migrate`: rewrites a file in the original floe's shape into today's. The `yaml` Document gives the exact
// place of every key and value, and each edit replaces only those characters of the text, so comments, blank
// lines, indentation and the order of keys stay as written. The edits are those of legacy-changes.ts, the list
// the linter reports, so a migrated file has no `legacy-*` finding left.
import { isMap, isNode, isScalar, LineCounter, type Node, type Pair, parseDocument, type YAMLMap } from 'yaml';
import { type LegacyEdit, legacyChanges } from './legacy-changes.js';
import type { DataPath } from './yaml-locator.js';

export interface Migration {
  /** The file in today's shape (the text given when nothing changed). */
  text: string;
  /** What was done, in file order: where, what (e.g. "`type` set to `push`"), and why. */
  changes: { line: number; column: number; done: string; why: string }[];
  /** Why the file cannot be migrated (a YAML syntax error), if it cannot. */
  problem?: string;
}

type Splice = { from: number; to: number; insert: string };

/** As parseFloeFile: a bigger file is not a flow definition. */
const MAX_BYTES = 2_000_000;

/** Never throws: a file it cannot read as YAML comes back unchanged, with `problem` saying why. */
export function migrateFloeFile(text: string): Migration {
  if (text.length > MAX_BYTES) {
    return {
      text,
      changes: [],
      problem: `it is ${text.length} characters long; a FLOE.yaml may hold at most ${MAX_BYTES}`,
    };
  }
  try {
    return migrate(text);
  } catch (error) {
    return {
      text,
      changes: [],
      problem: `it cannot be read: ${String((error as Error)?.message ?? error).split('\n')[0]}`,
    };
  }
}

function migrate(text: string): Migration {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, logLevel: 'error' });
  if (doc.errors.length > 0) {
    return { text, changes: [], problem: `it is not valid YAML: ${doc.errors[0]?.message.split('\n')[0]}` };
  }
  const changes: Migration['changes'] = [];
  const found: { path: DataPath; edits: LegacyEdit[]; why: string }[] = [];
  const root = doc.contents;
  const bases: DataPath[] = [];
  if (isMap(root) && (root.has('flows') || root.has('common'))) {
    if (root.has('common')) {
      const why = 'it configured the original floe server; here every key of it is ignored';
      found.push({ path: ['common'], edits: [{ op: 'remove', path: ['common'] }], why });
    }
    const flows = root.get('flows', true);
    if (flows && 'items' in flows && Array.isArray(flows.items))
      for (const i of flows.items.keys()) bases.push(['flows', i]);
  } else if (isMap(root)) {
    bases.push([]);
  }
  for (const base of bases) {
    const node = base.length === 0 ? doc.contents : doc.getIn(base, true);
    const raw = isNode(node) ? node.toJS(doc, { maxAliasCount: 100 }) : undefined;
    for (const change of legacyChanges(raw)) {
      const edits = change.migrate.map((edit) => ({ ...edit, path: [...base, ...edit.path] }));
      if (!edits[0]) continue;
      const why = change.migrateNote ? `${change.message} ${change.migrateNote}` : change.message;
      found.push({ path: edits[0].path, edits, why });
    }
  }

  const final = emptiedParents(
    root,
    found.flatMap((change) => change.edits),
  );
  const splices: Splice[] = [];
  for (const change of found) {
    const edits = change.edits.map((edit) => final.get(edit)).filter((edit): edit is LegacyEdit => edit !== undefined);
    if (edits.length === 0) continue;
    const key = pairAt(root, change.path)?.pair.key;
    const { line, col } = lineCounter.linePos(isNode(key) ? (key.range?.[0] ?? 0) : 0);
    changes.push({ line, column: col, done: describe(edits), why: change.why });
    for (const edit of edits) {
      const at = pairAt(root, edit.path);
      const splice = at && spliceFor(text, at.map, at.pair, edit);
      if (splice) splices.push(splice);
    }
  }
  changes.sort((a, b) => a.line - b.line || a.column - b.column);
  return { text: applySplices(text, splices), changes };
}

/**
 * Each edit as made: removing every key of a mapping would leave its key with no value (`opts:` alone is null, an
 * error), so the entry holding the mapping is removed instead (by the first of those edits; the others are gone).
 */
function emptiedParents(root: unknown, edits: LegacyEdit[]): Map<LegacyEdit, LegacyEdit | undefined> {
  const removed = new Map<string, number>();
  for (const edit of edits) {
    if (edit.op !== 'remove' || edit.path.length < 2) continue;
    const parent = JSON.stringify(edit.path.slice(0, -1));
    removed.set(parent, (removed.get(parent) ?? 0) + 1);
  }
  const out = new Map<LegacyEdit, LegacyEdit | undefined>();
  const emptied = new Set<string>();
  for (const edit of edits) {
    const parentPath = edit.path.slice(0, -1);
    const parent = JSON.stringify(parentPath);
    const map = pairAt(root, parentPath)?.pair.value;
    if (edit.op === 'remove' && isMap(map) && map.items.length === removed.get(parent)) {
      out.set(edit, emptied.has(parent) ? undefined : { op: 'remove', path: parentPath });
      emptied.add(parent);
    } else out.set(edit, edit);
  }
  return out;
}

function describe(edits: LegacyEdit[]): string {
  return edits
    .map((edit) => {
      const key = String(edit.path[edit.path.length - 1]);
      if (edit.op === 'remove') return `removed \`${key}\``;
      if (edit.op === 'rename') return `\`${key}\` → \`${edit.to}\``;
      return `\`${key}\` set to \`${edit.value}\``;
    })
    .join(', ');
}

/** The mapping entry at `path` and the mapping that holds it. */
function pairAt(root: unknown, path: DataPath): { map: YAMLMap; pair: Pair } | undefined {
  let current: unknown = root;
  for (const [i, step] of path.entries()) {
    if (isMap(current)) {
      const pair = current.items.find((item) => (isScalar(item.key) ? item.key.value : item.key) === step);
      if (!pair) return undefined;
      if (i === path.length - 1) return { map: current, pair };
      current = pair.value;
    } else if (current && typeof current === 'object' && 'items' in current && typeof step === 'number') {
      current = (current as { items: unknown[] }).items[step];
    } else return undefined;
  }
  return undefined;
}

/** The characters to replace for one edit: the key, the value, or the whole entry (with its line in a block). */
function spliceFor(text: string, map: YAMLMap, pair: Pair, edit: LegacyEdit): Splice | undefined {
  const key = isNode(pair.key) ? pair.key : undefined;
  const value = isNode(pair.value) ? (pair.value as Node) : undefined;
  if (!key?.range) return undefined;
  if (edit.op === 'rename') return { from: key.range[0], to: key.range[1], insert: edit.to };
  if (edit.op === 'set') {
    if (!isScalar(value) || !value.range) return undefined;
    return { from: value.range[0], to: value.range[1], insert: edit.value };
  }
  const end = value?.range ? Math.max(value.range[1], value.range[2]) : key.range[1];
  if (map.flow) {
    // `{a: 1, b: 2}`: the entry and one comma beside it.
    const after = /^\s*,\s*/.exec(text.slice(end));
    if (after) return { from: key.range[0], to: end + after[0].length, insert: '' };
    const before = /,\s*$/.exec(text.slice(0, key.range[0]));
    return { from: before ? key.range[0] - before[0].length : key.range[0], to: end, insert: '' };
  }
  const from = text.lastIndexOf('\n', key.range[0] - 1) + 1;
  const newline = text.indexOf('\n', Math.max(end - 1, from));
  // A block value's range may end at the start of the next line already.
  const to = end > 0 && text[end - 1] === '\n' ? end : newline < 0 ? text.length : newline + 1;
  return { from, to, insert: '' };
}

/** Applies splices from the last to the first; one that overlaps an applied one (inside a removed entry) is skipped. */
function applySplices(text: string, splices: Splice[]): string {
  let out = text;
  let floor = Number.POSITIVE_INFINITY;
  for (const splice of [...splices].sort((a, b) => b.from - a.from || b.to - a.to)) {
    if (splice.to > floor) continue;
    out = out.slice(0, splice.from) + splice.insert + out.slice(splice.to);
    floor = splice.from;
  }
  return out;
}
