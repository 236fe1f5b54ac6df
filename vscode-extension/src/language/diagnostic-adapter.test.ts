import { parseFloeFile } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { toEditorDiagnostics } from './diagnostic-adapter.js';

describe('toEditorDiagnostics', () => {
  it('puts an unknown key under the key itself, counted from 0', () => {
    const text = 'id: build\ntasks:\n  - id: one\n    type: exec\n    lisen: trigger.good\n    opts: {cmd: "true"}\n';
    const [diagnostic] = toEditorDiagnostics(parseFloeFile(text).diagnostics.filter((d) => d.code === 'unknown-key'));
    expect(diagnostic).toMatchObject({
      start: { line: 4, character: 4 },
      end: { line: 4, character: 9 },
      severity: 'error',
      code: 'unknown-key',
    });
    expect(diagnostic?.message).toContain('did you mean `listen`?');
  });

  it('keeps a warning a warning and puts it on the listen value', () => {
    const text =
      'id: build\ntasks:\n  - id: one\n    type: exec\n    listen: task.nobody.good\n    opts: {cmd: "true"}\n';
    const diagnostics = toEditorDiagnostics(parseFloeFile(text).diagnostics);
    const listen = diagnostics.find((d) => d.start.line === 4);
    expect(listen?.severity).toBe('warning');
    expect(listen?.start.character).toBe(12);
    expect(listen?.end).toEqual({ line: 4, character: 28 });
  });

  it('widens an empty range to one character', () => {
    const [diagnostic] = toEditorDiagnostics([
      { file: 'f', line: 3, column: 5, endLine: 3, endColumn: 5, severity: 'error', code: 'yaml-syntax', message: 'x' },
    ]);
    expect(diagnostic?.start).toEqual({ line: 2, character: 4 });
    expect(diagnostic?.end).toEqual({ line: 2, character: 5 });
  });
});
