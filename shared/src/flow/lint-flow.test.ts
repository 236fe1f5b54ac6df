// Lint tests are tables of small YAML snippets (CONTRIBUTING.md "Tests beside the code"). In each snippet, «…» marks
// the exact range the finding must cover; the markers are removed before parsing.
import { describe, expect, it } from 'vitest';
import type { DiagnosticCode } from './diagnostic-codes.js';
import type { ResolvedFlow } from './flow-schema.js';
import { lintFlow } from './lint-flow.js';
import { parseFloeFile } from './parse-floe-file.js';

/** The snippet without markers and the 1-based range between « and ». */
function marked(snippet: string) {
  const start = snippet.indexOf('«');
  const end = snippet.indexOf('»') - 1;
  const text = snippet.replace('«', '').replace('»', '');
  const position = (offset: number) => {
    const before = text.slice(0, offset).split('\n');
    return { line: before.length, column: (before[before.length - 1] as string).length + 1 };
  };
  const from = position(start);
  const to = position(end);
  return { text, range: { line: from.line, column: from.column, endLine: to.line, endColumn: to.column } };
}

const lines = (...rows: string[]) => `${rows.join('\n')}\n`;

const cases: [string, DiagnosticCode, string][] = [
  [
    'a listen tag no node emits',
    'listen-never-emitted',
    lines('id: f', 'tasks:', '  - id: a', '    type: exec', '    listen: «task.nope.good»', '    opts: {cmd: "true"}'),
  ],
  [
    'a listen tag that is not a tag at all',
    'listen-never-emitted',
    lines(
      'id: f',
      'tasks:',
      '  - id: a',
      '    type: exec',
      '    listen: «sub.git-push.good»',
      '    opts: {cmd: "true"}',
    ),
  ],
  [
    'a listen of a bad outcome of an ignore-fail task',
    'listen-never-emitted',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, ignore-fail: true, opts: {cmd: "true"}}',
      '  - {id: b, type: exec, listen: «task.a.bad», opts: {cmd: "true"}}',
    ),
  ],
  [
    'a merge waiting for a tag no node emits',
    'wait-never-emitted',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
      '  - {id: m, class: merge, wait: [task.a.good, «merge.x.good»]}',
    ),
  ],
  [
    'a merge waiting twice for one tag',
    'duplicate-wait',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
      '  - {id: m, class: merge, wait: [task.a.good, «task.a.good»]}',
    ),
  ],
  [
    'a merge with an empty wait list',
    'empty-wait',
    lines('id: f', 'tasks:', '  - id: m', '    class: merge', '    wait: «[]»'),
  ],
  [
    'an all-merge waiting for two outcomes of one task',
    'merge-never-fires',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
      '  - id: m',
      '    class: merge',
      '    «wait»: [task.a.good, task.a.bad]',
    ),
  ],
  [
    'a node that can never run, transitively',
    'node-never-runs',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: task.nope.good, opts: {cmd: "true"}}',
      '  - {id: b, type: exec, listen: «task.a.good», opts: {cmd: "true"}}',
    ),
  ],
  [
    'an end node that can never be reached',
    'end-unreachable',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: task.nope.good, opts: {cmd: "true"}}',
      '  - {id: done, type: end, listen: «task.a.good»}',
    ),
  ],
  [
    'a cycle in the event graph',
    'event-cycle',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
      '  - {id: b, type: exec, listen: «task.c.good», opts: {cmd: "true"}}',
      '  - {id: c, type: exec, listen: task.b.good, opts: {cmd: "true"}}',
    ),
  ],
  [
    'a task listening to itself',
    'event-cycle',
    lines('id: f', 'tasks:', '  - {id: a, type: exec, listen: «task.a.bad», opts: {cmd: "true"}}'),
  ],
  [
    'duplicate ids across triggers and tasks',
    'duplicate-id',
    lines(
      'id: f',
      'triggers:',
      '  - {id: go, type: data}',
      'tasks:',
      '  - {name: Go, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
    ).replace('name: Go', 'name: «Go»'),
  ],
  [
    'cmd and shell together',
    'cmd-and-shell',
    lines(
      'id: f',
      'tasks:',
      '  - id: a',
      '    type: exec',
      '    listen: trigger.good',
      '    opts:',
      '      cmd: make',
      '      «shell»: make',
    ),
  ],
  [
    'an exec task with neither cmd nor shell',
    'no-command',
    lines(
      'id: f',
      'tasks:',
      '  - id: a',
      '    type: exec',
      '    listen: trigger.good',
      '    «opts»:',
      '      sub-dir: src',
    ),
  ],
  [
    'ignore-fail with use-status',
    'ignore-fail-with-use-status',
    lines(
      'id: f',
      'tasks:',
      '  - id: a',
      '    type: exec',
      '    listen: trigger.good',
      '    ignore-fail: true',
      '    «use-status»: true',
      '    opts: {cmd: make}',
    ),
  ],
  [
    'a listener of task.x.good when x uses use-status',
    'listen-good-of-use-status',
    lines(
      'id: f',
      'tasks:',
      '  - {id: x, type: exec, listen: trigger.good, use-status: true, opts: {cmd: make}}',
      '  - {id: y, type: exec, listen: «task.x.good», opts: {cmd: make}}',
    ),
  ],
  [
    'an absolute sub-dir',
    'unsafe-path',
    lines('id: f', 'tasks:', '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make, sub-dir: «/etc»}}'),
  ],
  [
    'a sub-dir climbing out of the workspace',
    'unsafe-path',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make, sub-dir: «src/../../x»}}',
    ),
  ],
  [
    'a fetch location climbing out from {{ws}}',
    'unsafe-path',
    lines(
      'id: f',
      'tasks:',
      '  - id: a',
      '    type: fetch',
      '    listen: trigger.good',
      '    opts:',
      '      url: https://example.com/x.tgz',
      '      location: «"{{ws}}/../x"»',
    ),
  ],
  [
    'a git-checkout sub-dir in the home folder',
    'unsafe-path',
    lines('id: f', 'tasks:', '  - {id: a, type: git-checkout, listen: trigger.good, opts: {sub-dir: «~/src»}}'),
  ],
  [
    'an artifact path climbing out of the workspace',
    'unsafe-path',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, artifacts: [{paths: [dist, «../../etc»]}]}',
    ),
  ],
  [
    'an absolute artifact path',
    'unsafe-path',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, artifacts: [{paths: [«/etc/passwd»]}]}',
    ),
  ],
  [
    'two artifacts of one name',
    'duplicate-artifact',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, artifacts: [{name: out, paths: [a]}]}',
      '  - {id: b, type: exec, listen: task.a.good, opts: {cmd: make}, artifacts: [{name: «out», paths: [b]}]}',
    ),
  ],
  [
    'an artifact named like its task twice in one task',
    'duplicate-artifact',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, artifacts: [{paths: [x]}, {«paths»: [y]}]}',
    ),
  ],
  [
    'a fetch with both url and artifact',
    'fetch-source',
    lines(
      'id: f',
      'tasks:',
      '  - id: a',
      '    type: fetch',
      '    listen: trigger.good',
      '    «opts»: {url: "https://example.com/x", artifact: {flow: build, name: dist}}',
    ),
  ],
  [
    'a fetch with neither url nor artifact',
    'fetch-source',
    lines('id: f', 'tasks:', '  - {id: a, type: fetch, listen: trigger.good, «opts»: {location: x/}}'),
  ],
  [
    'a fetch artifact naming both a ref and a run',
    'fetch-source',
    lines(
      'id: f',
      'tasks:',
      '  - id: a',
      '    type: fetch',
      '    listen: trigger.good',
      '    opts: {artifact: {flow: build, name: dist, ref: main, «run»: 0abc}}',
    ),
  ],
  [
    'an artifact name that climbs out',
    'invalid-value',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, artifacts: [{name: «../x», paths: [a]}]}',
    ),
  ],
  [
    'a cache path climbing out of the workspace',
    'unsafe-path',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, cache: {key: k, paths: [ok, «../up»]}}',
    ),
  ],
  [
    'an absolute cache path',
    'unsafe-path',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, cache: {key: k, paths: «/root»}}',
    ),
  ],
  [
    'a cache key with an unknown template',
    'invalid-cache-key',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, cache: {key: «"deps-{{secret.X}}"», paths: x}}',
    ),
  ],
  [
    'a restore key with an empty hash',
    'invalid-cache-key',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}, cache: {key: k, paths: x, restore-keys: [a-, «"b-{{hash}}"»]}}',
    ),
  ],
  ['a flow env entry without =', 'env-missing-equals', lines('id: f', 'env: [A=1, «B»]', 'tasks: []')],
  [
    'a task env entry without =',
    'env-missing-equals',
    lines('id: f', 'tasks:', '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make, env: [«JUSTNAME»]}}'),
  ],
  [
    'a secret written outside env',
    'secret-outside-env',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {shell: «"curl -H {{secret.TOKEN}} x"»}}',
    ),
  ],
  ['an env name a shell cannot use', 'env-invalid-name', lines('id: f', 'env:', '  «MY-VAR»: 1', 'tasks: []')],
  [
    'a timer trigger firing more often than every 10 s',
    'period-too-short',
    lines('id: f', 'triggers:', '  - {id: t, type: timer, opts: {period: «2s»}}', 'tasks: []'),
  ],
  [
    'a poll-git trigger polling more often than every 10 s',
    'period-too-short',
    lines('id: f', 'triggers:', '  - {id: p, type: poll-git, opts: {url: /r, period: «9»}}', 'tasks: []'),
  ],
  [
    'a flow of more than 1,000 triggers and tasks',
    'too-many-nodes',
    `id: f\n«tasks»:\n${Array.from({ length: 1_001 }, (_, i) => `  - {id: t${i}, type: exec, listen: trigger.good, opts: {cmd: "true"}}\n`).join('')}`,
  ],
  [
    'a timer trigger with neither period nor cron',
    'timer-period-or-cron',
    lines('id: f', 'triggers:', '  - type: timer', '    id: t', '    «opts»: {}', 'tasks: []'),
  ],
  [
    'a timer trigger with both period and cron',
    'timer-period-or-cron',
    lines(
      'id: f',
      'triggers:',
      '  - type: timer',
      '    id: t',
      '    «opts»: {period: 60, cron: "* * * * *"}',
      'tasks: []',
    ),
  ],
  [
    'a cron with six fields',
    'invalid-cron',
    lines('id: f', 'triggers:', '  - type: timer', '    id: t', '    opts: {cron: «"0 0 3 * * *"»}', 'tasks: []'),
  ],
  [
    'a cron with a minute out of range',
    'invalid-cron',
    lines('id: f', 'triggers:', '  - type: timer', '    id: t', '    opts: {cron: «"61 3 * * MON-FRI"»}', 'tasks: []'),
  ],
  [
    'a time zone that does not exist',
    'invalid-timezone',
    lines(
      'id: f',
      'triggers:',
      '  - type: timer',
      '    id: t',
      '    opts: {cron: "0 3 * * *", timezone: «Mars/Olympus»}',
      'tasks: []',
    ),
  ],
  [
    'a poll-git exclude that is not a regular expression',
    'invalid-regex',
    lines(
      'id: f',
      'triggers:',
      '  - type: poll-git',
      '    id: p',
      '    opts: {url: /r.git, exclude: «"refs/(x"»}',
      'tasks: []',
    ),
  ],
  [
    'a select field without options',
    'select-without-options',
    lines(
      'id: f',
      'triggers:',
      '  - id: go',
      '    type: data',
      '    opts:',
      '      form:',
      '        fields:',
      '          - id: target',
      '            type: «select»',
      'tasks: []',
    ),
  ],
  [
    'two form fields with one id',
    'duplicate-field',
    lines(
      'id: f',
      'tasks:',
      '  - id: approve',
      '    type: data',
      '    listen: trigger.good',
      '    opts:',
      '      form:',
      '        fields: [{id: who}, {id: «WHO»}]',
    ),
  ],
  ['an invalid duration', 'invalid-duration', lines('id: f', 'timeout: «5 minutes»', 'tasks: []')],
  [
    'a task with no listen',
    'no-listen',
    lines('id: f', 'tasks:', '  - «id: a»', '    type: exec', '    opts: {cmd: make}'),
  ],
  ['a flow with no tasks', 'no-tasks', lines('id: f', '«tasks»: []')],
  [
    'a good event nobody hears in a flow with an end node',
    'dangling-good',
    lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
      '  - «id: b»',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '  - {id: done, type: end, listen: task.a.good}',
    ),
  ],
  [
    "a trigger's url reaching a git-checkout on trigger.good",
    'trigger-checkout-opts',
    lines(
      'id: f',
      'triggers: [{id: s, type: data, opts: {«url»: /srv/app.git}}]',
      'tasks: [{id: co, type: git-checkout, listen: trigger.good}]',
    ),
  ],
  [
    'a named repository checked out into a sub-dir',
    'checkout-repo-dir',
    lines(
      'id: f',
      'tasks:',
      '  - {id: co, type: git-checkout, listen: trigger.good, opts: {url: /srv/app.git, sub-dir: «src»}}',
    ),
  ],
  [
    "a task env list beside the flow's",
    'task-env-merged',
    lines(
      'id: f',
      'env: [A=1]',
      'tasks:',
      '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make, «env»: [B=2]}}',
    ),
  ],
  [
    'a $VAR in cmd',
    'cmd-dollar',
    lines('id: f', 'tasks:', '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: «echo $HOME»}}'),
  ],
  [
    'a fetch of a file:// URL',
    'fetch-url-scheme',
    lines('id: f', 'tasks:', '  - {id: a, type: fetch, listen: trigger.good, opts: {url: «file:///etc/passwd»}}'),
  ],
  [
    'an unknown axis in {{matrix.…}}',
    'matrix-unknown-axis',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {shell: «"echo {{matrix.nod}}"»}',
      '    matrix: {axes: {node: [18]}}',
    ),
  ],
  [
    '{{matrix.…}} in a task without a matrix',
    'matrix-unknown-axis',
    lines(
      'id: f',
      'tasks:',
      '  - {id: t, type: exec, listen: trigger.good, opts: {cmd: echo, args: [«"{{matrix.os}}"»]}}',
    ),
  ],
  [
    '{{matrix.…}} in the flow env, which no combination fills in',
    'matrix-unknown-axis',
    lines(
      'id: f',
      'env: {V: «"{{matrix.v}}"»}',
      'tasks:',
      '  - {id: t, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
    ),
  ],
  [
    'an include entry naming an axis the matrix does not have',
    'matrix-unknown-axis',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '    matrix: {axes: {node: [18]}, include: [{node: 20, «os»: linux}]}',
    ),
  ],
  [
    'an include entry without a value for every axis',
    'matrix-missing-axis',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '    matrix:',
      '      axes: {node: [18], pg: [16]}',
      '      include:',
      '        - «node: 20»',
    ),
  ],
  [
    'an axis without values',
    'matrix-empty',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '    matrix: {axes: {node: [18], «pg»: []}}',
    ),
  ],
  [
    'a matrix without axes',
    'matrix-empty',
    lines('id: f', 'tasks:', '  - {id: t, type: exec, listen: trigger.good, opts: {cmd: "true"}, «matrix»: {}}'),
  ],
  [
    'a value written twice',
    'matrix-duplicate',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '    matrix: {«axes»: {node: [18, 20, 18]}}',
    ),
  ],
  [
    'two values that give one id',
    'matrix-duplicate',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '    matrix: {«axes»: {py: ["3.1", "3-1"]}}',
    ),
  ],
  [
    'an include of a combination the axes make',
    'matrix-duplicate',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '    matrix:',
      '      axes: {node: [18, 20]}',
      '      include:',
      '        - «node: 20»',
    ),
  ],
  [
    'a matrix of more than 256 combinations',
    'matrix-too-large',
    lines(
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      '    opts: {cmd: "true"}',
      '    «matrix»:',
      `      axes: {a: [${Array.from({ length: 17 }, (_, i) => i).join(', ')}], b: [${Array.from({ length: 16 }, (_, i) => i).join(', ')}]}`,
    ),
  ],
  [
    'a matrix on a data task',
    'matrix-not-allowed',
    lines('id: f', 'tasks:', '  - {id: t, type: data, listen: trigger.good, «matrix»: {axes: {a: [1]}}}'),
  ],
  [
    'a combination whose id another task has',
    'duplicate-id',
    lines(
      'id: f',
      'tasks:',
      '  - {id: t, type: exec, listen: trigger.good, opts: {cmd: "true"}, «matrix»: {axes: {a: [1]}}}',
      '  - {id: t~a-1, type: exec, listen: trigger.good, opts: {cmd: "true"}}',
    ),
  ],
  [
    'a notify URL over plain http',
    'notify-url-invalid',
    lines('id: f', 'notify:', '  - url: «http://hooks.example.com/x»', 'tasks: []'),
  ],
  [
    'a notify URL of another scheme, in the second entry',
    'notify-url-invalid',
    lines('id: f', 'notify:', '  - {url: "https://a.example.com/"}', '  - {url: «"javascript:alert(1)"»}', 'tasks: []'),
  ],
  [
    'a notify URL that is a secret with text around it',
    'notify-url-invalid',
    lines('id: f', 'notify:', '  - url: «"https://{{secret.HOST}}/x"»', 'tasks: []'),
  ],
  [
    'a notify signing key written in FLOE.yaml',
    'notify-secret-invalid',
    lines('id: f', 'notify:', '  - url: https://hooks.example.com/x', '    secret: «hunter2-in-the-repo»', 'tasks: []'),
  ],
];

