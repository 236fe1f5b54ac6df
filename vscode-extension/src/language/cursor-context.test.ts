import { describe, expect, it } from 'vitest';
import { cursorContext } from './cursor-context.js';

/** The text with `|` marking the cursor. */
function at(marked: string) {
  const offset = marked.indexOf('|');
  const text = marked.slice(0, offset) + marked.slice(offset + 1);
  const before = text.slice(0, offset).split('\n');
  return cursorContext(text, before.length - 1, (before.at(-1) ?? '').length);
}

describe('cursorContext', () => {
  it('finds a new key inside a task, with the task type from its siblings', () => {
    const context = at('id: a\ntasks:\n  - id: one\n    type: exec\n    lis|\n');
    expect(context).toMatchObject({ path: ['tasks', '[]'], kind: 'key', prefix: 'lis', prefixStart: 4 });
    expect(context.itemFields).toEqual({ id: 'one', type: 'exec' });
    expect(context.siblings).toEqual({ id: 'one', type: 'exec' });
  });

  it('finds the value of listen', () => {
    const context = at(
      'id: a\ntasks:\n  - id: one\n    type: exec\n  - id: two\n    listen: task.o|\n    type: exec\n',
    );
    expect(context).toMatchObject({
      path: ['tasks', '[]', 'listen'],
      kind: 'value',
      prefix: 'task.o',
      prefixStart: 12,
    });
    expect(context.itemFields).toEqual({ id: 'two', listen: 'task.o', type: 'exec' });
  });

  it('finds an item of a wait list', () => {
    const context = at('id: a\ntasks:\n  - id: m\n    class: merge\n    wait:\n      - |\n');
    expect(context).toMatchObject({ path: ['tasks', '[]', 'wait', '[]'], kind: 'key', prefix: '' });
  });

  it('finds an item of an inline wait list', () => {
    const context = at('tasks:\n  - class: merge\n    wait: [task.a.good, ta|]\n');
    expect(context).toMatchObject({ path: ['tasks', '[]', 'wait'], kind: 'value', prefix: 'ta' });
  });

  it('finds opts keys of a task and still knows its type', () => {
    const context = at('tasks:\n  - id: one\n    type: git-checkout\n    opts:\n      |\n');
    expect(context.path).toEqual(['tasks', '[]', 'opts']);
    expect(context.itemFields.type).toBe('git-checkout');
  });

  it('finds the type value on the item line itself', () => {
    const context = at('triggers:\n  - type: pu|\n');
    expect(context).toMatchObject({ path: ['triggers', '[]', 'type'], kind: 'value', prefix: 'pu' });
  });

  it('finds keys of a flow under flows:', () => {
    const context = at('flows:\n  - id: a\n    ta|\n');
    expect(context).toMatchObject({ path: ['flows', '[]'], kind: 'key', prefix: 'ta' });
  });

  it('finds top-level keys', () => {
    expect(at('id: a\nna|\n')).toMatchObject({ path: [], kind: 'key', prefix: 'na' });
  });
});
