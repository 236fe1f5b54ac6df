import { describe, expect, it } from 'vitest';
import { expandWs } from './expand-ws.js';

describe('expandWs', () => {
  // The original floe's own test vectors for its workspace expansion, workspace /base/path.
  it.each([
    ['OOF={{ws}}/oof', 'OOF=/base/path/oof'],
    ['./go', '/base/path/go'],
    ['OOF=./oof', 'OOF=/base/path/oof'],
    ['/go{{ws}}', '/go/base/path'],
    ['/go/{{ws}}', '/go/base/path'],
    ['./...', './...'],
    ['./../', '/base/path/../'],
  ])('expands %s to %s as the original did', (text, expected) => {
    expect(expandWs(text, '/base/path')).toBe(expected);
  });

  it('turns a lone dot into the workspace', () => {
    expect(expandWs('.', '/ws')).toBe('/ws');
    expect(expandWs('DIR=.', '/ws')).toBe('DIR=/ws');
  });

  it('leaves a ./ that is not leading, two =, and $VAR alone', () => {
    expect(expandWs('a/./b', '/ws')).toBe('a/./b');
    expect(expandWs('A=B=./x', '/ws')).toBe('A=B=./x');
    expect(expandWs('$HOME/x', '/ws')).toBe('$HOME/x');
    expect(expandWs('../x', '/ws')).toBe('../x');
  });
});
