// `floe token list|create|rm|rotate-admin`: the hub's API tokens (docs/security.md "Revocation, expiry and
// audit"). A new token is printed once, alone on stdout, so that it can be piped into a file.
import { RoleSchema } from '@floe/shared';
import type { CliCommand, CliIo } from '../cli-io.js';
import { callHub, hubApiUsage, hubClient, parseDuration, parseHubCommand, timeText } from '../hub-api-command.js';

const USAGE = `usage: floe token list
       floe token create NAME --role viewer|operator|admin [--expires 90d]
       floe token rm NAME
       floe token rotate-admin [--grace 10m]

API tokens, managed by an admin. list shows names, roles, when made, when they expire and were last used — never
a secret. create prints the new token once. rm refuses the token from now on (open live sockets with it close).
rotate-admin prints a new admin token; the current one keeps working for --grace (default 0), then is refused.
${hubApiUsage('an admin API token')}
  --expires D        the token stops working after D: a number and s, m, h or d (30d)
Exit status: 0 done, 1 the hub refused, 2 usage.`;

export const command: CliCommand = {
  name: 'token',
  summary: 'list, create, remove API tokens and rotate the admin token',
  usage: USAGE,
  run: tokenCommand,
};

async function tokenCommand(argv: string[], io: CliIo): Promise<number> {
  const started = parseHubCommand('token', USAGE, argv, io, {
    role: { type: 'string' },
    expires: { type: 'string' },
    grace: { type: 'string' },
  });
  if (typeof started === 'number') return started;
  const { parsed, usage } = started;
  const { values, positionals } = parsed;
  const [verb, name] = positionals;
  if (verb !== 'list' && verb !== 'create' && verb !== 'rm' && verb !== 'rotate-admin') {
    return usage('say list, create, rm or rotate-admin');
  }
  if ((verb === 'create' || verb === 'rm') && !name) return usage(`${verb} needs a NAME`);
  const role = RoleSchema.safeParse(values.role);
  if (verb === 'create' && !role.success) return usage('create needs --role viewer, operator or admin');
  const expiresIn = values.expires === undefined ? undefined : parseDuration(values.expires);
  if (values.expires !== undefined && expiresIn === undefined) return usage('--expires takes 30d, 12h, 45m or 90s');
  const grace = values.grace === undefined ? 0 : parseDuration(values.grace);
  if (grace === undefined) return usage('--grace takes 10m, 1h or 30s');
  const client = hubClient(values, io);
  if (typeof client === 'string') return usage(client);

  return callHub('token', io, async () => {
    if (verb === 'list') {
      for (const token of await client.tokens()) {
        const fields = [token.name, token.role, timeText(token.createdAt), timeText(token.expiresAt)];
        io.stdout.write(`${[...fields, timeText(token.lastUsedAt)].join('\t')}\n`);
      }
    } else if (verb === 'create' && role.success) {
      const expiresAt = expiresIn === undefined ? undefined : Date.now() + expiresIn;
      const made = await client.createToken({
        name: name as string,
        role: role.data,
        ...(expiresAt !== undefined ? { expiresAt } : {}),
      });
      io.stdout.write(`${made.token}\n`);
      io.stderr.write(`token ${name} (${role.data}) made${expiresAt ? `, expires ${timeText(expiresAt)}` : ''}\n`);
    } else if (verb === 'rm') {
      await client.deleteToken(name as string);
      io.stderr.write(`token ${name} removed\n`);
    } else {
      const rotated = await client.rotateAdminToken({ graceSeconds: Math.round(grace / 1000) });
      io.stdout.write(`${rotated.token}\n`);
      io.stderr.write(
        grace > 0
          ? `admin token rotated; the old one works until ${timeText(Date.now() + grace)}\n`
          : 'admin token rotated; the old one is refused from now on\n',
      );
    }
  });
}
