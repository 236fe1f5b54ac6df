// Which IP addresses a URL from code we do not trust may reach (docs/security.md): only public ones. Loopback,
// private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, documentation and
// reserved ranges are refused, in IPv4 and IPv6, including IPv4 written inside IPv6 (mapped, NAT64, 6to4).
import { isIP } from 'node:net';

/** `a.b.c.d/n` or `x:y::/n`: a network an address can be in. */
export type Cidr = { bytes: Uint8Array; bits: number };

const NOT_PUBLIC_V4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, cloud metadata
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.0.2.0/24',
  '192.88.99.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '198.51.100.0/24',
  '203.0.113.0/24',
  '224.0.0.0/4', // multicast
  '240.0.0.0/4', // reserved, broadcast
].map(cidr);

const NOT_PUBLIC_V6 = [
  '::/128',
  '::1/128',
  '100::/64', // discard
  '2001::/23', // IETF protocol assignments (Teredo and others)
  '2001:db8::/32', // documentation
  'fc00::/7', // unique local
  'fe80::/10', // link-local
  'fec0::/10', // old site-local
  'ff00::/8', // multicast
].map(cidr);

/** IPv6 prefixes that carry an IPv4 address: the check applies to that address. */
const EMBEDS_V4: { net: Cidr; at: number }[] = [
  { net: cidr('::ffff:0:0/96'), at: 12 }, // IPv4-mapped
  { net: cidr('::/96'), at: 12 }, // IPv4-compatible (deprecated)
  { net: cidr('64:ff9b::/96'), at: 12 }, // NAT64
  { net: cidr('64:ff9b:1::/48'), at: 12 }, // local NAT64
  { net: cidr('2002::/16'), at: 2 }, // 6to4
];

/**
 * True when `address` (an IPv4 or IPv6 literal, brackets allowed) is a public unicast address; false for anything
 * else, including text that is not an address. `allowed` networks count as public (the hub's `--allow-network`).
 */
export function isPublicAddress(address: string, allowed: readonly Cidr[] = []): boolean {
  const bytes = parseIp(address);
  if (!bytes) return false;
  if (allowed.some((net) => inCidr(bytes, net))) return true;
  if (bytes.length === 4) return !NOT_PUBLIC_V4.some((net) => inCidr(bytes, net));
  for (const { net, at } of EMBEDS_V4) {
    if (inCidr(bytes, net)) return isPublicAddress(bytes.subarray(at, at + 4).join('.'), allowed);
  }
  return !NOT_PUBLIC_V6.some((net) => inCidr(bytes, net));
}

/** Parses `a.b.c.d/n` or `x::y/n` (n defaults to the whole address); throws a message for a person otherwise. */
export function cidr(text: string): Cidr {
  const [address = '', prefix] = text.trim().split('/');
  const bytes = parseIp(address);
  if (!bytes) throw new Error(`${JSON.stringify(text)} is not an IP address or network (e.g. 10.0.0.0/8)`);
  const bits = prefix === undefined ? bytes.length * 8 : Number(prefix);
  if (!Number.isInteger(bits) || bits < 0 || bits > bytes.length * 8 || !/^\d*$/.test(prefix ?? '')) {
    throw new Error(`${JSON.stringify(text)} has a bad prefix length`);
  }
  return { bytes, bits };
}

function inCidr(bytes: Uint8Array, net: Cidr): boolean {
  if (bytes.length !== net.bytes.length) return false;
  for (let bit = 0; bit < net.bits; bit++) {
    const mask = 0x80 >> (bit % 8);
    const index = bit >> 3;
    if (((bytes[index] as number) & mask) !== ((net.bytes[index] as number) & mask)) return false;
  }
  return true;
}

/** The bytes of an IPv4 (4) or IPv6 (16) literal; undefined when it is neither. Zone ids (`%eth0`) are dropped. */
export function parseIp(text: string): Uint8Array | undefined {
  const address = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const version = isIP(address);
  if (version === 4) return Uint8Array.from(address.split('.').map(Number));
  if (version !== 6) return undefined;
  // A trailing dotted IPv4 part becomes two groups.
  let text6 = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text6);
  if (v4?.[1]) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text6 = `${text6.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text6.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const first = groups(head);
  const last = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? first : [...first, ...new Array(8 - first.length - last.length).fill(0), ...last];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}
