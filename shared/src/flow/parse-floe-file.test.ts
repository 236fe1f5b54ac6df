import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseFloeFile } from './parse-floe-file.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../test/fixtures/flows/${name}`, import.meta.url), 'utf8');
const lines = (...rows: string[]) => `${rows.join('\n')}\n`;
const codes = (text: string) => parseFloeFile(text).diagnostics.map((d) => d.code);

describe('parseFloeFile: the two shapes', () => {
  it('reads one flow at the top level and applies the defaults', () => {
    const { flows, diagnostics, flowIds } = parseFloeFile(fixture('single-flow.yaml'));
    expect(diagnostics).toEqual([]);
    expect(flowIds).toEqual(['ci']);
    const [flow] = flows;
    expect(flow).toMatchObject({
      id: 'ci',
      name: 'Continuous integration',
      ver: 1,
      timeout: '30m',
      'reuse-space': false,
    });
    expect(flow?.env).toEqual({ GOFLAGS: '-mod=mod', TOKEN: '{{secret.NPM_TOKEN}}' });
    expect(flow?.triggers[1]).toMatchObject({
      id: 'pr',
      type: 'pull-request',
      opts: { types: ['opened', 'synchronize', 'reopened'] },
    });
    expect(flow?.tasks[0]).toMatchObject({ id: 'checkout', type: 'git-checkout', opts: { depth: 1 }, retry: 0 });
    expect(flow?.tasks[3]).toMatchObject({ id: 'checks', class: 'merge', type: 'all' });
  });

  it("reads the original's config shape, warning about what it ignores or maps", () => {
    const { flows, diagnostics, flowIds } = parseFloeFile(fixture('original-config.yaml'), 'config.yml');
    expect(flowIds).toEqual(['build-project', 'sub-flow']);
    expect(flows.map((flow) => flow.id)).toEqual(['build-project', 'sub-flow']);
    const [flow] = flows;
    expect(flow).toMatchObject({ ver: 1, 'reuse-space': true });
    expect(flow?.['host-tags']).toHaveLength(3);
    expect(flow?.['resource-tags']).toEqual(['couchbase', 'nic']);
    expect(flow?.tasks.map((node) => node.id)).toEqual([
      'checkout',
      'build',
      'build-osx',
      'builds',
      'test',
      'complete',
    ]);
    // git-merge was a stub: the runner checks it out like git-checkout (and needs its `from-branch`, as the
    // original did); `branch` is its `ref`.
    expect(flow?.tasks[0]).toMatchObject({
      type: 'git-merge',
      opts: { url: 'git@github.com:floeit/floe.git', ref: 'master', 'from-branch': 'feature' },
    });
    expect(diagnostics.map((d) => [d.line, d.severity, d.code, d.flowId])).toEqual([
      [5, 'warning', 'legacy-key-ignored', undefined],
      [7, 'warning', 'legacy-key-ignored', undefined],
      [8, 'warning', 'legacy-key-ignored', undefined],
      [33, 'warning', 'legacy-key-mapped', 'build-project'],
      [36, 'warning', 'legacy-key-mapped', 'build-project'],
      [63, 'warning', 'legacy-key-ignored', 'sub-flow'],
      [67, 'warning', 'listen-never-emitted', 'sub-flow'],
    ]);
    expect(diagnostics.every((d) => d.file === 'config.yml')).toBe(true);
  });

  it('maps the git-push trigger type to push, with a warning', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines(
        'id: f',
        'triggers:',
        '  - {id: p, type: git-push, opts: {url: x}}',
        'tasks: [{id: a, type: end, listen: trigger.good}]',
      ),
    );
    expect(flows[0]?.triggers[0]?.type).toBe('push');
    expect(diagnostics.map((d) => d.code)).toEqual(['legacy-key-mapped', 'legacy-key-ignored']);
  });

  it('keeps a given ref over the old branch key and says so', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines('id: f', 'tasks:', '  - {id: c, type: git-checkout, listen: trigger.good, opts: {ref: v2, branch: main}}'),
    );
    expect(flows[0]?.tasks[0]).toMatchObject({ opts: { ref: 'v2' } });
    expect(diagnostics[0]?.message).toContain('`branch` is ignored');
  });

  it('blocks only the flow that has an error', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines(
        'flows:',
        '  - id: good',
        '    tasks: [{id: a, type: exec, listen: trigger.good, opts: {cmd: make}}]',
        '  - id: bad',
        '    tasks: [{id: a, type: exec, listen: trigger.good, opts: {cmd: make, shell: make}}]',
        '  - just a string',
        '  - id: good',
        '    ver: 2',
        '    tasks: [{id: a, type: exec, listen: trigger.good, opts: {cmd: make}}]',
      ),
    );
    expect(flows.map((flow) => [flow.id, flow.ver])).toEqual([
      ['good', 1],
      ['good', 2],
    ]);
    expect(diagnostics.map((d) => [d.code, d.line, d.flowId])).toEqual([
      ['cmd-and-shell', 5, 'bad'],
      ['not-a-mapping', 6, undefined],
    ]);
  });

  it('refuses a second flow with the same id and version', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines(
        'flows:',
        '  - id: a',
        '    tasks: [{id: x, type: end, listen: trigger.good}]',
        '  - id: a',
        '    tasks: [{id: y, type: end, listen: trigger.good}]',
      ),
    );
    expect(flows).toHaveLength(1);
    expect(diagnostics).toEqual([expect.objectContaining({ code: 'duplicate-flow', line: 4, column: 9, flowId: 'a' })]);
  });

  it('reports unknown keys beside flows: and ignores nothing silently', () => {
    expect(parseFloeFile(lines('flows: []', 'comon: {}')).diagnostics).toEqual([
      expect.objectContaining({ code: 'empty-file', severity: 'error', line: 1, hint: 'add a flow under `flows:`' }),
      expect.objectContaining({
        code: 'unknown-key',
        line: 2,
        column: 1,
        endColumn: 6,
        hint: 'did you mean `common`?',
      }),
    ]);
    expect(codes(lines('common: {hosts: []}'))).toEqual(['missing-key', 'legacy-key-ignored']);
  });
});

