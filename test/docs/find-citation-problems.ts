// What a citation in the repository names, checked against what the repository has. Code, READMEs and docs cite
// the design as `DESIGN §5`, `DESIGN §3 rule 2`, `DESIGN §8 "Retry"` (docs/design.md: its `## N.` sections, the
// numbered rules of a section, its `###` titles), and other documents by path, with a heading in quotes
// (`docs/floe-yaml.md "Coming from floe"`, `CONTRIBUTING.md "Findings are values"`). Documents that are not in the
// repository (the team's first plan and its background notes) may not be cited at all.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One citation that does not resolve: where it is, what it says, and why it fails. */
export type CitationProblem = { file: string; line: number; cited: string; problem: string };

/** A section of docs/design.md: its numbered rules, its `###` titles and its text (for quotes). */
export type DesignSection = { title: string; rules: Set<number>; titles: Set<string>; text: string };

/** Reads a document by its path from the repository's root; undefined when there is no such file. */
export type DocumentReader = (path: string) => string | undefined;

/** Records a problem at an index of the joined text (see joinLines). */
type Report = (index: number, cited: string, problem: string) => void;

/** The repository's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Folders never scanned: dependencies, builds, local data, git, generated figures and screenshots. */
const SKIPPED = new Set(['node_modules', 'dist', '.git', '.floe', '.tools', 'coverage', 'out', 'screenshots']);

