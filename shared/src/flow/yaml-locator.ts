// Turns a path into the parsed data (`['tasks', 2, 'opts', 'cmd']`) back into the place in the YAML text it came
// from, so that every diagnostic points at the exact key or value a person wrote.
import { type Document, isAlias, isMap, isNode, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import { FILE_START, type Range } from './diagnostic.js';

export type DataPath = readonly PropertyKey[];

/** What part of the entry at the end of a path to point at. */
export type PathPart = 'key' | 'value' | 'head';

export interface YamlLocator {
  /**
   * The range of the entry at `path`: its key (`key`), its value (`value`), or the first line of its value
   * (`head`, for a whole task or flow). When the path leads somewhere that does not exist (a missing key), the
   * range of the deepest existing ancestor's key (or first line) is returned. Never throws.
   */
  locate(path: DataPath, part?: PathPart): Range;
  /** The YAML node at `path`, or undefined when the path does not lead to one. */
  nodeAt(path: DataPath): Node | undefined;
}

export function yamlLocator(doc: Document, lineCounter: LineCounter, text: string): YamlLocator {
  const toRange = (start: number, end: number): Range => {
    const clampedStart = Math.max(0, Math.min(start, text.length));
    const clampedEnd = Math.max(clampedStart, Math.min(end, text.length));
    const from = lineCounter.linePos(clampedStart);
    const to = lineCounter.linePos(clampedEnd);
    if (to.line === from.line && to.col <= from.col) {
      return { line: from.line, column: from.col, endLine: from.line, endColumn: from.col + 1 };
    }
    return { line: from.line, column: from.col, endLine: to.line, endColumn: to.col };
  };
  const nodeRange = (node: Node | null | undefined): Range | undefined => {
    if (!node?.range) return undefined;
    // A block collection's range runs to the start of the next entry; a person expects it to end at its text.
    let end = node.range[1];
    while (end > node.range[0] && /\s/.test(text[end - 1] ?? '')) end--;
    return toRange(node.range[0], end);
  };
  const headRange = (node: Node | null | undefined): Range | undefined => {
    if (!node?.range) return undefined;
    const start = node.range[0];
    const newline = text.indexOf('\n', start);
    const lineEnd = newline < 0 ? text.length : newline;
    return toRange(start, Math.min(lineEnd, node.range[1]));
  };

  /** Walks the path; returns the pairs' keys and values met on the way (deepest last). */
  const walk = (path: DataPath) => {
    type Step = { key: Node | undefined; value: Node | undefined };
    const steps: Step[] = [{ key: undefined, value: isNode(doc.contents) ? doc.contents : undefined }];
    let current: unknown = doc.contents;
    let guard = 0;
    for (const segment of path) {
      while (isAlias(current) && guard++ < 100) current = current.resolve(doc);
      if (isMap(current)) {
        const pair = current.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
        if (!pair) break;
        const key = isNode(pair.key) ? pair.key : undefined;
        const value = isNode(pair.value) ? pair.value : undefined;
        steps.push({ key, value });
        current = pair.value;
      } else if (isSeq(current) && typeof segment === 'number') {
        const item = current.items[segment];
        if (!isNode(item)) break;
        steps.push({ key: undefined, value: item });
        current = item;
      } else {
        break;
      }
    }
    return { steps, complete: steps.length === path.length + 1 };
  };

  const locate = (path: DataPath, part: PathPart = 'value'): Range => {
    try {
      const { steps, complete } = walk(path);
      const last = steps[steps.length - 1];
      if (!last) return FILE_START;
      if (complete) {
        if (part === 'key') return nodeRange(last.key) ?? headRange(last.value) ?? FILE_START;
        if (part === 'head') return headRange(last.value) ?? nodeRange(last.key) ?? FILE_START;
        return nodeRange(last.value) ?? nodeRange(last.key) ?? FILE_START;
      }
      // A missing entry: point at the key that holds its parent (`opts:`) or the first line of the parent.
      return nodeRange(last.key) ?? headRange(last.value) ?? FILE_START;
    } catch {
      return FILE_START;
    }
  };

  const nodeAt = (path: DataPath): Node | undefined => {
    try {
      const { steps, complete } = walk(path);
      return complete ? steps[steps.length - 1]?.value : undefined;
    } catch {
      return undefined;
    }
  };

  return { locate, nodeAt };
}

/** The text of a map key as `toJS` would spell it (keys are mostly plain scalars). */
function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  if (isNode(key)) return String(key.toJSON());
  return String(key);
}
