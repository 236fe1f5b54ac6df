import { describe, expect, it } from 'vitest';
import { secretCipher } from './secret-cipher.js';

describe('secretCipher', () => {
  it('opens what it sealed, and the sealed form does not contain the value', () => {
    const cipher = secretCipher('k3y-for-tests');
    const sealed = cipher?.seal('hunter2-value') ?? '';
    expect(sealed).not.toContain('hunter2');
    expect(sealed).not.toContain(Buffer.from('hunter2-value').toString('base64'));
    expect(cipher?.open(sealed)).toBe('hunter2-value');
  });

  it('seals the same value differently each time (fresh IV)', () => {
    const cipher = secretCipher('k3y-for-tests');
    expect(cipher?.seal('same')).not.toBe(cipher?.seal('same'));
  });

  it('cannot open a value sealed with another key or altered', () => {
    const sealed = secretCipher('one')?.seal('value') ?? '';
    expect(secretCipher('two')?.open(sealed)).toBeUndefined();
    expect(secretCipher('one')?.open(`${sealed.slice(0, -2)}AA`)).toBeUndefined();
    expect(secretCipher('one')?.open('garbage')).toBeUndefined();
  });

  it('is absent without a key', () => {
    expect(secretCipher(undefined)).toBeUndefined();
    expect(secretCipher('')).toBeUndefined();
  });
});
