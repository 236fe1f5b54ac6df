import { describe, expect, it } from 'vitest';
import { toAnnotationDiagnostics } from './annotation-diagnostics.js';

describe('toAnnotationDiagnostics', () => {
  it('puts annotations and failed tests on their file and line, counted from 0, and skips those without a file', () => {
    const diagnostics = toAnnotationDiagnostics([
      {
        node: 'lint',
        attempt: 1,
        report: {
          type: 'annotation',
          level: 'warning',
          message: 'unused',
          file: 'src/a.ts',
          line: 3,
          col: 7,
          title: 'no-unused',
        },
      },
      { node: 'lint', attempt: 1, report: { type: 'annotation', level: 'error', message: 'no file' } },
      {
        node: 'lint',
        attempt: 1,
        report: { type: 'annotation', level: 'notice', message: 'span', file: 'b.ts', line: 2, endLine: 4 },
      },
      {
        node: 'test',
        attempt: 1,
        report: {
          type: 'tests',
          files: [],
          tests: 1,
          failures: 1,
          errors: 0,
          skipped: 0,
          problems: [],
          failed: [{ name: 'adds', file: 'src/add.test.ts', line: 9, message: 'no' }],
        },
      },
    ]);
    expect(diagnostics).toEqual([
      {
        file: 'src/a.ts',
        start: { line: 2, character: 6 },
        end: { line: 2, character: 7 },
        severity: 'warning',
        message: 'no-unused: unused',
        node: 'lint',
      },
      {
        file: 'b.ts',
        start: { line: 1, character: 0 },
        end: { line: 3, character: 10_000 },
        severity: 'information',
        message: 'span',
        node: 'lint',
      },
      {
        file: 'src/add.test.ts',
        start: { line: 8, character: 0 },
        end: { line: 8, character: 10_000 },
        severity: 'error',
        message: 'test adds failed: no',
        node: 'test',
      },
    ]);
  });
});
