import { lstatSync, readdirSync } from 'node:fs';
import { join, posix } from 'node:path';
import { type FailedTest, MAX_FAILED_TESTS, type TestReport } from '@floe/shared';
import picomatch from 'picomatch';
import { SaxesParser } from 'saxes';
import { readTaskFile } from './read-task-file.js';

/** A report file larger than this is not read (it is named as a problem). */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;
/** Report files read per task; further matches are named as one problem. */
export const MAX_REPORT_FILES = 100;
/** Directory entries looked at while matching the globs, so a huge workspace does not stall the runner. */
const MAX_WALK_ENTRIES = 50_000;

/**
 * The JUnit XML reports a task's `reports: {junit: …}` globs match in the workspace, read as one test report
 * (docs/floe-yaml.md "Test reports"). Hostile files are expected: a glob never leaves the workspace, symlinks are
 * neither followed nor read, each file is capped at MAX_REPORT_BYTES, and the XML parser (saxes) expands no
 * entity but XML's five — a file that declares entities (billion laughs, XXE) is refused unread. What could not
 * be read is listed in `problems`; `mask` masks every text kept (the run's secrets). Never throws.
 */
export function readJunitReports(workspace: string, globs: string[], mask: (text: string) => string): TestReport {
  const report: TestReport = {
    type: 'tests',
    files: [],
    tests: 0,
    failures: 0,
    errors: 0,
    skipped: 0,
    failed: [],
    problems: [],
  };
  const { files, problems } = matchFiles(workspace, globs);
  report.problems.push(...problems);
  for (const file of files) {
    const read = readTaskFile(join(workspace, file), MAX_REPORT_BYTES);
    if (!read.ok) {
      report.problems.push(`${file}: ${read.message}`);
      continue;
    }
    if (read.size > MAX_REPORT_BYTES) {
      report.problems.push(`${file}: ${read.size} bytes, over the ${MAX_REPORT_BYTES}-byte limit of a report`);
      continue;
    }
    const problem = parseJunit(read.bytes.toString('utf8'), file, report, mask);
    if (problem) report.problems.push(`${file}: ${problem}`);
    else report.files.push(file);
  }
  report.problems = report.problems.slice(0, 100).map((problem) => mask(problem).slice(0, 1000));
  return report;
}

/** Adds one file's test cases to `report`; answers why the file was refused, or undefined. */
export function parseJunit(
  xml: string,
  file: string,
  report: TestReport,
  mask: (text: string) => string,
): string | undefined {
  const parser = new SaxesParser({ position: false });
  type Case = FailedTest & { outcome?: 'failed' | 'error' | 'skipped' };
  const found: Case[] = [];
  const suites: string[] = [];
  let current: Case | undefined;
  let message: { text: string } | undefined;
  let problem: string | undefined;
  parser.on('doctype', (doctype) => {
    // saxes expands no declared entity, but a refusal says why better than "undefined entity".
    if (/<!ENTITY/i.test(doctype)) throw new RefusedReport('declares XML entities, which floe does not expand');
  });
  parser.on('opentag', (tag) => {
    const attr = (name: string) => {
      const value = tag.attributes[name];
      return typeof value === 'string' && value !== '' ? value : undefined;
    };
    if (tag.name === 'testsuite') suites.push(attr('name') ?? '');
    else if (tag.name === 'testcase') {
      current = { name: attr('name') ?? '(unnamed)' };
      const classname = attr('classname');
      if (classname) current.classname = classname;
      const suite = suites.at(-1);
      if (suite) current.suite = suite;
      const source = attr('file');
      current.file = source ? (relativeSource(source) ?? file) : file;
      const line = Number(attr('line'));
      if (Number.isSafeInteger(line) && line > 0) current.line = line;
    } else if (current && (tag.name === 'failure' || tag.name === 'error')) {
      current.outcome = tag.name === 'failure' ? 'failed' : 'error';
      message = { text: attr('message') ?? '' };
    } else if (current && tag.name === 'skipped' && !current.outcome) current.outcome = 'skipped';
  });
  parser.on('text', (text) => {
    // The failure's body (a stack trace) when it has no message attribute.
    if (message && message.text === '') message.text = text.trim();
  });
  parser.on('cdata', (text) => {
    if (message && message.text === '') message.text = text.trim();
  });
  parser.on('closetag', (tag) => {
    if (tag.name === 'testsuite') suites.pop();
    else if ((tag.name === 'failure' || tag.name === 'error') && current && message) {
      if (message.text) current.message = message.text;
      message = undefined;
    } else if (tag.name === 'testcase' && current) {
      found.push(current);
      current = undefined;
    }
  });
  parser.on('error', (err) => {
    throw err;
  });
  try {
    parser.write(xml).close();
  } catch (err) {
    problem = err instanceof RefusedReport ? err.message : `not JUnit XML (${(err as Error).message.split('\n')[0]})`;
    return problem;
  }
  for (const test of found) {
    report.tests++;
    if (test.outcome === 'skipped') report.skipped++;
    if (test.outcome !== 'failed' && test.outcome !== 'error') continue;
    if (test.outcome === 'failed') report.failures++;
    else report.errors++;
    if (report.failed.length >= MAX_FAILED_TESTS) continue;
    const { outcome: _outcome, ...failed } = test;
    report.failed.push(cleanTest(failed, mask));
  }
  return undefined;
}

