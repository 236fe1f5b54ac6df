// Who needs an update (docs/runners.md "Upgrading a fleet"): a runner whose floe version is older than the hub's, or
// that speaks an older protocol than the hub's newest. It still works — the hub speaks every version from
// MIN_PROTOCOL_VERSION — but it misses what the newer versions added (a drain it hears only by being offered nothing).
import { PROTOCOL_VERSION } from '@floe/shared';

/**
 * Why the runner should be updated, as a sentence for the runners view; undefined when it is up to date or has
 * never said its version. `hub.protocol` defaults to this hub's newest (PROTOCOL_VERSION).
 */
export function runnerUpdate(
  runner: { version?: string | undefined; protocol?: number | undefined },
  hub: { version: string; protocol?: number },
): string | undefined {
  const hubProtocol = hub.protocol ?? PROTOCOL_VERSION;
  const reasons: string[] = [];
  if (runner.version !== undefined && compareVersions(runner.version, hub.version) < 0)
    reasons.push(`runs floe ${runner.version}, older than the hub's ${hub.version}`);
  if (runner.protocol !== undefined && runner.protocol < hubProtocol)
    reasons.push(`speaks runner protocol ${runner.protocol}, the hub ${hubProtocol}`);
  return reasons.length > 0 ? `${reasons.join('; ')}: update it (docs/runners.md "Upgrading a fleet")` : undefined;
}

/**
 * Orders two versions `MAJOR.MINOR.PATCH[-pre]` by their numbers; a pre-release is older than its release. A part that
 * is not a number (a hostile or odd hello) counts as 0, so the comparison never throws.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (version: string) => {
    const [core = '', pre] = version.trim().replace(/^v/, '').split('-', 2);
    const parts = core.split('.').slice(0, 3);
    return { numbers: [0, 1, 2].map((i) => Number.parseInt(parts[i] ?? '0', 10) || 0), pre: pre !== undefined };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i += 1) {
    const difference = (x.numbers[i] ?? 0) - (y.numbers[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (x.pre !== y.pre) return x.pre ? -1 : 1;
  return 0;
}