/** Documents that are not in the repository, and where their content is now. */
const OUTSIDE: { pattern: RegExp; instead: string }[] = [
  { pattern: /\bSTYLE\b(?:\.md\b|(?=\s*[§"“,]))/g, instead: 'CONTRIBUTING.md has the habits we keep' },
  { pattern: /floe-behaviour/g, instead: 'docs/floe-yaml.md "Coming from floe" describes the original floe' },
  { pattern: /runner-anchors|vscode-and-probot|floe-README/g, instead: 'say what it stands for in our own words' },
  { pattern: /\/work\/shared\b/g, instead: 'cite only what is in the repository' },
];

/** A title or a quote in straight or curly double quotes. */
const QUOTED = `(?:"[^"]*"|“[^”]*”)`;

/** The sections of docs/design.md by number (`## 3. FLOE.yaml and the engine`). */
export function outlineDesign(markdown: string): Map<number, DesignSection> {
  const sections = new Map<number, DesignSection>();
  let current: DesignSection | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (\d+)\. (.+)$/.exec(line);
    if (heading) {
      current = { title: (heading[2] as string).trim(), rules: new Set(), titles: new Set(), text: '' };
      sections.set(Number(heading[1]), current);
      continue;
    }
    if (line.startsWith('## ')) current = undefined;
    if (!current) continue;
    const title = /^### (.+)$/.exec(line);
    if (title) current.titles.add((title[1] as string).trim());
    const rule = /^(\d+)\. /.exec(line);
    if (rule) current.rules.add(Number(rule[1]));
    current.text += `${line}\n`;
  }
  return sections;
}

/** The text of every heading of a markdown document, any level. */
export function headingsOf(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#+ (.+)$/gm)].map((m) => (m[1] as string).trim()));
}

/** The problems of one file's citations; `path` is relative to the repository's root. */
export function citationProblems(
  path: string,
  text: string,
  design: Map<number, DesignSection>,
  read: DocumentReader,
): CitationProblem[] {
  const problems: CitationProblem[] = [];
  const { joined, lineAt } = joinLines(text);
  const report: Report = (index, cited, problem) => problems.push({ file: path, line: lineAt(index), cited, problem });
  designCitations(path, joined, design, report);
  for (const { pattern, instead } of OUTSIDE) {
    for (const match of joined.matchAll(pattern)) {
      report(match.index ?? 0, match[0], `${match[0]} is not in the repository: ${instead}`);
    }
  }
  documentCitations(path, joined, read, report);
  if (path.endsWith('.md')) {
    const rawLineAt = (index: number) => text.slice(0, index).split('\n').length;
    markdownLinks(path, text, read, (index, cited, problem) =>
      problems.push({ file: path, line: rawLineAt(index), cited, problem }),
    );
  }
  // One problem per place, however many checks saw it.
  const seen = new Set<string>();
  return problems.filter((p) => !seen.has(`${p.line}\n${p.problem}`) && seen.add(`${p.line}\n${p.problem}`));
}

/**
 * `DESIGN §N` (and `docs/design.md §N`, and a bare `§N` inside docs/design.md itself), each followed by rules,
 * titles, a quote and further sections: `DESIGN §3 rule 4 and 6, §8 "Expansion"`, `DESIGN §3 ("Events", "Engine
 * rules") and §8 ("Retry")`, `DESIGN §4: "compare-and-set"`. Outside docs/design.md, a § that belongs to no such
 * citation names no document.
 */
function designCitations(path: string, joined: string, design: Map<number, DesignSection>, report: Report): void {
  const inDesign = path === 'docs/design.md';
  const covered = new Set<number>();
  for (const head of joined.matchAll(inDesign ? /§/g : /\bDESIGN\b(\.md\b)?|\bdesign\.md\b/g)) {
    const start = head.index ?? 0;
    if (covered.has(start)) continue;
    if (head[1]) report(start, head[0], 'DESIGN.md is not in the repository: cite docs/design.md as DESIGN §N');
    let at = start + (head[0] === '§' ? 0 : head[0].length);
    const take = (pattern: RegExp) => {
      const match = pattern.exec(joined.slice(at));
      if (match) at += match[0].length;
      return match;
    };
    if (!/^\s*\(?§/.test(joined.slice(at))) {
      if (head[0] === 'DESIGN') report(start, joined.slice(start, start + 40), 'DESIGN names no section (§N)');
      continue;
    }
    for (;;) {
      take(/^\s*\(?/);
      const sectionAt = at;
      const cited = take(/^§\s*(\d+)(\.\d+)?/);
      if (!cited) break;
      covered.add(sectionAt);
      const number = Number(cited[1]);
      const section = design.get(number);
      if (cited[2]) report(sectionAt, cited[0], 'docs/design.md has no numbered subsections');
      if (!section) {
        report(sectionAt, cited[0], `docs/design.md has no section §${number}`);
        break;
      }
      const rules = take(/^,?\s+rules?\s+(\d+(?:\s*(?:[–-]|,|and)\s*\d+)*)/);
      for (const rule of rules ? ruleNumbers(rules[1] as string) : []) {
        if (!section.rules.has(rule)) report(sectionAt, `§${number} rule ${rule}`, `§${number} has no rule ${rule}`);
      }
      const titles = take(new RegExp(String.raw`^\s*\(?\s*${QUOTED}(?:\s*,\s*${QUOTED})*`));
      for (const quoted of titles ? titles[0].matchAll(/"([^"]*)"|“([^”]*)”/g) : []) {
        const title = (quoted[1] ?? quoted[2] ?? '').trim();
        if (!section.titles.has(title) && title !== section.title) {
          report(sectionAt, `§${number} "${title}"`, `§${number} (${section.title}) has no part titled "${title}"`);
        }
      }
      const quote = take(/^\)?:\s*(?:"([^"]*)"|“([^”]*)”)/);
      const words = quote ? (quote[1] ?? quote[2] ?? '') : undefined;
      if (words !== undefined && !plain(section.text).includes(plain(words))) {
        report(
          sectionAt,
          `§${number}: "${words}"`,
          `§${number} does not say "${words}" (quote it exactly, or cite a title)`,
        );
      }
      if (!take(/^\)?\s*(?:,|;|and)\s*(?=§)/)) break;
    }
  }
  if (inDesign) return;
  for (const mark of joined.matchAll(/§/g)) {
    const index = mark.index ?? 0;
    if (!covered.has(index)) report(index, joined.slice(index, index + 20), 'a § of no document: cite DESIGN §N');
  }
}

/** `docs/x.md` exists; `some/doc.md "Heading"` names a document of the repository and one of its headings. */
function documentCitations(path: string, joined: string, read: DocumentReader, report: Report): void {
  for (const match of joined.matchAll(/(?<![\w./-])((?:[\w-]+\/)*[\w.-]+\.md)\s*"([^"]+)"/g)) {
    const [cited, doc, title] = match as unknown as [string, string, string];
    const found = [normalize(doc), join(dirname(path), doc)].find((candidate) => read(candidate) !== undefined);
    if (!found) report(match.index ?? 0, cited, `${doc} is not in the repository`);
    else if (!headingsOf(read(found) as string).has(title.trim())) {
      report(match.index ?? 0, cited, `${found} has no heading "${title}"`);
    }
  }
  for (const match of joined.matchAll(/(?<![\w./-])docs\/[\w-]+\.md\b/g)) {
    if (read(match[0]) === undefined) report(match.index ?? 0, match[0], `${match[0]} is not in the repository`);
  }
}

/** Links of a markdown file: their file is in the repository, and an anchor is one of its headings (`report` takes
 * an index into `text`). */
function markdownLinks(path: string, text: string, read: DocumentReader, report: Report): void {
  for (const match of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = match[1] as string;
    if (/^[a-z]+:/i.test(target)) continue;
    const [file = '', anchor] = target.split('#');
    const doc = file === '' ? path : join(dirname(path), file);
    const at = match.index ?? 0;
    if (file !== '' && !exists(doc)) report(at, target, `${doc} is not in the repository`);
    else if (anchor !== undefined && doc.endsWith('.md')) {
      const anchors = new Set([...headingsOf(read(doc) ?? '')].map(anchorOf));
      if (!anchors.has(anchor)) report(at, target, `${doc} has no #${anchor}`);
    }
  }
}

/**
 * A file's text with its lines joined, so that a citation broken across comment lines reads as one: each line
 * after the first loses its comment or heading marks (`//`, `*`, `#`) and joins the previous one with a space.
 * `lineAt` gives the line (from 1) of an index into the joined text.
 */
function joinLines(text: string): { joined: string; lineAt: (index: number) => number } {
  const starts: number[] = [];
  let joined = '';
  text.split('\n').forEach((line, n) => {
    if (n > 0) joined += ' ';
    starts.push(joined.length);
    joined += n === 0 ? line : line.replace(/^\s*(?:\/\/+|\/\*\*|\*(?!\/)|#+)?\s*/, '');
  });
  const lineAt = (index: number) => {
    let line = 0;
    while (line + 1 < starts.length && (starts[line + 1] as number) <= index) line++;
    return line + 1;
  };
  return { joined, lineAt };
}

/** `4`, `6–7`, `4 and 6`, `1, 2` → the numbers named. */
function ruleNumbers(list: string): number[] {
  const numbers: number[] = [];
  for (const part of list.split(/\s*(?:,|and)\s*/)) {
    const range = /^(\d+)\s*[–-]\s*(\d+)$/.exec(part);
    if (range) for (let n = Number(range[1]); n <= Number(range[2]); n++) numbers.push(n);
    else if (/^\d+$/.test(part)) numbers.push(Number(part));
  }
  return numbers;
}

/** Words only, lower case, markdown marks dropped: how a quote is looked for in a section's text. */
function plain(text: string): string {
  return text
    .replace(/[*_`>|]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as `-`. */
function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Whether a file or folder is at `path` (relative to the root), inside the repository. */
function exists(path: string): boolean {
  const full = resolve(ROOT, path);
  try {
    return full.startsWith(ROOT) && Boolean(statSync(full));
  } catch {
    return false;
  }
}

/** Every file of the repository (relative paths) but those in SKIPPED folders and images. */
export function repositoryFiles(): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(join(ROOT, folder), { withFileTypes: true })) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory() && !SKIPPED.has(entry.name)) walk(path);
      else if (entry.isFile() && !/\.(png|jpe?g|gif|ico|vsix|tsbuildinfo)$/.test(path)) files.push(path);
    }
  };
  walk('');
  return files.sort();
}

/** Reads repository documents by path from the root, each once. */
export function documentReader(): DocumentReader {
  const cache = new Map<string, string | undefined>();
  return (path) => {
    if (!cache.has(path)) {
      const isFile = exists(path) && statSync(resolve(ROOT, path)).isFile();
      cache.set(path, isFile ? readFileSync(resolve(ROOT, path), 'utf8') : undefined);
    }
    return cache.get(path);
  };
}
