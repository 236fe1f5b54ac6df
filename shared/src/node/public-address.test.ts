import { describe, expect, it } from 'vitest';
import { cidr, isPublicAddress, parseIp } from './public-address.js';

describe('isPublicAddress', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '0.0.0.0',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fe80::1',
    'fe80::1%eth0',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::127.0.0.1',
    '64:ff9b::10.0.0.1',
    '2002:7f00:1::',
    '2001:db8::1',
    'not an address',
    '',
    '1.2.3',
  ])('refuses %s', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '140.82.112.3',
    '172.32.0.1',
    '192.169.0.1',
    '2606:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::8.8.8.8',
    '2002:0808:0808::',
  ])('takes %s', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('counts the networks it is given as public, and only those', () => {
    const allowed = [cidr('127.0.0.1/32'), cidr('fd00::/8')];
    expect(isPublicAddress('127.0.0.1', allowed)).toBe(true);
    expect(isPublicAddress('::ffff:127.0.0.1', allowed)).toBe(true);
    expect(isPublicAddress('127.0.0.2', allowed)).toBe(false);
    expect(isPublicAddress('fd12::1', allowed)).toBe(true);
    expect(isPublicAddress('10.0.0.1', allowed)).toBe(false);
  });

  it('parses networks and refuses what is not one', () => {
    expect(cidr('10.0.0.0/8')).toEqual({ bytes: Uint8Array.from([10, 0, 0, 0]), bits: 8 });
    expect(cidr('::1').bits).toBe(128);
    expect(() => cidr('10.0.0.0/33')).toThrow(/bad prefix/);
    expect(() => cidr('10.0.0.0/x')).toThrow(/bad prefix/);
    expect(() => cidr('example.com')).toThrow(/not an IP address/);
    expect(parseIp('::ffff:1.2.3.4')?.subarray(12)).toEqual(Uint8Array.from([1, 2, 3, 4]));
  });
});
