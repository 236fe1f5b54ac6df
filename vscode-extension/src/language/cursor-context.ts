// Where the cursor is in a FLOE.yaml, read from indentation alone. Completion runs on half-typed files that a YAML
// parser reads differently from what the person means (a new `lis` line continues the scalar above it), so the
// path of keys is found the way a person reads it: by walking up to the lines that are less indented.

/** `[]` stands for "an item of the list". */
export type YamlPathPart = string;

export interface CursorContext {
  /** Keys (and `[]` for list items) from the root to the mapping the cursor is in (kind `key`) or to the key whose value it is in. */
  path: YamlPathPart[];
  /** Typing a key, a value after `key:`, or an item of a list of scalars (`- task.a.good` under `wait:`). */
  kind: 'key' | 'value';
  /** What is typed so far of the word at the cursor. */
  prefix: string;
  /** 0-based column where `prefix` starts on the cursor's line. */
  prefixStart: number;
  /** The scalar `key: value` pairs of the innermost mapping the cursor is in (to tell a task's type). */
  siblings: Record<string, string>;
  /** The scalar pairs of the innermost list item around the cursor (a task's `type`, `class`), even from inside its `opts`. */
  itemFields: Record<string, string>;
}

interface LineShape {
  indent: number;
  /** Column where the line's key (or scalar) starts, after any `- ` markers. */
  keyColumn: number;
  dashed: boolean;
  key?: string;
  /** The text after `key:`, trimmed. */
  value?: string;
}

