import { describe, expect, it } from 'vitest';
import { maskSecrets, secretForms } from './mask-secrets.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const b64url = (text: string) => Buffer.from(text).toString('base64url');

describe('maskSecrets', () => {
  it('replaces every occurrence of each secret value with ***', () => {
    const { mask } = maskSecrets(['hunter2', 's3cr3t']);
    expect(mask('password hunter2 and s3cr3t, again hunter2\n')).toBe('password *** and ***, again ***\n');
  });

  it('masks the longer of two overlapping secrets whole', () => {
    const { mask } = maskSecrets(['abcd', 'abcdefgh']);
    expect(mask('x abcdefgh y abcd')).toBe('x *** y ***');
  });

  it('treats regular-expression characters in a secret literally', () => {
    const { mask } = maskSecrets(['a.b*c']);
    expect(mask('a.b*c aXbbc')).toBe('*** aXbbc');
  });

  it('leaves text alone when there are no secrets or only ones shorter than 4 characters', () => {
    expect(maskSecrets([]).mask('hello')).toBe('hello');
    expect(maskSecrets(['a', '', 'abc']).mask('a banana abc')).toBe('a banana abc');
  });

  it('masks the base64 forms of a value wherever it sits in a longer encoded text', () => {
    const secret = 'Sup3r-S3cret/Value?';
    const { mask } = maskSecrets([secret]);
    for (const prefix of ['', 'x', 'xy', 'xyz']) {
      for (const suffix of ['', '!', '!!']) {
        for (const encode of [b64, b64url]) {
          const encoded = encode(`${prefix}${secret}${suffix}`);
          const masked = mask(encoded);
          expect(masked).toContain('***');
          // What is left is only the few characters that mix in the neighbouring bytes.
          expect(masked.replace('***', '').length).toBeLessThanOrEqual(8);
        }
      }
    }
  });

  it('masks each line of a multi-line value on its own', () => {
    const { mask } = maskSecrets(['-----BEGIN KEY-----\nMIIEpAIBAAKCAQEA\n-----END KEY-----']);
    expect(mask('line: MIIEpAIBAAKCAQEA\n')).toBe('line: ***\n');
    expect(mask('-----END KEY-----')).toBe('***');
  });

  it('masks a secret split across two chunks of a stream', () => {
    const masker = maskSecrets(['hunter2-long']);
    const stream = masker.stream();
    const out = stream.write('before hunt') + stream.write('er2-long after\n') + stream.end();
    expect(out).toBe('before *** after\n');
  });

  it('gives back what it held when the stream ends without the rest of a secret', () => {
    const stream = maskSecrets(['hunter2-long']).stream();
    expect(stream.write('ends with hunt')).toBe('ends with ');
    expect(stream.end()).toBe('hunt');
  });

  it('masks a ::floe-mask:: value from then on, the line itself included, even split across chunks', () => {
    const masker = maskSecrets([]);
    const stream = masker.stream();
    const out =
      stream.write('early my-own-token\n::floe-ma') +
      stream.write('sk::my-own-token\nlater my-own-token ') +
      stream.write(`and ${b64('my-own-token')}\n`) +
      stream.end();
    expect(out).toBe('early my-own-token\n::floe-mask::***\nlater *** and ***\n');
  });

  it("masks an ::add-mask:: value (GitHub Actions' command) the same way, split across chunks", () => {
    const stream = maskSecrets([]).stream();
    const out = stream.write('::add-m') + stream.write('ask::s3cret-value\nthen s3cret-value\n') + stream.end();
    expect(out).toBe('::add-mask::***\nthen ***\n');
  });

  it('lists no form shorter than 4 characters', () => {
    expect(secretForms('abcd').every((form) => form.length >= 4)).toBe(true);
    expect(secretForms('abcd')).toContain('abcd');
  });
});
