// DESIGN §5 "Protocol versions": each side speaks a range of versions; the hub picks the newest both speak.
import { z } from 'zod';

/** The versions one side speaks, both ends included. */
export const ProtocolRangeSchema = z.object({ min: z.number().int(), max: z.number().int() });
export type ProtocolRange = z.infer<typeof ProtocolRangeSchema>;

/** Whose floe must be upgraded for two ranges to meet. */
export type ProtocolUpgrade = 'the runner' | 'the hub';

/**
 * The newest version both ranges hold; or, when they do not meet, a sentence naming both ranges and which side to
 * upgrade (the side whose range lies below the other's).
 */
export function agreeProtocol(
  hub: ProtocolRange,
  runner: ProtocolRange,
): { version: number } | { upgrade: ProtocolUpgrade; message: string } {
  const version = Math.min(hub.max, runner.max);
  if (version >= Math.max(hub.min, runner.min)) return { version };
  const upgrade: ProtocolUpgrade = runner.max < hub.min ? 'the runner' : 'the hub';
  return {
    upgrade,
    message: `the runner speaks protocol ${showRange(runner)}, the hub ${showRange(hub)}; upgrade floe on ${upgrade}`,
  };
}

/** `1` or `1–3`. */
export function showRange(range: ProtocolRange): string {
  return range.min === range.max ? `version ${range.max}` : `versions ${range.min}–${range.max}`;
}
