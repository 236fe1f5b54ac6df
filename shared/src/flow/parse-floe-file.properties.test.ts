// Property tests: whatever text arrives (an editor buffer mid-keystroke, binary junk, random YAML, a valid flow with
// one piece changed), parsing and linting never throw and every position is inside the file (CONTRIBUTING.md
// "Findings are values").
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { parseFloeFile } from './parse-floe-file.js';

const valid = readFileSync(new URL('../../../test/fixtures/flows/single-flow.yaml', import.meta.url), 'utf8');
const original = readFileSync(new URL('../../../test/fixtures/flows/original-config.yaml', import.meta.url), 'utf8');

function checkPositions(text: string): void {
  const result = parseFloeFile(text);
  const lineCount = text.split(/\r\n|\r|\n/).length;
  for (const d of result.diagnostics) {
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lineCount);
    expect(d.endLine).toBeGreaterThanOrEqual(d.line);
    expect(d.endLine).toBeLessThanOrEqual(lineCount);
    expect(d.column).toBeGreaterThanOrEqual(1);
    expect(d.endColumn).toBeGreaterThanOrEqual(1);
    expect(d.message.length).toBeGreaterThan(0);
  }
  // A flow is returned only when nothing in the file blocks it (checked when flow ids are unique).
  if (new Set(result.flowIds).size < result.flowIds.length) return;
  for (const flow of result.flows) {
    expect(
      result.diagnostics.some((d) => d.severity === 'error' && d.flowId === flow.id && d.code !== 'duplicate-flow'),
    ).toBe(false);
  }
}

/** A valid flow with one random edit: a line removed, duplicated, or a span of text replaced. */
const mutated = (base: string) =>
  fc
    .tuple(
      fc.nat(),
      fc.nat(),
      fc.constantFrom('drop-line', 'dup-line', 'replace', 'insert'),
      fc.string({ maxLength: 12 }),
    )
    .map(([a, b, kind, insert]) => {
      const rows = base.split('\n');
      const row = a % rows.length;
      if (kind === 'drop-line') rows.splice(row, 1);
      if (kind === 'dup-line') rows.splice(row, 0, rows[row] ?? '');
      if (kind === 'drop-line' || kind === 'dup-line') return rows.join('\n');
      const at = a % (base.length + 1);
      const end = kind === 'insert' ? at : Math.min(base.length, at + (b % 20));
      return base.slice(0, at) + insert + base.slice(end);
    });

describe('parseFloeFile properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), checkPositions), { numRuns: 400 });
  });

  it('never throws on arbitrary YAML', () => {
    fc.assert(
      fc.property(fc.anything({ maxDepth: 4 }), (value) => {
        let text: string | undefined;
        try {
          text = stringify(value);
        } catch {
          return; // some values (symbols, functions) cannot be written as YAML at all
        }
        if (typeof text === 'string') checkPositions(text);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on YAML shaped like a flow with random values', () => {
    const node = fc.record(
      {
        id: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('a', 'b', 'c')),
        type: fc.constantFrom('exec', 'end', 'data', 'fetch', 'timer', 'git-checkout', 'git-merge', 'push', 'xx'),
        class: fc.constantFrom('task', 'merge', 'trigger'),
        listen: fc.constantFrom('trigger.good', 'task.a.good', 'task.b.bad', 'merge.c.good', 'task.a.3', 'junk'),
        wait: fc.array(fc.constantFrom('task.a.good', 'task.b.good', 'trigger.good'), { maxLength: 3 }),
        'use-status': fc.boolean(),
        'ignore-fail': fc.boolean(),
        opts: fc.record(
          { cmd: fc.string(), shell: fc.string(), 'sub-dir': fc.constantFrom('..', './x', '/a') },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    );
    const flow = fc.record(
      {
        id: fc.constantFrom('f', 'g'),
        triggers: fc.array(node, { maxLength: 2 }),
        tasks: fc.array(node, { maxLength: 5 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(flow, fc.record({ flows: fc.array(flow, { maxLength: 3 }) })), (value) =>
        checkPositions(stringify(value)),
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on mutated valid flows', () => {
    fc.assert(fc.property(fc.oneof(mutated(valid), mutated(original)), checkPositions), { numRuns: 300 });
  });
});
