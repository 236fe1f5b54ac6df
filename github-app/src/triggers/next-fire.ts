import { durationMs, type Trigger } from '@floe/shared';
import { Cron } from 'croner';

type TimerTrigger = Extract<Trigger, { type: 'timer' }>;

/**
 * The next time a timer trigger fires after `now` (DESIGN §8 "Formats": a period, or five-field cron, UTC unless
 * `timezone`). Period slots are multiples of the period since the epoch, so every hub sharing a database
 * computes the same slot and the store lets one of them fire it. Undefined when the timer can never fire.
 */
export function nextFire(trigger: TimerTrigger, now: number): number | undefined {
  const { cron, period, timezone } = trigger.opts;
  if (cron !== undefined) {
    try {
      const next = new Cron(cron, { timezone: timezone ?? 'UTC', paused: true }).nextRun(new Date(now));
      return next?.getTime();
    } catch {
      return undefined;
    }
  }
  const ms = period === undefined ? undefined : durationMs(period);
  if (ms === undefined || ms <= 0) return undefined;
  return (Math.floor(now / ms) + 1) * ms;
}
