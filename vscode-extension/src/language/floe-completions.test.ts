import { describe, expect, it } from 'vitest';
import { floeCompletions } from './floe-completions.js';

function labelsAt(marked: string): string[] {
  const offset = marked.indexOf('|');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const before = text.slice(0, offset).split('\n');
  return floeCompletions(text, before.length - 1, (before.at(-1) ?? '').length).items.map((item) => item.label);
}

const FLOW = `id: build
tasks:
  - id: compile
    type: exec
    listen: trigger.good
    opts: {cmd: make}
  - id: approve
    type: data
    listen: task.compile.good
`;

describe('floeCompletions', () => {
  it('offers the event tags of the file for listen, without the node itself', () => {
    const labels = labelsAt(`${FLOW}  - id: ship\n    type: exec\n    listen: |\n`);
    expect(labels).toEqual([
      'trigger.good',
      'task.compile.good',
      'task.compile.bad',
      'task.compile.error',
      'task.approve.good',
      'task.approve.bad',
    ]);
  });

  it('offers event tags in a wait list', () => {
    const labels = labelsAt(`${FLOW}  - id: both\n    class: merge\n    wait:\n      - |\n`);
    expect(labels).toContain('task.approve.good');
    expect(labels).not.toContain('merge.both.good');
  });

  it('offers task keys not yet written', () => {
    const labels = labelsAt('id: a\ntasks:\n  - id: one\n    type: exec\n    |\n');
    expect(labels).toEqual(expect.arrayContaining(['listen', 'opts', 'timeout', 'retry', 'use-status']));
    expect(labels).not.toContain('id');
    expect(labels).not.toContain('type');
  });

  it('offers the options of the task type under opts', () => {
    expect(labelsAt('tasks:\n  - id: one\n    type: exec\n    opts:\n      |\n')).toEqual(
      expect.arrayContaining(['cmd', 'shell', 'args', 'sub-dir', 'env']),
    );
    const checkout = labelsAt('tasks:\n  - id: one\n    type: git-checkout\n    opts:\n      |\n');
    expect(checkout).toContain('ref');
    expect(checkout).not.toContain('shell');
  });

  it('offers task types and trigger types', () => {
    expect(labelsAt('tasks:\n  - id: one\n    type: |\n')).toEqual(
      expect.arrayContaining(['exec', 'git-checkout', 'fetch', 'timer', 'data', 'end']),
    );
    expect(labelsAt('triggers:\n  - type: |\n')).toEqual(
      expect.arrayContaining(['data', 'timer', 'poll-git', 'push', 'pull-request', 'comment']),
    );
  });

  it('offers flow keys at the top level', () => {
    expect(labelsAt('id: a\n|\n')).toEqual(
      expect.arrayContaining(['tasks', 'triggers', 'env', 'timeout', 'host-tags']),
    );
  });

  it('opens a mapping or a list of mappings on the next line', () => {
    const items = floeCompletions('id: a\n\n', 1, 0).items;
    expect(items.find((item) => item.label === 'tasks')).toMatchObject({ insertText: 'tasks:\n\t- ', snippet: true });
    expect(items.find((item) => item.label === 'timeout')).toMatchObject({ insertText: 'timeout: ' });
    const task = floeCompletions('tasks:\n  - id: a\n    type: exec\n    \n', 3, 4).items;
    expect(task.find((item) => item.label === 'opts')).toMatchObject({ insertText: 'opts:\n\t', snippet: true });
  });

  it('offers true and false for a boolean', () => {
    expect(labelsAt('id: a\nreuse-space: |\n')).toEqual(['true', 'false']);
  });
});
