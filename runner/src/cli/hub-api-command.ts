// What the `floe` commands that call the hub's API share (token, audit, runner remove): where the hub is, which
// token to send, and how a refusal is told — the hub's own message, exit status 1.
import { createFloeClient, type FloeClient } from '@floe/shared';
import type { CliIo } from './cli-io.js';

/** The client for `--hub` (default $FLOE_HUB) and `--token` (default $FLOE_TOKEN); a sentence when one is missing. */
export function hubClient(values: { hub?: string | undefined; token?: string | undefined }): FloeClient | string {
  const hub = values.hub ?? process.env.FLOE_HUB;
  const token = values.token ?? process.env.FLOE_TOKEN;
  if (!hub) return 'no hub: pass --hub URL or set FLOE_HUB';
  if (!token) return 'no API token: pass --token or set FLOE_TOKEN';
  return createFloeClient({ baseUrl: hub, token });
}

/** Runs `work`; a FloeApiError or a network failure is printed as `floe <name>: <message>` and gives status 1. */
export async function callHub(name: string, io: CliIo, work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (err) {
    io.stderr.write(`floe ${name}: ${(err as Error).message}\n`);
    return 1;
  }
}

/** A time for a table: ISO 8601 to the second, or `-`. */
export function timeText(at: number | undefined): string {
  return at === undefined ? '-' : new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Parses a duration such as `90d`, `12h`, `30m`, `45s` into milliseconds; undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})([smhd])$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
