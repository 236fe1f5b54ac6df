import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_REPORT_BYTES, readJunitReports } from './read-junit.js';

let ws: string;
let outside: string;
beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), 'floe-junit-'));
  outside = await mkdtemp(join(tmpdir(), 'floe-junit-outside-'));
  mkdirSync(join(ws, 'reports'));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const same = (text: string) => text;
const JUNIT = `<?xml version="1.0"?>
<testsuites>
  <testsuite name="math" tests="4">
    <testcase classname="math.Add" name="adds" file="src/add.test.ts" line="12"/>
    <testcase classname="math.Add" name="overflows" file="src/add.test.ts" line="20">
      <failure message="expected 3, got 4">stack…</failure>
    </testcase>
    <testcase classname="math.Div" name="by zero"><error><![CDATA[TypeError: boom]]></error></testcase>
    <testcase classname="math.Div" name="later"><skipped/></testcase>
  </testsuite>
</testsuites>`;

describe('readJunitReports', () => {
  it('counts tests and lists failures with their messages and files', () => {
    writeFileSync(join(ws, 'reports/unit.xml'), JUNIT);
    writeFileSync(join(ws, 'reports/notes.txt'), 'not a report');
    const report = readJunitReports(ws, ['reports/*.xml'], same);
    expect(report).toMatchObject({
      files: ['reports/unit.xml'],
      tests: 4,
      failures: 1,
      errors: 1,
      skipped: 1,
      problems: [],
    });
    expect(report.failed).toEqual([
      {
        name: 'overflows',
        classname: 'math.Add',
        suite: 'math',
        file: 'src/add.test.ts',
        line: 20,
        message: 'expected 3, got 4',
      },
      { name: 'by zero', classname: 'math.Div', suite: 'math', file: 'reports/unit.xml', message: 'TypeError: boom' },
    ]);
  });

  it('refuses a billion-laughs report without expanding anything', () => {
    const lol = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><testsuite><testcase name="&lol9;"/></testsuite>`;
    writeFileSync(join(ws, 'reports/lol.xml'), lol);
    const started = process.hrtime.bigint();
    const report = readJunitReports(ws, ['reports/*.xml'], same);
    expect(report.tests).toBe(0);
    expect(report.problems).toEqual(['reports/lol.xml: declares XML entities, which floe does not expand']);
    // Nothing was expanded: far below the time a billion copies would take.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2_000);
  });

  it('never reads an external entity (XXE), declared or not', () => {
    writeFileSync(join(outside, 'secret'), 'TOP-SECRET');
    writeFileSync(
      join(ws, 'reports/xxe.xml'),
      `<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file://${outside}/secret">]><testsuite><testcase name="x"><failure message="&xxe;"/></testcase></testsuite>`,
    );
    writeFileSync(join(ws, 'reports/undeclared.xml'), '<testsuite><testcase name="&xxe;"/></testsuite>');
    const report = readJunitReports(ws, ['reports/*.xml'], same);
    expect(JSON.stringify(report)).not.toContain('TOP-SECRET');
    expect(report.tests).toBe(0);
    expect(report.problems).toHaveLength(2);
    expect(report.problems[0]).toMatch(/^reports\/undeclared\.xml: not JUnit XML/);
  });

  it('refuses a report over the size cap, names it, and reads the others', () => {
    writeFileSync(join(ws, 'reports/huge.xml'), Buffer.alloc(MAX_REPORT_BYTES + 1, 0x20));
    writeFileSync(join(ws, 'reports/unit.xml'), JUNIT);
    const report = readJunitReports(ws, ['reports/*.xml'], same);
    expect(report.tests).toBe(4);
    expect(report.problems).toEqual([
      `reports/huge.xml: ${MAX_REPORT_BYTES + 1} bytes, over the ${MAX_REPORT_BYTES}-byte limit of a report`,
    ]);
  });

  it('follows no symlink out of the workspace and refuses globs that climb out', () => {
    writeFileSync(join(outside, 'other.xml'), JUNIT);
    symlinkSync(join(outside, 'other.xml'), join(ws, 'reports/link.xml'));
    symlinkSync(outside, join(ws, 'linked-dir'));
    const report = readJunitReports(
      ws,
      ['reports/*.xml', 'linked-dir/*.xml', '../*/other.xml', `${outside}/*.xml`],
      same,
    );
    expect(report.tests).toBe(0);
    expect(report.files).toEqual([]);
    expect(report.problems).toEqual([
      '../*/other.xml: a report glob may not leave the workspace',
      `${outside}/*.xml: a report glob may not leave the workspace`,
    ]);
  });

  it('masks what it keeps and strips control bytes', () => {
    writeFileSync(
      join(ws, 'reports/unit.xml'),
      '<?xml version="1.1"?><testsuite><testcase name="leaks hunter2"><failure message="token hunter2&#x7;!"/></testcase></testsuite>',
    );
    const report = readJunitReports(ws, ['reports/*.xml'], (text) => text.replaceAll('hunter2', '***'));
    expect(report.failed).toEqual([{ name: 'leaks ***', file: 'reports/unit.xml', message: 'token ***!' }]);
  });
});
