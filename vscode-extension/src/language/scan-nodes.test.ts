import { describe, expect, it } from 'vitest';
import { eventTagsOfFlow, flowAtLine, scanNodes } from './scan-nodes.js';

const ONE_FLOW = `id: build
triggers:
  - name: push
    type: push
tasks:
  - id: compile
    type: exec
    listen: trigger.good
  - id: test
    type: exec
    use-status: true
    listen: task.compile.good
  - id: gate
    class: merge
    wait: [task.test.0]
  - id: done
    type: end
    listen: merge.gate.good
`;

describe('scanNodes', () => {
  it('finds triggers and tasks with their lines and fields', () => {
    const nodes = scanNodes(ONE_FLOW);
    expect(nodes.map((node) => [node.section, node.id, node.line, node.character])).toEqual([
      ['triggers', 'push', 2, 4],
      ['tasks', 'compile', 5, 4],
      ['tasks', 'test', 8, 4],
      ['tasks', 'gate', 12, 4],
      ['tasks', 'done', 15, 4],
    ]);
    expect(nodes[2]?.fields['use-status']).toBe('true');
  });

  it('still finds nodes while a line is half typed', () => {
    const nodes = scanNodes('id: a\ntasks:\n  - id: one\n    type: exec\n    lis\n  - id: two\n');
    expect(nodes.map((node) => node.id)).toEqual(['one', 'two']);
  });

  it('tells the flows of a flows: file apart', () => {
    const text =
      'flows:\n  - id: a\n    tasks:\n      - id: x\n  - id: b\n    tasks:\n      - id: y\n        listen: \n';
    expect(scanNodes(text).map((node) => [node.flow, node.id])).toEqual([
      [0, 'x'],
      [1, 'y'],
    ]);
    expect(flowAtLine(text, 7)).toBe(1);
    expect(flowAtLine(text, 3)).toBe(0);
  });
});

describe('eventTagsOfFlow', () => {
  it('offers what each node can emit, by the shared grammar', () => {
    const tags = eventTagsOfFlow(scanNodes(ONE_FLOW), 0, 'done').map((choice) => choice.tag);
    expect(tags).toEqual([
      'trigger.good',
      'task.compile.good',
      'task.compile.bad',
      'task.compile.error',
      'task.test.bad',
      'task.test.error',
      'task.test.0',
      'merge.gate.good',
    ]);
  });
});
