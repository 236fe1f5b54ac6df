// `floe migrate` on every config of the original floe kept in test/fixtures/original/ (verbatim, MIT).
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { migrateFloeFile } from './migrate-floe-file.js';
import { parseFloeFile } from './parse-floe-file.js';

const dir = new URL('../../../test/fixtures/original/', import.meta.url);
const originals = readdirSync(dir).filter((name) => /\.ya?ml$/.test(name));
const read = (name: string) => readFileSync(new URL(name, dir), 'utf8');
const comments = (text: string) => [...text.matchAll(/#.*$/gm)].map((m) => m[0].trim());

describe('migrateFloeFile on the original configs', () => {
  it('has all ten of them', () => {
    expect(originals).toHaveLength(10);
  });

  it.each(originals)('%s: leaves no legacy finding and no error, and a second pass changes nothing', (name) => {
    const original = read(name);
    const migrated = migrateFloeFile(original);
    expect(migrated.problem).toBeUndefined();
    const after = parseFloeFile(migrated.text, name).diagnostics;
    expect(after.filter((d) => d.code.startsWith('legacy-') || d.severity === 'error')).toEqual([]);
    const legacy = parseFloeFile(original, name).diagnostics.filter((d) => d.code.startsWith('legacy-'));
    // Each legacy finding is one change, except that `common:` goes as one.
    const common = legacy.filter((d) => d.flowId === undefined).length;
    expect(migrated.changes).toHaveLength(legacy.length - common + (common > 0 ? 1 : 0));
    expect(migrateFloeFile(migrated.text)).toEqual({ text: migrated.text, changes: [] });
  });

  it.each(originals)('%s: keeps every comment outside what it removes, and every line it does not change', (name) => {
    const original = read(name);
    const { text } = migrateFloeFile(original);
    const kept = new Set(text.split('\n'));
    const removedOrChanged = original.split('\n').filter((line) => !kept.has(line));
    for (const line of removedOrChanged) {
      // Only the original's keys change: `common:` and `subs:` sections, and lines holding an old key or value.
      expect(line).toMatch(
        /^\s*$|common:|^\s{4,}|subs:|git-push|git-merge|type: string|Form|Title|Fields|Id:|Prompt|Type|url: blah|exclude-refs/,
      );
    }
    const left = comments(text);
    for (const comment of comments(original).filter((c) => !removedOrChanged.some((line) => line.includes(c)))) {
      expect(left).toContain(comment);
    }
  });

  it('rewrites config.yml as the original meant it, printing where and why', () => {
    const { text, changes } = migrateFloeFile(read('config.yml'));
    expect(changes.map((c) => `${c.line}:${c.column} ${c.done}`)).toEqual([
      '1:1 removed `common`',
      '18:11 `type` set to `push`',
      '20:13 removed `opts`',
      '38:11 `type` set to `git-checkout`',
      '78:19 `type` set to `text`',
      '124:13 removed `exclude-refs`',
    ]);
    expect(changes[3]?.why).toContain('As git-checkout it no longer needs `from-branch`.');
    expect(text).toContain('          type: push             # the type of this trigger\n\n        - name: start');
    expect(text).not.toContain('common:');
    expect(text.startsWith('flows:\n')).toBe(true);
  });

  it('turns a capitalised Form into a form that is shown, saying so', () => {
    const { text, changes } = migrateFloeFile(read('flow_test-floeIn.yaml'));
    expect(text).toContain(
      '      form:\n        title: Start\n        fields:\n          - id: branch\n            prompt: Branch\n            type: text\n',
    );
    expect(changes[0]?.why).toContain('Now `form:`, it is shown: a run asks for its fields.');
    expect(parseFloeFile(text).flows[0]?.triggers[1]).toMatchObject({ opts: { form: { title: 'Start' } } });
  });

  it('removes a mapping emptied by its removals, and entries of a flow-style mapping', () => {
    const text =
      'id: f\ntriggers:\n  - {id: p, type: git-push, opts: {url: x}}\n  - id: q\n    type: poll-git\n    opts: {url: /r.git, exclude-refs: a}\ntasks: []\n';
    expect(migrateFloeFile(text).text).toBe(
      'id: f\ntriggers:\n  - {id: p, type: push}\n  - id: q\n    type: poll-git\n    opts: {url: /r.git}\ntasks: []\n',
    );
  });

  it('refuses hostile files with a reason instead of throwing: alias bombs, huge files, binary junk', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    bomb.push('id: f', 'subs: *l', 'tasks: []');
    expect(migrateFloeFile(bomb.join('\n')).problem).toMatch(/^it cannot be read: /);
    expect(migrateFloeFile(`id: f\n# ${'x'.repeat(2_000_001)}\n`).problem).toMatch(/at most 2000000/);
    expect(migrateFloeFile('\u0000\u0001\u00ff garbage: [').problem).toBeDefined();
  });

  it('refuses a file that is not YAML, changing nothing', () => {
    expect(migrateFloeFile('id: [\n')).toMatchObject({
      text: 'id: [\n',
      changes: [],
      problem: expect.stringMatching(/^it is not valid YAML/),
    });
  });
});
