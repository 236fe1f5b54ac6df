// Every citation in the repository resolves (docs/design.md, "Citations"): a `DESIGN §N`, `DESIGN §N rule M` or
// `DESIGN §N "Title"` names what docs/design.md has; a document cited by path with a heading in quotes has that
// heading; markdown links reach their files and anchors; nothing cites a document that is not in the repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type CitationProblem,
  citationProblems,
  type DocumentReader,
  documentReader,
  outlineDesign,
  ROOT,
  repositoryFiles,
} from './find-citation-problems.js';

const THIS_FOLDER = 'test/docs';
const design = outlineDesign(readFileSync(join(ROOT, 'docs/design.md'), 'utf8'));

/** The problems of `text` as if it were the file `path`, against the real docs/design.md and documents. */
const problemsOf = (text: string, path = 'runner/src/example.ts', read: DocumentReader = documentReader()) =>
  citationProblems(path, text, design, read).map((p) => p.problem);

describe('citations in the repository', () => {
  it('all resolve', () => {
    const read = documentReader();
    // This folder's own files hold citations that must fail, on purpose.
    const files = repositoryFiles().filter((file) => !file.startsWith(`${THIS_FOLDER}/`));
    const problems: CitationProblem[] = [];
    for (const file of files) {
      const text = read(file);
      if (text === undefined || text.includes('\0')) continue;
      problems.push(...citationProblems(file, text, design, read));
    }
    const lines = problems.map((p) => `${p.file}:${p.line}: ${p.cited} — ${p.problem}`);
    expect(lines, `citations that do not resolve:\n${lines.join('\n')}`).toEqual([]);
    expect(files.length).toBeGreaterThan(300);
  });

  it('find docs/design.md with the sections the code cites, §1 to §8, and the rules of §3', () => {
    expect([...design.keys()].filter((n) => n <= 8)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect([...(design.get(3)?.rules ?? [])]).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(design.get(8)?.titles).toContain('Retry');
  });
});

describe('a citation', () => {
  it('of a section, a rule, titles and a quote that docs/design.md has passes', () => {
    expect(problemsOf('// DESIGN §5; DESIGN §3 rule 4 and 6, §8 "Expansion"; DESIGN §3 rules 6–7, §4')).toEqual([]);
    expect(problemsOf('// DESIGN §3 ("Events", "Engine rules") and §8 ("Why a run ended", "Retry").')).toEqual([]);
    expect(problemsOf('// (DESIGN §8\n// "Starting runs")')).toEqual([]);
    expect(problemsOf('// DESIGN §3, rule 3; §8 "Why a run ended": timed out')).toEqual([]);
    expect(problemsOf('// DESIGN §4: "compare-and-set"')).toEqual([]);
  });

  it('of a section, rule or title that docs/design.md does not have fails', () => {
    expect(problemsOf('// DESIGN §42')).toEqual(['docs/design.md has no section §42']);
    expect(problemsOf('// DESIGN §3 rule 9')).toEqual(['§3 has no rule 9']);
    expect(problemsOf('// DESIGN §3 rules 6–8')).toEqual(['§3 has no rule 8']);
    expect(problemsOf('// DESIGN §8 "Retries"')).toEqual(['§8 (Details settled) has no part titled "Retries"']);
    expect(problemsOf('// DESIGN §5, §8 "Live API", "Nope"')).toEqual([
      '§8 (Details settled) has no part titled "Nope"',
    ]);
    expect(problemsOf('// DESIGN §8.1')).toEqual(['docs/design.md has no numbered subsections']);
    expect(problemsOf('// DESIGN §4: "words the section does not have"')).toHaveLength(1);
    expect(problemsOf('// as DESIGN keeps them')).toEqual(['DESIGN names no section (§N)']);
    expect(problemsOf('// scenario §2.4 of the notes')).toEqual(['a § of no document: cite DESIGN §N']);
  });

  it('of a document that is not in the repository fails', () => {
    expect(problemsOf('// DESIGN.md §3 is the reference')).toEqual([
      'DESIGN.md is not in the repository: cite docs/design.md as DESIGN §N',
    ]);
    const style = 'STYLE is not in the repository: CONTRIBUTING.md has the habits we keep';
    expect(problemsOf('// (STYLE §4)')).toContain(style);
    expect(problemsOf('// (STYLE "Outcomes are values")')).toEqual([style]);
    expect(problemsOf('// floe-behaviour.md, the original')).toEqual([
      'floe-behaviour is not in the repository: docs/floe-yaml.md "Coming from floe" describes the original floe',
    ]);
    expect(problemsOf('// runner-anchors §3 row 12')).toContain(
      'runner-anchors is not in the repository: say what it stands for in our own words',
    );
    expect(problemsOf('// see docs/security-sandbox.md')).toEqual([
      'docs/security-sandbox.md is not in the repository',
    ]);
  });

  it('of a heading of a repository document is checked against its headings', () => {
    expect(problemsOf('// docs/floe-yaml.md "Coming from floe"; CONTRIBUTING.md "Findings are values"')).toEqual([]);
    expect(problemsOf('// CONTRIBUTING.md "Tidy code"')).toEqual(['CONTRIBUTING.md has no heading "Tidy code"']);
    expect(problemsOf('// docs/nothing.md "Intro"')).toEqual(['docs/nothing.md is not in the repository']);
  });

  it('in docs/design.md itself may name its own sections with a bare §', () => {
    const read = documentReader();
    expect(problemsOf('See §6 and §8 "Retry".', 'docs/design.md', read)).toEqual([]);
    expect(problemsOf('See §12.', 'docs/design.md', read)).toEqual(['docs/design.md has no section §12']);
  });

  it('as a markdown link reaches its file and its anchor', () => {
    const path = 'docs/example.md';
    expect(problemsOf('[the reference](floe-yaml.md#coming-from-floe), [api](api.md)', path)).toEqual([]);
    expect(problemsOf('[gone](gone.md)', path)).toEqual(['docs/gone.md is not in the repository']);
    expect(problemsOf('[anchor](floe-yaml.md#nowhere)', path)).toEqual(['docs/floe-yaml.md has no #nowhere']);
  });
});
