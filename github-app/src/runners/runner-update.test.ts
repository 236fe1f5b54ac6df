import { PROTOCOL_VERSION } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { compareVersions, runnerUpdate } from './runner-update.js';

describe('runnerUpdate', () => {
  const hub = { version: '0.4.2', protocol: 2 };

  it('says nothing of a runner as new as the hub, newer, or that never said its version', () => {
    expect(runnerUpdate({ version: '0.4.2', protocol: 2 }, hub)).toBeUndefined();
    expect(runnerUpdate({ version: '0.5.0', protocol: 3 }, hub)).toBeUndefined();
    expect(runnerUpdate({}, hub)).toBeUndefined();
  });

  it('names an older floe version and an older protocol, each with both sides', () => {
    expect(runnerUpdate({ version: '0.4.1', protocol: 2 }, hub)).toBe(
      `runs floe 0.4.1, older than the hub's 0.4.2: update it (docs/runners.md "Upgrading a fleet")`,
    );
    expect(runnerUpdate({ version: '0.4.2', protocol: 1 }, hub)).toBe(
      `speaks runner protocol 1, the hub 2: update it (docs/runners.md "Upgrading a fleet")`,
    );
    expect(runnerUpdate({ version: '0.3.9', protocol: 1 }, hub)).toContain('0.3.9, older');
  });

  it("compares with this hub's protocol by default", () => {
    expect(runnerUpdate({ protocol: PROTOCOL_VERSION - 1 }, { version: '0.1.0' })).toContain(
      `the hub ${PROTOCOL_VERSION}`,
    );
  });
});

describe('compareVersions', () => {
  it.each([
    ['0.10.0', '0.9.9', 1],
    ['1.0.0', '1.0.0', 0],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['v1.2', '1.2.0', 0],
    ['2', '10', -1],
  ])('orders %s against %s as %i', (a, b, order) => {
    expect(compareVersions(a, b)).toBe(order);
  });

  it('never throws on a hostile version string, counting what is not a number as 0', () => {
    expect(compareVersions('../../etc\u0000x.y', '0.0.0')).toBe(0);
    expect(compareVersions('9'.repeat(400), '1.0.0')).toBe(1);
  });
});
