// The event-tag grammar of the original floe, kept (DESIGN §3 "Events"). The engine routes on these strings and
// the linter checks `listen`/`wait` against what nodes can emit; both import this one file.
import type { ResolvedMerge } from './flow-schema.js';

export const TRIGGER_GOOD = 'trigger.good';

export const taskTag = (id: string, outcome: 'good' | 'bad' | 'error' | number): string => `task.${id}.${outcome}`;
export const mergeGood = (id: string): string => `merge.${id}.good`;

export type ParsedTag =
  | { kind: 'trigger' }
  | { kind: 'task'; node: string; outcome: 'good' | 'bad' | 'error' }
  | { kind: 'task-status'; node: string; exitCode: number }
  | { kind: 'merge'; node: string }
  | { kind: 'unknown' };

/** Reads a tag such as `task.build.good`, `task.test.3` or `merge.all.good`. Node ids may contain dots only here. */
export function parseTag(tag: string): ParsedTag {
  if (tag === TRIGGER_GOOD) return { kind: 'trigger' };
  const task = /^task\.(.+)\.(good|bad|error|-?\d+)$/.exec(tag);
  if (task) {
    const [, node, outcome] = task as unknown as [string, string, string];
    if (outcome === 'good' || outcome === 'bad' || outcome === 'error') return { kind: 'task', node, outcome };
    return { kind: 'task-status', node, exitCode: Number(outcome) };
  }
  const merge = /^merge\.(.+)\.good$/.exec(tag);
  if (merge) return { kind: 'merge', node: merge[1] as string };
  return { kind: 'unknown' };
}

/**
 * What decides the tags a node can emit: a resolved node has it, and so has the editor's scan of a half-written file
 * (vscode-extension/src/language/scan-nodes.ts), whose type may be one no task has yet (it emits like `exec`).
 */
export type EmitterNode =
  | Pick<ResolvedMerge, 'class' | 'id'>
  | { class?: 'task' | undefined; id: string; type: string; 'ignore-fail'?: boolean; 'use-status'?: boolean };

/**
 * What a node can emit. A `use-status` task emits `task.<id>.<code>` for any code, which a finite list cannot
 * hold: `statusCodes` is true for such a node and every `task.<id>.<integer>` tag counts as emittable.
 * `end` nodes emit nothing; `data` nodes emit good (approved) or bad (rejected).
 */
export function emittableTags(node: EmitterNode): { tags: string[]; statusCodes: boolean } {
  if (node.class === 'merge') return { tags: [mergeGood(node.id)], statusCodes: false };
  switch (node.type) {
    case 'end':
      return { tags: [], statusCodes: false };
    case 'data':
      return { tags: [taskTag(node.id, 'good'), taskTag(node.id, 'bad')], statusCodes: false };
    default: {
      if (node['ignore-fail']) return { tags: [taskTag(node.id, 'good')], statusCodes: false };
      const tags = node['use-status'] ? [taskTag(node.id, 'bad')] : [taskTag(node.id, 'good'), taskTag(node.id, 'bad')];
      tags.push(taskTag(node.id, 'error'));
      return { tags, statusCodes: node['use-status'] === true };
    }
  }
}

/** Whether `tag` is one that `node` can emit (see `emittableTags`). */
export function canEmit(node: EmitterNode, tag: string): boolean {
  const { tags, statusCodes } = emittableTags(node);
  if (tags.includes(tag)) return true;
  if (!statusCodes) return false;
  const parsed = parseTag(tag);
  return parsed.kind === 'task-status' && parsed.node === node.id;
}
