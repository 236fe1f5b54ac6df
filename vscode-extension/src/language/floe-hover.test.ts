import { describe, expect, it } from 'vitest';
import { floeCompletions } from './floe-completions.js';
import { floeHover } from './floe-hover.js';

const FLOW = `id: build
timeout: 30m
tasks:
  - id: compile
    type: exec
    retry: 2
    listen: trigger.good
  - id: test
    type: exec
    listen: task.compile.bad
`;

describe('floeHover', () => {
  it('documents a task key from the schema', () => {
    expect(floeHover(FLOW, 5, 5)?.markdown).toBe('**retry** — integer\n\nRe-execute a bad task up to N more times.');
  });

  it('documents a flow key', () => {
    expect(floeHover(FLOW, 1, 2)?.markdown).toContain('Run timeout.');
  });

  it.each([
    ['id: a\n', ''],
    ['tasks:\n  - id: one\n    type: exec\n', '    '],
    ['tasks:\n  - id: one\n    type: exec\n    opts:\n', '      '],
    ['tasks:\n  - id: one\n    type: git-checkout\n    opts:\n', '      '],
    ['tasks:\n  - id: one\n    type: fetch\n    opts:\n', '      '],
    ['tasks:\n  - id: one\n    class: merge\n', '    '],
    ['triggers:\n  - id: one\n    type: data\n    opts:\n', '      '],
    ['triggers:\n  - id: one\n    type: push\n    opts:\n', '      '],
  ])('documents every key that completion offers after %j', (head, indent) => {
    const line = head.split('\n').length - 1;
    const keys = floeCompletions(`${head}${indent}\n`, line, indent.length).items.map((item) => item.label);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      const hover = floeHover(`${head}${indent}${key}: x\n`, line, indent.length + 1);
      expect(hover?.markdown ?? '', key).toMatch(/\n\n\w/);
    }
  });

  it('says which node emits an event tag', () => {
    expect(floeHover(FLOW, 9, 20)).toMatchObject({
      markdown: '`task.compile.bad`: emitted by `compile` when it fails (line 4).',
      line: 9,
      start: 12,
      end: 28,
    });
  });

  it('says so when no node emits a tag', () => {
    expect(floeHover('tasks:\n  - id: a\n    listen: task.zzz.good\n', 2, 16)?.markdown).toContain('no such node');
  });
});
