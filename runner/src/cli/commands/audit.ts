// `floe audit`: the hub's audit log of admin and operator actions, newest first (docs/security.md "Revocation,
// expiry and audit"). One line per entry: time, who (role), action, target, details.
import type { CliCommand, CliIo } from '../cli-io.js';
import { callHub, hubApiUsage, hubClient, parseHubCommand, timeText } from '../hub-api-command.js';

const USAGE = `usage: floe audit [--limit N] [--all]

Prints the audit log, newest first: time, who and their role, what, on what, details.
${hubApiUsage('an admin API token')}
  --limit N          this many entries (default 50, at most 500 a page)
  --all              every entry, page after page
Exit status: 0 done, 1 the hub refused, 2 usage.`;

export const command: CliCommand = {
  name: 'audit',
  summary: "print the hub's audit log of admin and operator actions",
  usage: USAGE,
  run: auditCommand,
};

async function auditCommand(argv: string[], io: CliIo): Promise<number> {
  const started = parseHubCommand('audit', USAGE, argv, io, {
    limit: { type: 'string' },
    all: { type: 'boolean' },
  });
  if (typeof started === 'number') return started;
  const { parsed, usage } = started;
  const { values, positionals } = parsed;
  if (positionals.length > 0) return usage(`unexpected argument ${positionals[0]}`);
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) return usage('--limit takes a whole number from 1');
  const client = hubClient(values, io);
  if (typeof client === 'string') return usage(client);
  return callHub('audit', io, async () => {
    let left = values.all ? Number.POSITIVE_INFINITY : limit;
    let cursor: string | undefined;
    do {
      const page = await client.audit({ limit: Math.min(500, left), ...(cursor !== undefined ? { cursor } : {}) });
      for (const entry of page.entries) {
        const detail = Object.entries(entry.detail ?? {})
          .map(([key, value]) => `${key}=${value}`)
          .join(' ');
        const who = `${entry.actor} (${entry.role})`;
        io.stdout.write(`${[timeText(entry.at), who, entry.action, entry.target, detail].join('\t')}\n`);
      }
      left -= page.entries.length;
      cursor = page.next;
    } while (cursor !== undefined && left > 0);
  });
}
