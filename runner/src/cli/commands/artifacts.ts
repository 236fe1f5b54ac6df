// `floe artifacts RUN`: downloads what a run left behind (DESIGN §8 "Artifacts") into a folder, one sub-folder per
// artifact, every file checked against the sha256 the hub stored; progress on stderr, a line per file on stdout.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { ArtifactNameSchema, ArtifactPathSchema, type FloeClient } from '@floe/shared';
import type { CliCommand, CliIo } from '../cli-io.js';
import { callHub, hubApiUsage, hubClient, parseHubCommand } from '../hub-api-command.js';

const USAGE = `usage: floe artifacts RUN [--name NAME] [--out DIR]

Downloads a run's artifacts into DIR/<artifact>/<path>, each file checked against its sha256.
RUN is a run id, or FLOW#NUMBER (e.g. build#42).
${hubApiUsage('a viewer API token')}
  --name NAME        only this artifact
  --out DIR          where to put them (default: the current folder)
  --list             only list them: name, files, bytes, sha256
Exit status: 0 done, 1 the hub refused or a file did not match its sha256, 2 usage.`;

export const command: CliCommand = {
  name: 'artifacts',
  summary: "download a run's artifacts",
  usage: USAGE,
  run: artifactsCommand,
};

async function artifactsCommand(argv: string[], io: CliIo): Promise<number> {
  const started = parseHubCommand('artifacts', USAGE, argv, io, {
    name: { type: 'string' },
    out: { type: 'string' },
    list: { type: 'boolean' },
  });
  if (typeof started === 'number') return started;
  const { parsed, usage } = started;
  const { values, positionals } = parsed;
  const [run, ...extra] = positionals;
  if (run === undefined || extra.length > 0) return usage('give one RUN: a run id or FLOW#NUMBER');
  if (values.name !== undefined && !ArtifactNameSchema.safeParse(values.name).success)
    return usage(`--name ${JSON.stringify(values.name)} is not an artifact name (letters, digits, ".", "_", "-")`);
  const client = hubClient(values, io);
  if (typeof client === 'string') return usage(client);
  const out = path.resolve(io.cwd, values.out ?? '.');
  return callHub('artifacts', io, async () => {
    const runId = await resolveRun(client, run);
    const artifacts = (await client.artifacts(runId)).filter(
      (a) => values.name === undefined || a.name === values.name,
    );
    if (values.name !== undefined && artifacts.length === 0)
      throw new Error(`run ${run} has no artifact ${values.name}`);
    if (artifacts.length === 0) io.stderr.write(`run ${run} kept no artifacts\n`);
    for (const artifact of artifacts) {
      if (values.list) {
        for (const file of artifact.files)
          io.stdout.write(`${artifact.name}\t${file.path}\t${file.size}\t${file.sha256}\n`);
        continue;
      }
      if (artifact.state !== 'stored') {
        io.stderr.write(`${artifact.name}: still uploading; skipped\n`);
        continue;
      }
      for (const file of artifact.files) {
        // The hub checked these paths; checked again, since they become paths on this machine.
        if (!ArtifactPathSchema.safeParse(file.path).success)
          throw new Error(`refusing the path ${JSON.stringify(file.path)}`);
        const target = path.join(out, artifact.name, ...file.path.split('/'));
        await download(client, runId, artifact.name, file, target, io);
        io.stdout.write(`${path.relative(io.cwd, target) || target}\t${file.size}\tsha256 ${file.sha256}\n`);
      }
    }
  });
}

/** A run id as it is; `FLOW#NUMBER` looked up among the flow's runs, newest first. */
async function resolveRun(client: FloeClient, run: string): Promise<string> {
  const match = /^(.+)#(\d+)$/.exec(run);
  if (!match) return run;
  const [flow, number] = [match[1] as string, Number(match[2])];
  let cursor: string | undefined;
  do {
    const page = await client.runs({ flow, limit: 500, ...(cursor !== undefined ? { cursor } : {}) });
    const found = page.runs.find((r) => r.number === number);
    if (found) return found.id;
    if (page.runs.some((r) => r.number < number)) break;
    cursor = page.next;
  } while (cursor !== undefined);
  throw new Error(`flow ${flow} has no run #${number}`);
}

async function download(
  client: FloeClient,
  runId: string,
  name: string,
  file: { path: string; size: number; sha256: string },
  target: string,
  io: CliIo,
): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  const part = `${target}.${randomUUID()}.part`;
  const response = await client.downloadArtifact(runId, name, file.path);
  const hash = createHash('sha256');
  let done = 0;
  let shown = Date.now();
  try {
    await pipeline(
      response.body ? Readable.fromWeb(response.body as ReadableStream<Uint8Array>) : Readable.from([]),
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          hash.update(chunk);
          done += chunk.length;
          if (Date.now() - shown > 1_000) {
            shown = Date.now();
            io.stderr.write(
              `${name}/${file.path}: ${done} of ${file.size} bytes (${Math.floor((done * 100) / Math.max(1, file.size))}%)\n`,
            );
          }
          yield chunk;
        }
      },
      createWriteStream(part),
    );
    const sha256 = hash.digest('hex');
    if (sha256 !== file.sha256)
      throw new Error(`${name}/${file.path} arrived with sha256 ${sha256}, not ${file.sha256}`);
    await rename(part, target);
  } finally {
    await rm(part, { force: true });
  }
}
