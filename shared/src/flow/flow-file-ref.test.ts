import { describe, expect, it } from 'vitest';
import { flowFileRef } from './flow-file-ref.js';
import { parseFloeFile } from './parse-floe-file.js';

describe('flowFileRef', () => {
  it('takes a path inside the repository, normalised', () => {
    expect(flowFileRef('flows/build.yaml')).toEqual({ kind: 'path', path: 'flows/build.yaml' });
    expect(flowFileRef('./flows//x/../build.yaml')).toEqual({ kind: 'path', path: 'flows/build.yaml' });
  });

  it('takes an https URL', () => {
    expect(flowFileRef('https://flows.example.com/a.yaml')).toEqual({
      kind: 'url',
      url: 'https://flows.example.com/a.yaml',
    });
  });

  it.each([
    ['http://flows.example.com/a.yaml', /plain http/],
    ['HTTP://flows.example.com/a.yaml', /plain http/],
    ['file:///etc/passwd', /path inside the repository or an https URL/],
    ['ftp://x/y', /path inside the repository or an https URL/],
    ['/etc/passwd', /absolute path/],
    ['\\\\server\\share\\x.yaml', /absolute path/],
    ['../secrets.yaml', /leaves the repository/],
    ['flows/../../x.yaml', /leaves the repository/],
    ['a\u0000b', /control characters/],
    ['flows/x\n.yaml', /control characters/],
    ['.', /names no file/],
    ['', /empty/],
  ])('refuses %j', (value, reason) => {
    const ref = flowFileRef(value);
    expect(ref.kind).toBe('refused');
    expect(ref.kind === 'refused' && ref.reason).toMatch(reason);
  });

  it('is a lint warning over http and for an absolute path (the original read its disk), and an error when it is not a path or https URL', () => {
    const lint = (value: string) =>
      parseFloeFile(`id: f\nflow-file: ${JSON.stringify(value)}\n`)
        .diagnostics.filter((d) => d.code.startsWith('flow-file'))
        .map((d) => [d.code, d.severity, d.line]);
    expect(lint('http://example.com/f.yaml')).toEqual([['flow-file-http', 'warning', 2]]);
    expect(lint('/home/ubuntu/floe/floe.yml')).toEqual([['flow-file-absolute', 'warning', 2]]);
    expect(lint('../up.yaml')).toEqual([['flow-file-invalid', 'error', 2]]);
    expect(lint('https://example.com/f.yaml')).toEqual([]);
    expect(lint('flows/f.yaml')).toEqual([]);
  });
});
