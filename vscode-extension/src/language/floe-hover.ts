// Hover documentation in a FLOE.yaml: every key (from the schema's descriptions, KEY_DOCS where it has none) and
// every event tag in `listen`/`wait` (which node emits it). Pure; hover-provider.ts wraps it.
import { parseTag } from '@floe/shared';
import { cursorContext } from './cursor-context.js';
import { KEY_DOCS } from './key-docs.js';
import { flowAtLine, scanNodes } from './scan-nodes.js';
import { describeSchema, propertySchemas, typeName } from './schema-at-path.js';

export interface FloeHover {
  markdown: string;
  /** 0-based line and the word's columns. */
  line: number;
  start: number;
  end: number;
}

/** Hover text at a 0-based line and character, or undefined when the cursor is on nothing documented. */
export function floeHover(text: string, line: number, character: number): FloeHover | undefined {
  const current = text.split(/\r?\n/)[line] ?? '';
  const word = wordAt(current, character);
  if (!word) return undefined;
  const key = /^(\s*)((?:-\s+)*)([^\s#:'"{[][^:#]*?):(\s|$)/.exec(current);
  if (key && word.start === (key[1] ?? '').length + (key[2] ?? '').length) {
    const name = (key[3] ?? '').trim();
    const context = cursorContext(text, line, word.start);
    const schemas = propertySchemas(context.path, name, context.itemFields);
    const description = schemas.map(describeSchema).find((text) => text !== undefined) ?? KEY_DOCS[name];
    if (schemas.length === 0 && description === undefined) return undefined;
    const type = schemas.length > 0 ? ` — ${[...new Set(schemas.map(typeName))].join(' or ')}` : '';
    return { markdown: `**${name}**${type}\n\n${description ?? ''}`.trim(), line, ...word };
  }
  const tag = parseTag(word.text);
  if (tag.kind === 'unknown') return undefined;
  if (tag.kind === 'trigger') return { markdown: '`trigger.good`: emitted when the run starts.', line, ...word };
  const flow = flowAtLine(text, line);
  const emitter = scanNodes(text).find(
    (node) => node.flow === flow && node.section === 'tasks' && node.id === tag.node,
  );
  const what =
    tag.kind === 'merge'
      ? 'when the merge has what it waits for'
      : tag.kind === 'task-status'
        ? `when it exits with code ${tag.exitCode} (with \`use-status\`)`
        : tag.outcome === 'good'
          ? 'when it succeeds'
          : tag.outcome === 'bad'
            ? 'when it fails'
            : 'when it could not execute at all';
  const where = emitter ? `line ${emitter.line + 1}` : 'no such node in this flow';
  return { markdown: `\`${word.text}\`: emitted by \`${tag.node}\` ${what} (${where}).`, line, ...word };
}

function wordAt(line: string, character: number): { text: string; start: number; end: number } | undefined {
  const isWord = (ch: string | undefined) => ch !== undefined && /[\w.-]/.test(ch);
  let start = character;
  while (start > 0 && isWord(line[start - 1])) start -= 1;
  let end = character;
  while (isWord(line[end])) end += 1;
  if (end === start) return undefined;
  return { text: line.slice(start, end), start, end };
}