const KEY_LINE = /^(\s*)((?:-\s+)*)([^\s#:'"{[][^:#]*?):(?:\s+(.*)|)$/;

function shapeOf(line: string): LineShape | undefined {
  if (line.trim() === '' || line.trim().startsWith('#')) return undefined;
  const key = KEY_LINE.exec(line);
  if (key) {
    const [, ws = '', dashes = '', name = '', value] = key;
    return {
      indent: ws.length,
      keyColumn: ws.length + dashes.length,
      dashed: dashes !== '',
      key: name.trim(),
      value: stripComment(value ?? '').trim(),
    };
  }
  const plain = /^(\s*)((?:-\s*)*)/.exec(line) as RegExpExecArray;
  const ws = plain[1] ?? '';
  const dashes = plain[2] ?? '';
  return { indent: ws.length, keyColumn: ws.length + dashes.length, dashed: dashes.trim() !== '' };
}

function stripComment(value: string): string {
  const at = value.search(/\s#/);
  return at === -1 ? value : value.slice(0, at);
}

/** Reads the cursor's context at a 0-based line and character. */
export function cursorContext(text: string, line: number, character: number): CursorContext {
  const lines = text.split(/\r?\n/);
  const current = lines[line] ?? '';
  const before = current.slice(0, character);
  const path: YamlPathPart[] = [];
  let kind: CursorContext['kind'];
  let prefix: string;
  let prefixStart: number;
  // The column whose parent is looked for, and whether that column is a list's dash (its parent is the list's key).
  let column: number;
  let seekingList = false;

  const keyValue =
    /^(\s*)((?:-\s+)*)([^\s#:'"{[][^:#]*?):\s+(.*)$/.exec(before) ??
    /^(\s*)((?:-\s+)*)([^\s#:'"{[][^:#]*?):()$/.exec(before);
  if (keyValue) {
    const [, ws = '', dashes = '', key = '', value = ''] = keyValue;
    kind = 'value';
    const word = /[^\s[\],'"]*$/.exec(value)?.[0] ?? '';
    prefix = word;
    prefixStart = character - word.length;
    path.push(key.trim());
    if (dashes !== '') {
      path.unshift('[]');
      column = ws.length;
      seekingList = true;
    } else {
      column = ws.length;
    }
  } else {
    const typed = /^(\s*)((?:-\s*)*)(.*)$/.exec(before) as RegExpExecArray;
    const [, ws = '', dashes = '', word = ''] = typed;
    prefix = word.trimStart();
    prefixStart = character - prefix.length;
    if (dashes.trim() !== '') {
      path.push('[]');
      column = ws.length;
      seekingList = true;
    } else {
      column = ws.length;
    }
    kind = 'key';
  }

  let siblingsColumn = kind === 'key' ? (seekingList ? -1 : column) : column + (seekingList ? 2 : 0);
  const siblings: Record<string, string> = {};
  const collectSibling = (shape: LineShape) => {
    if (
      shape.key !== undefined &&
      shape.value !== undefined &&
      shape.value !== '' &&
      shape.keyColumn === siblingsColumn
    ) {
      siblings[shape.key] ??= unquote(shape.value);
    }
  };
  // Siblings below the cursor, up to the end of the mapping.
  if (siblingsColumn >= 0) {
    for (let index = line + 1; index < lines.length; index += 1) {
      const shape = shapeOf(lines[index] ?? '');
      if (!shape) continue;
      if (shape.keyColumn < siblingsColumn || (shape.dashed && shape.indent <= siblingsColumn)) break;
      collectSibling(shape);
    }
  }

  for (let index = line - 1; index >= 0 && column > 0; index -= 1) {
    const shape = shapeOf(lines[index] ?? '');
    if (!shape) continue;
    if (siblingsColumn >= 0) collectSibling(shape);
    if (shape.dashed) {
      if (seekingList) {
        if (shape.indent < column) {
          // An item of an outer list holding the key of our list.
          if (shape.key !== undefined) path.unshift(shape.key);
          path.unshift('[]');
          column = shape.indent;
          siblingsColumn = -1;
        }
        continue;
      }
      if (shape.keyColumn === column) {
        // Our mapping is this list item's mapping.
        path.unshift('[]');
        column = shape.indent;
        seekingList = true;
        siblingsColumn = -1;
      } else if (shape.keyColumn < column && shape.key !== undefined) {
        path.unshift('[]', shape.key);
        column = shape.indent;
        seekingList = true;
        siblingsColumn = -1;
      }
      continue;
    }
    if (shape.key === undefined) continue;
    if (shape.keyColumn < column || (seekingList && shape.keyColumn === column && shape.value === '')) {
      path.unshift(shape.key);
      column = shape.keyColumn;
      seekingList = false;
      siblingsColumn = -1;
    }
  }
  return { path, kind, prefix, prefixStart, siblings, itemFields: enclosingItemFields(lines, line, character) };
}

/** The pairs of the innermost list item whose mapping holds the cursor. */
function enclosingItemFields(lines: string[], line: number, character: number): Record<string, string> {
  const fields: Record<string, string> = {};
  const own = shapeOf(lines[line] ?? '');
  let start = -1;
  let itemColumn = -1;
  if (own?.dashed && own.key !== undefined && character >= own.keyColumn) {
    start = line;
    itemColumn = own.keyColumn;
  } else {
    let column = own && (lines[line] ?? '').slice(0, character).trim() !== '' ? own.keyColumn : character;
    for (let index = line - 1; index >= 0; index -= 1) {
      const shape = shapeOf(lines[index] ?? '');
      if (!shape) continue;
      if (shape.dashed && shape.keyColumn <= column) {
        start = index;
        itemColumn = shape.keyColumn;
        break;
      }
      if (shape.keyColumn < column) column = shape.keyColumn;
    }
  }
  if (start < 0) return fields;
  for (let index = start; index < lines.length; index += 1) {
    const shape = shapeOf(lines[index] ?? '');
    if (!shape) continue;
    if (index > start && (shape.keyColumn < itemColumn || (shape.dashed && shape.indent < itemColumn))) break;
    if (shape.keyColumn === itemColumn && shape.key !== undefined && shape.value)
      fields[shape.key] ??= unquote(shape.value);
  }
  return fields;
}

function unquote(value: string): string {
  return value.replace(/^(['"])(.*)\1$/, '$2');
}
