import { describe, expect, it } from 'vitest';
import { deriveId } from './derive-id.js';
import { parseFloeFile } from './parse-floe-file.js';

describe('deriveId', () => {
  // The original floe's own vectors for its id and name rules (docs/floe-yaml.md "Ids and names").
  it.each([
    [{ id: 'a-b' }, 'a-b', 'a b'],
    [{ name: 'a b.2' }, 'a-b-2', 'a b.2'],
    [{ id: 'a-b--' }, 'a-b', 'a b'],
    [{ id: '--a-b..' }, 'a-b', 'a b'],
    [{ id: 'MyID' }, 'myid', 'myid'],
    [{ name: '  -Trim me.-  ' }, 'trim-me', 'Trim me'],
    [{ name: 'a_b.c' }, 'a_b-c', 'a_b.c'],
    [{ name: 'Start' }, 'start', 'Start'],
    [{ name: 'First Task' }, 'first-task', 'First Task'],
    [{ name: 'Merge Thing' }, 'merge-thing', 'Merge Thing'],
    [{ id: 'ci', name: 'Continuous' }, 'ci', 'Continuous'],
  ] as [{ id?: string; name?: string }, string, string][])('derives %j as id %s and name %s', (written, id, name) => {
    expect(deriveId(written.id, written.name)).toEqual({ ok: true, id, name });
  });

  it('refuses when both id and name are empty, as the original did', () => {
    expect(deriveId('', '')).toMatchObject({ ok: false, problem: 'missing' });
    expect(deriveId(undefined, ' .- ')).toMatchObject({ ok: false, problem: 'missing' });
  });

  it.each(['a.b', 'a b'])('refuses the written id %s, as the original did', (id) => {
    expect(deriveId(id, undefined)).toMatchObject({ ok: false, problem: 'space-or-dot' });
  });

  it('refuses ids that are unsafe in URLs, which the original allowed', () => {
    expect(deriveId(undefined, 'Build/Test  Stage')).toEqual({
      ok: false,
      problem: 'url-unsafe',
      id: 'build/test--stage',
    });
    expect(deriveId('a?b', undefined)).toMatchObject({ ok: false, problem: 'url-unsafe' });
    expect(deriveId(undefined, 'tab\there')).toMatchObject({ ok: false, problem: 'url-unsafe' });
  });

  it('keeps letters of other scripts', () => {
    expect(deriveId(undefined, 'Déploiement')).toEqual({ ok: true, id: 'déploiement', name: 'Déploiement' });
  });
});

describe('ids in a parsed file', () => {
  it('derives ids as the example of the original does, and defaults the task class', () => {
    const { flows, diagnostics } = parseFloeFile(
      [
        'flows:',
        '  - name: flow-1',
        '    triggers:',
        '      - name: Start',
        '        type: data',
        '    tasks:',
        '      - name: First Task',
        '        type: exec',
        '        listen: trigger.good',
        '        opts: {cmd: "true"}',
        '      - name: Merge Thing',
        '        class: merge',
        '        wait: [task.first-task.good]',
      ].join('\n'),
    );
    expect(diagnostics).toEqual([]);
    const [flow] = flows;
    expect(flow?.id).toBe('flow-1');
    expect(flow?.name).toBe('flow-1');
    expect(flow?.triggers[0]?.id).toBe('start');
    expect(flow?.tasks.map((node) => [node.id, node.class])).toEqual([
      ['first-task', 'task'],
      ['merge-thing', 'merge'],
    ]);
  });

  it.each([
    ['id: a.b', 'invalid-id', 1, 5],
    ['id: a b', 'invalid-id', 1, 5],
    ['name: Build/Test', 'invalid-id', 1, 7],
    ['ver: 2', 'missing-id', 1, 1],
  ])('reports the flow `%s` as %s', (line, code, atLine, column) => {
    const { diagnostics, flows } = parseFloeFile(`${line}\ntasks: []\n`);
    expect(flows).toEqual([]);
    expect(diagnostics).toContainEqual(expect.objectContaining({ code, line: atLine, column, severity: 'error' }));
  });
});
