// The triggers and nodes of a FLOE.yaml as written, found line by line so that a half-typed file still yields
// them (completion and "go to node" run while the file is broken). The linter's positions are used where the
// file parses (see go-to-node.ts); this is the tolerant fallback and the source of event tags to complete.
import { type EmitterNode, emittableTags, TRIGGER_GOOD } from '@floe/shared';
import { cursorContext } from './cursor-context.js';

export interface ScannedNode {
  /** Which flow of the file (0 for a one-flow file; the index under `flows:` otherwise). */
  flow: number;
  section: 'tasks' | 'triggers';
  id: string;
  /** The scalars of the item (`type`, `class`, `use-status`, …). */
  fields: Record<string, string>;
  /** 0-based line and column of the item's first key. */
  line: number;
  character: number;
}

/** Every trigger and node of the file, in file order. */
export function scanNodes(text: string): ScannedNode[] {
  const lines = text.split(/\r?\n/);
  const nodes: ScannedNode[] = [];
  let flow = 0;
  let flowsSeen = 0;
  lines.forEach((line, index) => {
    const dashed = /^(\s*)-\s+(?=[^\s#])/.exec(line);
    if (!dashed) return;
    const column = dashed[0].length;
    const context = cursorContext(text, index, column + 1);
    const path = context.path;
    if (path.length === 2 && path[0] === 'flows' && path[1] === '[]') {
      flow = flowsSeen;
      flowsSeen += 1;
      return;
    }
    const section = path.at(-2);
    const insideFlow = path.length === 2 || (path.length === 4 && path[0] === 'flows');
    if (!insideFlow || path.at(-1) !== '[]' || (section !== 'tasks' && section !== 'triggers')) return;
    const fields = context.itemFields;
    const id = fields.id ?? fields.name;
    if (id === undefined) return;
    nodes.push({ flow: path[0] === 'flows' ? flow : 0, section, id, fields, line: index, character: column });
  });
  return nodes;
}

/** The flow (index, as in `ScannedNode.flow`) that holds a 0-based line. */
export function flowAtLine(text: string, line: number): number {
  let flow = -1;
  text
    .split(/\r?\n/)
    .slice(0, line + 1)
    .forEach((current, index) => {
      if (!/^\s*-\s+\S/.test(current)) return;
      const dash = (/^\s*-\s+/.exec(current) as RegExpExecArray)[0].length;
      const path = cursorContext(text, index, dash + 1).path;
      if (path.length === 2 && path[0] === 'flows') flow += 1;
    });
  return Math.max(flow, 0);
}

export interface EventTagChoice {
  tag: string;
  /** The node that emits it (`trigger` for trigger.good). */
  from: string;
  detail: string;
}

/** The event tags the nodes of one flow can emit, for `listen` and `wait` (DESIGN §3 "Events"). */
export function eventTagsOfFlow(nodes: readonly ScannedNode[], flow: number, exceptNode?: string): EventTagChoice[] {
  const choices: EventTagChoice[] = [{ tag: TRIGGER_GOOD, from: 'trigger', detail: 'when the run starts' }];
  for (const node of nodes) {
    if (node.flow !== flow || node.section !== 'tasks' || node.id === exceptNode) continue;
    const { fields } = node;
    // emittableTags reads only id, class, type, ignore-fail and use-status: the grammar stays in one place.
    const shape: EmitterNode =
      fields.class === 'merge'
        ? { id: node.id, class: 'merge' }
        : {
            id: node.id,
            type: fields.type ?? 'exec',
            'ignore-fail': fields['ignore-fail'] === 'true',
            'use-status': fields['use-status'] === 'true',
          };
    const { tags, statusCodes } = emittableTags(shape);
    for (const tag of tags) choices.push({ tag, from: node.id, detail: `emitted by ${node.id}` });
    if (statusCodes)
      choices.push({ tag: `task.${node.id}.0`, from: node.id, detail: `${node.id} exited 0 (any code)` });
  }
  return choices;
}