describe('parseFloeFile: schema findings with exact ranges', () => {
  it('says which key was meant for a typo', () => {
    const [finding] = parseFloeFile(
      lines('id: f', 'tasks:', '  - id: a', '    type: exec', '    lisen: trigger.good', '    opts: {cmd: make}'),
    ).diagnostics;
    expect(finding).toMatchObject({
      code: 'unknown-key',
      severity: 'error',
      line: 5,
      column: 5,
      endLine: 5,
      endColumn: 10,
      hint: 'did you mean `listen`?',
      flowId: 'f',
    });
    expect(finding?.message).toBe('Unknown key `lisen` in an `exec` task.');
  });

  it('says that an option belongs under opts', () => {
    const found = parseFloeFile(
      lines('id: f', 'tasks:', '  - {id: a, type: exec, listen: trigger.good, shell: make}'),
    ).diagnostics;
    expect(found.find((d) => d.code === 'unknown-key')).toMatchObject({
      hint: '`shell` belongs under `opts:`',
      column: 47,
    });
  });

  it('explains listen on a merge and wait on a task', () => {
    const found = parseFloeFile(
      lines(
        'id: f',
        'tasks:',
        '  - {id: m, class: merge, wait: [trigger.good], listen: trigger.good}',
        '  - {id: t, type: end, wait: [trigger.good]}',
      ),
    ).diagnostics;
    expect(found.map((d) => [d.code, d.line, d.hint])).toEqual([
      ['unknown-key', 3, 'a merge starts from its `wait` list'],
      ['unknown-key', 4, 'only merges (`class: merge`) have `wait`; a task has one `listen` tag'],
    ]);
  });

  it('names an unknown type and the type that was meant', () => {
    const [finding] = parseFloeFile(
      lines('id: f', 'tasks:', '  - id: a', '    type: exce', '    listen: trigger.good'),
    ).diagnostics;
    expect(finding).toMatchObject({
      code: 'unknown-type',
      line: 4,
      column: 11,
      endColumn: 15,
      hint: 'did you mean `exec`?',
    });
    expect(finding?.message).toBe('Unknown task `type` `exce`.');
  });

  it('reports a task type used as a trigger', () => {
    const [finding] = parseFloeFile(lines('id: f', 'triggers: [{id: t, type: exec}]', 'tasks: []')).diagnostics;
    expect(finding).toMatchObject({ code: 'unknown-type', line: 2, column: 26 });
  });

  it('points a missing key at the start of its entry', () => {
    const found = parseFloeFile(
      lines('id: f', 'tasks:', '  - id: a', '    type: exec', '    listen: trigger.good'),
    ).diagnostics;
    expect(found).toEqual([expect.objectContaining({ code: 'missing-key', line: 3, column: 5, endColumn: 10 })]);
    expect(found[0]?.message).toBe('`opts` is missing from an `exec` task.');
  });

  it.each([
    ['retry: many', 'invalid-value', '`retry` must be a number, not the string `many`.'],
    ['ignore-fail: yes', 'invalid-value', '`ignore-fail` must be true or false, not the string `yes`.'],
    ['retry: 1.5', 'invalid-value', '`retry` must be a whole number, not a number.'],
    ['retry: -1', 'invalid-value', '`retry` must be at least 0.'],
    ['timeout: soon', 'invalid-duration', '`timeout` is not a duration: `soon`.'],
  ])('reports `%s` as %s', (line, code, message) => {
    const [finding] = parseFloeFile(
      lines('id: f', 'tasks:', '  - type: end', '    id: a', '    listen: trigger.good', `    ${line}`),
    ).diagnostics;
    expect(finding).toMatchObject({ code, message, line: 6, column: line.indexOf(':') + 7 });
  });

  it('reports an invalid duration of a timer task', () => {
    const [finding] = parseFloeFile(
      lines('id: f', 'tasks:', '  - {id: t, type: timer, listen: trigger.good, opts: {period: 5 min}}'),
    ).diagnostics;
    expect(finding).toMatchObject({ code: 'invalid-duration', line: 3, column: 63, endColumn: 68 });
  });

  it("ignores the original's capitalised Form, as the original did, and says how to show it", () => {
    const { flows, diagnostics } = parseFloeFile(
      lines('id: f', 'triggers: [{id: s, type: data, opts: {Form: {Title: Start}}}]', 'tasks: []'),
    );
    expect(diagnostics[0]).toMatchObject({
      code: 'legacy-key-ignored',
      severity: 'warning',
      hint: 'write `form:` (with lower-case keys inside) to show it',
      line: 2,
      column: 39,
    });
    expect(flows[0]?.triggers[0]).toMatchObject({ type: 'data', opts: {} });
  });

  it("reads the original's form field type string as text", () => {
    const { flows, diagnostics } = parseFloeFile(
      lines('id: f', 'triggers: [{id: s, type: data, opts: {form: {fields: [{id: b, type: string}]}}}]', 'tasks: []'),
    );
    expect(diagnostics[0]).toMatchObject({ code: 'legacy-key-mapped', line: 2, hint: 'write `type: text`' });
    expect(flows[0]?.triggers[0]).toMatchObject({ opts: { form: { fields: [{ id: 'b', type: 'text' }] } } });
  });

  it('holds no flow when flows: is empty: an error', () => {
    expect(parseFloeFile('flows: []\n').diagnostics).toEqual([
      expect.objectContaining({
        code: 'empty-file',
        severity: 'error',
        message: 'The file holds no flow: `flows:` is empty.',
      }),
    ]);
  });

  it('keeps the YAML library quiet on stderr for an unquoted {{ws}} in a [...] list', () => {
    const warnings: unknown[] = [];
    const listener = (warning: unknown) => warnings.push(warning);
    process.on('warning', listener);
    try {
      const { diagnostics } = parseFloeFile(
        lines('id: f', 'tasks:', '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: ls, args: [{{ws}}/x]}}'),
      );
      expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
    } finally {
      process.off('warning', listener);
    }
    expect(warnings).toEqual([]);
  });

  it('cuts a long value quoted in a message', () => {
    const [finding] = parseFloeFile(
      lines('id: f', `tasks: [{id: m, class: merge, type: ${'x'.repeat(500)}, wait: [trigger.good]}]`),
    ).diagnostics;
    expect(finding?.code).toBe('invalid-value');
    expect(finding?.message.length).toBeLessThan(120);
  });

  it.each([
    [lines('id: f', 'flow: []'), 'unknown-key', 'did you mean `flows`?', undefined],
    [
      lines('id: f', 'reuse-space: yes', 'tasks: []'),
      'invalid-value',
      'YAML 1.2 reads `yes` as text: write `true`',
      undefined,
    ],
    [
      lines('id: f', 'tasks: [{id: m, class: merge, wait: task.a.good}]'),
      'invalid-value',
      'write a list: [task.a.good]',
      undefined,
    ],
    [
      lines('id: f', 'tasks: [42]'),
      'invalid-value',
      undefined,
      'Entry 1 of `tasks` must be a mapping of keys, not a whole number.',
    ],
    [
      lines('id: f', 'env: {A: [1]}', 'tasks: []'),
      'invalid-value',
      undefined,
      '`A` must be a string, a number or a boolean, not a list.',
    ],
  ])('words the finding for %j', (text, code, hint, message) => {
    const [finding] = parseFloeFile(text).diagnostics;
    expect(finding?.code).toBe(code);
    if (hint) expect(finding?.hint).toBe(hint);
    if (message) expect(finding?.message).toBe(message);
  });

  it('merges <<: anchors, kept under x- keys, as the original YAML library did', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines(
        'x-exec: &exec',
        '  type: exec',
        '  listen: trigger.good',
        'flows:',
        '  - id: f',
        '    x-more: {a: 1}',
        '    tasks:',
        '      - {<<: *exec, id: a, opts: {cmd: make}}',
        '      - {<<: *exec, id: b, opts: {cmd: make, shel: x}}',
      ),
    );
    expect(diagnostics).toEqual([
      expect.objectContaining({ code: 'unknown-key', line: 9, column: 46, hint: 'did you mean `shell`?' }),
    ]);
    expect(flows).toEqual([]);
    const fixed = parseFloeFile(
      lines(
        'x-exec: &exec',
        '  type: exec',
        '  listen: trigger.good',
        'tasks: [{<<: *exec, id: a, opts: {cmd: make}}]',
        'id: g',
      ),
    );
    expect(fixed.diagnostics).toEqual([]);
    expect(fixed.flows[0]?.tasks[0]).toMatchObject({ id: 'a', type: 'exec', listen: 'trigger.good' });
  });

  it('suggests quotes for a number where a string belongs', () => {
    const [finding] = parseFloeFile(lines('id: 2024', 'tasks: []')).diagnostics;
    expect(finding).toMatchObject({ code: 'invalid-value', line: 1, column: 5, hint: 'write it in quotes: "2024"' });
  });

  it('reports a merge type that does not exist', () => {
    const [finding] = parseFloeFile(
      lines('id: f', 'tasks:', '  - {id: m, class: merge, type: one, wait: [trigger.good]}'),
    ).diagnostics;
    expect(finding).toMatchObject({ code: 'invalid-value', message: '`type` must be one of `all`, `any`, not `one`.' });
  });

  it('describes an env that is neither a list nor a map', () => {
    const [finding] = parseFloeFile(lines('id: f', 'env: A=1', 'tasks: []')).diagnostics;
    expect(finding).toMatchObject({ code: 'invalid-value', line: 2, column: 6, endColumn: 9 });
    expect(finding?.message).toBe('`env` must be a list or a mapping of keys, not the string `A=1`.');
  });

  it('accepts secret references in env values without checking their names', () => {
    const text = lines(
      'id: f',
      'env: ["TOKEN={{secret.DOES_NOT_EXIST}}"]',
      'tasks: [{id: a, type: end, listen: trigger.good}]',
    );
    expect(parseFloeFile(text).diagnostics).toEqual([]);
  });
});