class RefusedReport extends Error {}

function cleanTest(test: FailedTest, mask: (text: string) => string): FailedTest {
  const text = (value: string, max: number) => {
    const out = mask(value).replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '');
    return out.length > max ? `${out.slice(0, max - 1)}…` : out;
  };
  return {
    name: text(test.name, 1000),
    ...(test.suite !== undefined ? { suite: text(test.suite, 1000) } : {}),
    ...(test.classname !== undefined ? { classname: text(test.classname, 1000) } : {}),
    ...(test.message !== undefined ? { message: text(test.message, 4096) } : {}),
    ...(test.file !== undefined ? { file: text(test.file, 1000) } : {}),
    ...(test.line !== undefined ? { line: test.line } : {}),
  };
}

/** A test's `file` attribute as a repository path, or undefined when it is absolute or climbs out. */
function relativeSource(source: string): string | undefined {
  const normal = posix.normalize(source.replaceAll('\\', '/'));
  if (normal.startsWith('/') || normal === '..' || normal.startsWith('../')) return undefined;
  return normal.replace(/^\.\//, '');
}

/** The workspace files (relative, `/`-separated) the globs match, walking without following symlinks. */
export function matchFiles(workspace: string, globs: string[]): { files: string[]; problems: string[] } {
  const problems: string[] = [];
  const usable = globs.filter((glob) => {
    const normal = posix.normalize(glob);
    const climbs = glob.startsWith('/') || normal === '..' || normal.startsWith('../') || glob.includes('/../');
    if (climbs) problems.push(`${glob}: a report glob may not leave the workspace`);
    return !climbs;
  });
  if (usable.length === 0) return { files: [], problems };
  const isMatch = picomatch(usable, { dot: false });
  const files: string[] = [];
  let seen = 0;
  let more = 0;
  const walk = (dir: string, rel: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const name of entries) {
      if (++seen > MAX_WALK_ENTRIES) return;
      if (name === '.git' || name.startsWith('.floe-summary-')) continue;
      const path = rel === '' ? name : `${rel}/${name}`;
      let stat: ReturnType<typeof lstatSync>;
      try {
        stat = lstatSync(join(dir, name));
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(join(dir, name), path);
      else if (stat.isFile() && isMatch(path)) {
        if (files.length < MAX_REPORT_FILES) files.push(path);
        else more++;
      }
    }
  };
  // Only below each glob's fixed part (`reports/` of `reports/*.xml`), reached through no symlink.
  const bases = new Set(usable.map((glob) => picomatch.scan(glob).base));
  for (const base of [...bases].sort()) {
    if ([...bases].some((other) => other !== base && isBelow(base, other))) continue;
    if (base !== '' && !realDirectories(workspace, base)) continue;
    walk(base === '' ? workspace : join(workspace, base), base);
  }
  if (seen > MAX_WALK_ENTRIES) problems.push(`stopped looking after ${MAX_WALK_ENTRIES} files and directories`);
  if (more > 0) problems.push(`${more} more matching files not read: at most ${MAX_REPORT_FILES} per task`);
  return { files, problems };
}

function isBelow(path: string, dir: string): boolean {
  return dir === '' || path.startsWith(`${dir}/`);
}

/** Every step of `rel` below `workspace` is a directory, not a symlink to one. */
function realDirectories(workspace: string, rel: string): boolean {
  let dir = workspace;
  for (const part of rel.split('/')) {
    dir = join(dir, part);
    try {
      if (!lstatSync(dir).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}