describe('lintFlow through parseFloeFile', () => {
  it.each(cases)('reports %s', (_title, code, snippet) => {
    const { text, range } = marked(snippet);
    const { diagnostics } = parseFloeFile(text);
    const found = diagnostics.filter((diagnostic) => diagnostic.code === code);
    expect(found, JSON.stringify(diagnostics, null, 1)).toHaveLength(1);
    expect(found[0]).toMatchObject(range);
  });

  it('refuses more than 10 notify receivers, and a notify URL over 2048 characters, where they are written', () => {
    const many = Array.from({ length: 11 }, (_, i) => `  - {url: "https://h${i}.example.com/"}`);
    expect(parseFloeFile(lines('id: f', 'notify:', ...many, 'tasks: []')).diagnostics).toEqual([
      expect.objectContaining({ code: 'invalid-value', severity: 'error', line: 3, column: 3, endLine: 13 }),
    ]);
    const long = `https://h.example.com/${'x'.repeat(2048)}`;
    expect(parseFloeFile(lines('id: f', 'notify:', `  - {url: "${long}"}`, 'tasks: []')).diagnostics).toEqual([
      expect.objectContaining({ code: 'invalid-value', message: '`url` must be at most 2048.', line: 3, column: 11 }),
    ]);
  });

  it('accepts a clean flow without a single finding', () => {
    const text = lines(
      'id: ship',
      'env: [PATH=./bin:$PATH, "TOKEN={{secret.DEPLOY_TOKEN}}"]',
      'triggers:',
      '  - {id: push, type: push, opts: {branches: main}}',
      '  - {id: nightly, type: timer, opts: {cron: "0 3 * * 1-5", timezone: Europe/London}}',
      'tasks:',
      '  - {id: checkout, type: git-checkout, listen: trigger.good, opts: {sub-dir: "{{ws}}/src"}}',
      '  - id: build',
      '    type: exec',
      '    listen: task.checkout.good',
      '    opts: {cmd: make, sub-dir: ./src}',
      '    cache: {key: "deps-{{runner.os}}-{{runner.arch}}-{{hash src/*.lock}}", paths: [src/node_modules], restore-keys: [deps-]}',
      '  - {id: test, type: exec, listen: task.checkout.good, use-status: true, opts: {shell: make test}}',
      '  - {id: both, class: merge, wait: [task.build.good, task.test.0]}',
      '  - {id: fetch, type: fetch, listen: merge.both.good, opts: {url: "https://x/y", location: .}}',
      '  - {id: approve, type: data, listen: task.fetch.good, opts: {form: {fields: [{id: env, type: select, options: [a]}]}}}',
      '  - {id: done, type: end, listen: task.approve.good}',
      '  - {id: failed, type: end, listen: task.build.bad}',
      'notify:',
      '  - {url: "https://hooks.example.com/floe", secret: "{{secret.HOOK_KEY}}", on: [bad]}',
      '  - {url: "{{secret.SLACK_URL}}", format: slack}',
    );
    expect(parseFloeFile(text).diagnostics).toEqual([]);
  });

  it('treats trigger.good as emitted even by a flow without triggers (it can be started by hand)', () => {
    const text = lines('id: f', 'tasks:', '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}}');
    expect(parseFloeFile(text).diagnostics).toEqual([]);
  });

  it('does not report nodes of a cycle as never running on top of the cycle', () => {
    const text = lines(
      'id: f',
      'tasks:',
      '  - {id: a, type: exec, listen: task.b.good, opts: {cmd: make}}',
      '  - {id: b, type: exec, listen: task.a.good, opts: {cmd: make}}',
    );
    expect(parseFloeFile(text).diagnostics.map((d) => d.code)).toEqual(['event-cycle']);
  });

  it('warns of a cycle without blocking the flow: every node runs at most once', () => {
    const { flows, diagnostics } = parseFloeFile(
      lines(
        'id: f',
        'tasks:',
        '  - {id: a, type: exec, listen: trigger.good, opts: {cmd: make}}',
        '  - {id: again, class: merge, type: any, wait: [task.a.good, task.b.good]}',
        '  - {id: b, type: exec, listen: merge.again.good, opts: {cmd: make}}',
      ),
    );
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([['event-cycle', 'warning']]);
    expect(flows.map((flow) => flow.id)).toEqual(['f']);
  });

  it("says of a trigger's url and branch which checkout takes them, or that none does", () => {
    const findings = parseFloeFile(
      lines(
        'id: f',
        'triggers:',
        '  - {id: s, type: data, opts: {url: /srv/app.git, form: {fields: [{id: branch}]}}}',
        '  - {id: t, type: timer, opts: {period: 60, branch: main}}',
        'tasks:',
        '  - {id: co, type: git-checkout, listen: trigger.good, opts: {ref: v1}}',
      ),
    ).diagnostics.filter((d) => d.code === 'trigger-checkout-opts');
    expect(findings.map((d) => d.message)).toEqual([
      "`url` of trigger `s` reaches git-checkout tasks listening to `trigger.good` that set no `url`, as the original merged a trigger's opts into `trigger.good`: git-checkout `co` checks it out.",
      "`branch` of trigger `t` is the ref of git-checkout tasks listening to `trigger.good` that set no `ref` (the original's trigger.good opts): this flow has none, so it is unused.",
    ]);
  });

  it('says which node id was probably meant', () => {
    const text = lines(
      'id: f',
      'tasks:',
      '  - {id: build, type: exec, listen: trigger.good, opts: {cmd: make}}',
      '  - {id: test, type: exec, listen: task.biuld.good, opts: {cmd: make}}',
    );
    const [finding] = parseFloeFile(text).diagnostics;
    expect(finding).toMatchObject({
      code: 'listen-never-emitted',
      hint: 'did you mean `task.build.good`?',
      flowId: 'f',
    });
  });

  it('lints thousands of nodes without deep recursion, and keeps messages short', () => {
    const n = 1000;
    const chain = ['id: big', 'tasks:'];
    // Listed backwards, so that a naive fixed point would need n passes over n nodes.
    for (let i = n - 1; i >= 0; i--) {
      chain.push(
        `  - {id: t${i}, type: exec, listen: ${i === 0 ? 'trigger.good' : `task.t${i - 1}.good`}, opts: {cmd: make}}`,
      );
    }
    const loop = ['id: loop', 'tasks:'];
    for (let i = 0; i < n; i++)
      loop.push(`  - {id: t${i}, type: exec, listen: task.t${(i + 1) % n}.good, opts: {cmd: make}}`);
    // How fast is for benchmarks; a quadratic or worse walk would take minutes here and time the test out.
    expect(parseFloeFile(chain.join('\n')).diagnostics).toEqual([]);
    const [cycle] = parseFloeFile(loop.join('\n')).diagnostics;
    expect(cycle).toMatchObject({ code: 'event-cycle', line: 3 });
    expect(cycle?.message).toContain('(994 more)');
    expect(cycle?.message.length).toBeLessThan(200);
  });

  it('runs on a flow built in code, pointing at the top of FLOE.yaml', () => {
    const flow: ResolvedFlow = {
      id: 'code',
      name: 'code',
      ver: 1,
      'reuse-space': false,
      'host-tags': [],
      'resource-tags': [],
      triggers: [],
      timeout: '6h',
      'cancel-superseded': false,
      'requeue-lost': false,
      tasks: [
        {
          id: 'a',
          name: 'a',
          type: 'exec',
          listen: 'task.a.good',
          'ignore-fail': false,
          'use-status': false,
          retry: 0,
          opts: { cmd: 'make' },
        },
      ],
    };
    expect(lintFlow(flow)).toEqual([
      expect.objectContaining({ code: 'event-cycle', file: 'FLOE.yaml', line: 1, column: 1, flowId: 'code' }),
    ]);
  });
});
