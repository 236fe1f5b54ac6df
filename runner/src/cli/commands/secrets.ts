// `floe secrets set|list|rm`: the hub's secrets through its API (DESIGN §8 "Credentials and keys"). A value is
// read from stdin, never from an argument: arguments show in process listings and shell history.
import { parseArgs } from 'node:util';
import type { CliCommand, CliIo } from '../cli-io.js';

const USAGE = `usage: floe secrets set NAME [--repo OWNER/NAME]   (the value is read from stdin)
       floe secrets list [--repo OWNER/NAME]
       floe secrets rm NAME [--repo OWNER/NAME]

Secrets are referenced from FLOE.yaml env values as {{secret.NAME}}; a repository's secret overrides the hub's.
  --hub URL      the hub (default $FLOE_HUB)
  --token T      an API token, admin to set or remove (default $FLOE_TOKEN)
  --repo R       a repository's secret instead of the hub's
Exit status: 0 done, 1 the hub refused, 2 usage.`;

export const command: CliCommand = {
  name: 'secrets',
  summary: 'set, list or remove the hub secrets tasks can use',
  usage: USAGE,
  run: secretsCommand,
};

type SecretView = { name: string; repo?: string; updatedAt: number };

async function secretsCommand(argv: string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.stderr.write(`floe secrets: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const [verb, name] = positionals;
  const hub = values.hub ?? process.env.FLOE_HUB;
  const token = values.token ?? process.env.FLOE_TOKEN;
  const problem =
    verb !== 'set' && verb !== 'list' && verb !== 'rm'
      ? 'say set, list or rm'
      : verb !== 'list' && !name
        ? `${verb} needs a NAME`
        : !hub
          ? 'no hub: pass --hub URL or set FLOE_HUB'
          : !token
            ? 'no API token: pass --token or set FLOE_TOKEN'
            : undefined;
  if (problem) {
    io.stderr.write(`floe secrets: ${problem}\n\n${USAGE}\n`);
    return 2;
  }
  const call = (method: string, path: string, body?: unknown) =>
    fetch(new URL(path, hub), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const repoQuery = values.repo ? `?repo=${encodeURIComponent(values.repo)}` : '';
  const path = `/api/secrets/${encodeURIComponent(name ?? '')}`;
  let response: Response;
  try {
    if (verb === 'set') {
      const value = (await readAll(io.stdin)).replace(/\r?\n$/, '');
      response = await call('PUT', path, { value, ...(values.repo ? { repo: values.repo } : {}) });
    } else if (verb === 'rm') {
      response = await call('DELETE', `${path}${repoQuery}`);
    } else {
      response = await call('GET', `/api/secrets${repoQuery}`);
    }
  } catch (err) {
    io.stderr.write(`floe secrets: cannot reach the hub at ${hub}: ${(err as Error).message}\n`);
    return 1;
  }
  if (response.status >= 400) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {}
    io.stderr.write(`floe secrets: ${message}\n`);
    return 1;
  }
  const where = values.repo ? ` of ${values.repo}` : '';
  if (verb === 'set') io.stdout.write(`secret ${name}${where} set\n`);
  else if (verb === 'rm') io.stdout.write(`secret ${name}${where} removed\n`);
  else {
    const { secrets } = (await response.json()) as { secrets: SecretView[] };
    for (const secret of secrets) {
      io.stdout.write(`${secret.name}\t${secret.repo ?? '(hub)'}\t${new Date(secret.updatedAt).toISOString()}\n`);
    }
  }
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      hub: { type: 'string' },
      token: { type: 'string' },
      repo: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