describe('parseFloeFile: broken and hostile files', () => {
  it.each([
    ['an empty file', '', 'empty-file'],
    ['a file of comments', '# only a comment\n', 'empty-file'],
    ['a word', 'hello', 'not-a-mapping'],
    ['a number', '42', 'not-a-mapping'],
    ['a list', fixture('hostile/list-document.yaml'), 'not-a-mapping'],
    ['a billion laughs', fixture('hostile/billion-laughs.yaml'), 'yaml-syntax'],
    ['two documents', fixture('hostile/two-documents.yaml'), 'yaml-syntax'],
    ['a nested plain map', 'a: b: c', 'yaml-syntax'],
    ['a duplicate key', 'id: x\nid: y\ntasks: []', 'duplicate-key'],
    ['unclosed brackets', '[[[[[[[[[[', 'yaml-syntax'],
    ['lists nested 5000 deep', `${'['.repeat(5000)}${']'.repeat(5000)}`, 'not-a-mapping'],
    ['binary junk', '\u0000\u0001\u00ff\ufffd binary', 'not-a-mapping'],
  ])('reports %s as %s and returns no flow', (_title, text, code) => {
    const { flows, diagnostics } = parseFloeFile(text);
    expect(flows).toEqual([]);
    expect(diagnostics.map((d) => d.code)).toContain(code);
  });

  it('blocks a flow holding a YAML syntax error, with the line of the error', () => {
    const { flows, diagnostics } = parseFloeFile(fixture('hostile/unterminated-string.txt'));
    expect(flows).toEqual([]);
    expect(diagnostics[0]).toMatchObject({ code: 'yaml-syntax', severity: 'error' });
    expect(diagnostics[0]?.line).toBeGreaterThanOrEqual(6);
  });

  it('gives a syntax error inside a flow to that flow, and keeps the other flows', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines(
        'flows:',
        '  - id: broken',
        '    tasks:',
        '      - {id: a, type: end, listen: trigger.good}',
        '      - {id: a, type: end, id: b}',
        '  - id: fine',
        '    tasks: [{id: a, type: end, listen: trigger.good}]',
      ),
    );
    expect(flows.map((flow) => flow.id)).toEqual(['fine']);
    expect(diagnostics.find((d) => d.code === 'duplicate-key')).toMatchObject({
      line: 5,
      column: 28,
      flowId: 'broken',
    });
  });

  it('ignores the whole common section with warnings, whatever it holds', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines(
        'common: {hosts: not-a-list, colour: blue}',
        'flows:',
        '  - {id: a, tasks: [{id: x, type: end, listen: trigger.good}]}',
      ),
    );
    expect(flows).toHaveLength(1);
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ['legacy-key-ignored', 'warning'],
      ['legacy-key-ignored', 'warning'],
    ]);
  });

  it('refuses a file over 1 MiB, counted in bytes, naming the limit at line 1, without reading it', () => {
    const { flows, diagnostics } = parseFloeFile(`id: f\ntasks: []\n# ${'é'.repeat(524_280)}`);
    expect(flows).toEqual([]);
    expect(diagnostics).toEqual([
      expect.objectContaining({
        code: 'file-too-large',
        severity: 'error',
        line: 1,
        column: 1,
        message: 'The file is 1048578 bytes; a FLOE.yaml may hold at most 1 MiB (1048576 bytes).',
      }),
    ]);
    // Just under the limit it is read as usual.
    expect(codes(`id: f\ntasks: []\n# ${'x'.repeat(1_048_000)}`)).toEqual(['no-tasks']);
  });

  it('keeps the flows of a file with one flow over 1,000 nodes, and refuses that one', () => {
    const tasks = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `      - {id: t${i}, type: exec, listen: trigger.good, opts: {cmd: "true"}}\n`,
      ).join('');
    const { flows, diagnostics } = parseFloeFile(
      `flows:\n  - id: big\n    tasks:\n${tasks(1_000)}      - {id: last, type: end, listen: trigger.good}\n  - id: small\n    tasks:\n${tasks(1_000)}`,
    );
    expect(flows.map((flow) => flow.id)).toEqual(['small']);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([
      expect.objectContaining({ code: 'too-many-nodes', flowId: 'big', line: 3, column: 5 }),
    ]);
  });

  it('warns about YAML it does not understand', () => {
    expect(codes(lines('id: f', 'name: !custom thing', 'tasks: []'))).toContain('yaml-warning');
  });
});

describe('parseFloeFile: ranges for "go to"', () => {
  it('gives the range of every flow and of every trigger and task', () => {
    const { flowRanges, nodeRanges } = parseFloeFile(fixture('single-flow.yaml'));
    expect(flowRanges.ci).toMatchObject({ line: 2, column: 1 });
    expect(nodeRanges.ci?.push).toEqual({ line: 10, column: 5, endLine: 13, endColumn: 37 });
    expect(nodeRanges.ci?.checkout).toEqual({ line: 17, column: 5, endLine: 19, endColumn: 25 });
    expect(Object.keys(nodeRanges.ci ?? {})).toEqual(['push', 'pr', 'checkout', 'test', 'lint', 'checks', 'done']);
  });
});
