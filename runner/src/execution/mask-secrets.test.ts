import { describe, expect, it } from 'vitest';
import { maskSecrets } from './mask-secrets.js';

describe('maskSecrets', () => {
  it('replaces every occurrence of each secret value with ***', () => {
    const mask = maskSecrets(['hunter2', 's3cr3t']);
    expect(mask('password hunter2 and s3cr3t, again hunter2\n')).toBe('password *** and ***, again ***\n');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const mask = maskSecrets(['abc', 'abcdef']);
    expect(mask('x abcdef y abc')).toBe('x *** y ***');
  });

  it('treats regular-expression characters in a secret literally', () => {
    const mask = maskSecrets(['a.b*c']);
    expect(mask('a.b*c aXbbc')).toBe('*** aXbbc');
  });

  it('leaves text alone when there are no secrets or only very short ones', () => {
    expect(maskSecrets([])('hello')).toBe('hello');
    expect(maskSecrets(['a', ''])('a banana')).toBe('a banana');
  });
});
