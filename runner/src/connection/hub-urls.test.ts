import { describe, expect, it } from 'vitest';
import { readRunnerConfig } from '../daemon/runner-config.js';
import { splitHubUrls, validHubUrls } from './hub-urls.js';

describe('hub URLs', () => {
  it('splits a --hub list in order, dropping empty parts and spaces', () => {
    expect(splitHubUrls('http://a:1, http://b:2,,')).toEqual(['http://a:1', 'http://b:2']);
    expect(splitHubUrls('http://a:1')).toEqual(['http://a:1']);
  });

  it('accepts one or several http(s) hubs and refuses anything else', () => {
    expect(validHubUrls('http://a:1,https://b')).toBe(true);
    expect(validHubUrls('http://a:1,ftp://b')).toBe(false);
    expect(validHubUrls('not a url')).toBe(false);
    expect(validHubUrls(' , ')).toBe(false);
    expect(readRunnerConfig({ hub: 'http://a:1,http://b:2' }, {}).ok).toBe(true);
    const bad = readRunnerConfig({ hub: 'http://a:1,b' }, {});
    expect(bad.ok ? '' : bad.message).toContain('hub: an http:// or https:// URL, or several separated by commas');
  });
});
