import { durationMs, MIN_TRIGGER_PERIOD_MS, type Trigger } from '@floe/shared';
import { Cron } from 'croner';

type TimerTrigger = Extract<Trigger, { type: 'timer' }>;

/**
 * The next time a timer trigger fires after `now` (DESIGN §8 "Formats": a period, or five-field cron, UTC unless
 * `timezone`). Period slots are multiples of the period since the epoch, so every hub sharing a database
 * computes the same slot and the store lets one of them fire it. A period under 10 s counts as 10 s (a lint
 * warning says so; docs/floe-yaml.md "Limits"). Undefined when the timer can never fire.
 */
export function nextFire(trigger: TimerTrigger, now: number, minPeriodMs = MIN_TRIGGER_PERIOD_MS): number | undefined {
  const { cron, period, timezone } = trigger.opts;
  if (cron !== undefined) {
    try {
      const next = new Cron(cron, { timezone: timezone ?? 'UTC', paused: true }).nextRun(new Date(now));
      return next?.getTime();
    } catch {
      return undefined;
    }
  }
  const given = period === undefined ? undefined : durationMs(period);
  if (given === undefined || given <= 0) return undefined;
  const ms = Math.max(given, minPeriodMs);
  return (Math.floor(now / ms) + 1) * ms;
}

/** How often a poll-git trigger polls: its period (default 1 min), never under 10 s (docs/floe-yaml.md "Limits"). */
export function pollPeriodMs(
  trigger: { opts: { period?: Parameters<typeof durationMs>[0] | undefined } },
  minPeriodMs = MIN_TRIGGER_PERIOD_MS,
): number {
  const given = trigger.opts.period === undefined ? undefined : durationMs(trigger.opts.period);
  return Math.max(given ?? 60_000, minPeriodMs);
}
