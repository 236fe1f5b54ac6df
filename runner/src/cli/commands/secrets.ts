// `floe secrets set|list|rm`: the hub's secrets through its API (DESIGN §8 "Credentials and keys"). A value is
// read from stdin, never from an argument: arguments show in process listings and shell history.
import type { CliCommand, CliIo } from '../cli-io.js';
import { callHub, hubApiUsage, hubClient, parseHubCommand } from '../hub-api-command.js';

const USAGE = `usage: floe secrets set NAME [--repo OWNER/NAME]   (the value is read from stdin)
       floe secrets list [--repo OWNER/NAME]
       floe secrets rm NAME [--repo OWNER/NAME]

Secrets are referenced from FLOE.yaml env values as {{secret.NAME}}; a repository's secret overrides the hub's.
${hubApiUsage('an API token, admin to set or remove')}
  --repo R           a repository's secret instead of the hub's
Exit status: 0 done, 1 the hub refused, 2 usage.`;

export const command: CliCommand = {
  name: 'secrets',
  summary: 'set, list or remove the hub secrets tasks can use',
  usage: USAGE,
  run: secretsCommand,
};

async function secretsCommand(argv: string[], io: CliIo): Promise<number> {
  const started = parseHubCommand('secrets', USAGE, argv, io, {
    repo: { type: 'string' },
  });
  if (typeof started === 'number') return started;
  const { parsed, usage } = started;
  const { values, positionals } = parsed;
  const [verb, name] = positionals;
  const problem =
    verb !== 'set' && verb !== 'list' && verb !== 'rm'
      ? 'say set, list or rm'
      : verb !== 'list' && !name
        ? `${verb} needs a NAME`
        : undefined;
  const client = problem ?? hubClient(values, io);
  if (typeof client === 'string') return usage(client);
  const repo = values.repo || undefined;
  const where = repo ? ` of ${repo}` : '';
  return callHub('secrets', io, async () => {
    if (verb === 'set') {
      const value = (await readAll(io.stdin)).replace(/\r?\n$/, '');
      await client.putSecret(name!, { value, ...(repo ? { repo } : {}) });
      io.stdout.write(`secret ${name}${where} set\n`);
    } else if (verb === 'rm') {
      await client.deleteSecret(name!, repo);
      io.stdout.write(`secret ${name}${where} removed\n`);
    } else {
      for (const secret of await client.secrets(repo)) {
        io.stdout.write(`${secret.name}\t${secret.repo ?? '(hub)'}\t${new Date(secret.updatedAt).toISOString()}\n`);
      }
    }
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
