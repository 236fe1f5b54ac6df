// `/api/runs/:runId/artifacts`: what a run left behind (DESIGN §8 "Artifacts"), listed and downloaded. A one-file
// artifact comes as that file, with range requests; a folder as a zip made while it streams; `?path=` picks one
// file of a folder. Every answer is an attachment: an artifact is a task's output, and a page of the hub's origin
// must never render it (docs/security.md "Artifacts").
import path from 'node:path';
import { ArtifactNameSchema, ArtifactPathSchema, z } from '@floe/shared';
import archiver from 'archiver';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HubArtifacts } from '../artifacts/hub-artifacts.js';
import { FloeError } from '../errors.js';
import type { ArtifactFileRow } from '../store/store.js';
import type { HubApi } from './hub-api.js';
import { parseInput } from './parse-input.js';

const ParamsSchema = z.object({ runId: z.string().min(1), name: ArtifactNameSchema });
const QuerySchema = z.object({ path: ArtifactPathSchema.optional() });

/** Content types by extension: the ones a browser or a tool treats differently; anything else is bytes. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.txt': 'text/plain; charset=utf-8',
  '.log': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.html': 'text/html; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.tgz': 'application/gzip',
  '.tar': 'application/x-tar',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** One range of `Range: bytes=A-B | A- | -N`; undefined: the whole file; 'unsatisfiable': answer 416. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  // Several ranges, or another unit: the whole file, as RFC 9110 allows a server to answer.
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export async function artifactRoutes(app: FastifyInstance, options: { hub: HubApi }): Promise<void> {
  const { hub } = options;

  app.get<{ Params: { runId: string } }>('/runs/:runId/artifacts', async (request) => {
    await hub.run(request.params.runId); // FLOE_RUN_NOT_FOUND for a run that does not exist
    return { artifacts: await hub.artifacts.list(request.params.runId) };
  });

  app.get('/runs/:runId/artifacts/:name', async (request, reply) => {
    const { runId, name } = parseInput(ParamsSchema, request.params, 'params');
    const { path: only } = parseInput(QuerySchema, request.query, 'query');
    const artifact = await hub.artifacts.stored(runId, name);
    const file = only !== undefined ? artifact.files.find((f) => f.path === only) : undefined;
    if (only !== undefined && !file)
      throw new FloeError('FLOE_ARTIFACT_NOT_FOUND', `artifact ${name} has no file ${only}`);
    const single = file ?? (artifact.files.length === 1 ? artifact.files[0] : undefined);
    if (single) return sendFile(reply, hub.artifacts, single, request.headers.range);
    return sendZip(reply, hub.artifacts, name, artifact.files);
  });
}

function sendFile(
  reply: FastifyReply,
  artifacts: HubArtifacts,
  file: ArtifactFileRow,
  rangeHeader: string | undefined,
) {
  const range = parseRange(rangeHeader, file.size);
  reply
    .type(contentTypeOf(file.path))
    .header('content-disposition', attachment(path.posix.basename(file.path)))
    .header('accept-ranges', 'bytes')
    .header('x-floe-sha256', file.sha256);
  if (range === 'unsatisfiable') {
    return reply
      .code(416)
      .header('content-range', `bytes */${file.size}`)
      .type('application/json')
      .send({ code: 'FLOE_BAD_RANGE', message: `the file has ${file.size} bytes; ask for a range inside them` });
  }
  if (file.size === 0) return reply.header('content-length', '0').send('');
  if (range === undefined) return reply.header('content-length', String(file.size)).send(artifacts.read(file.blobId));
  return reply
    .code(206)
    .header('content-range', `bytes ${range.start}-${range.end}/${file.size}`)
    .header('content-length', String(range.end - range.start + 1))
    .send(artifacts.read(file.blobId, range));
}

function sendZip(reply: FastifyReply, artifacts: HubArtifacts, name: string, files: ArtifactFileRow[]) {
  // Stored, not deflated: build outputs are mostly compressed already, and the hub's CPU is everyone's.
  const zip = archiver('zip', { store: true, zlib: { level: 0 } });
  // One file at a time: archiver reads each stream only when it gets to it.
  for (const file of files) zip.append(artifacts.read(file.blobId), { name: file.path, date: new Date(0) });
  void zip.finalize();
  return reply
    .type('application/zip')
    .header('content-disposition', attachment(`${name}.zip`))
    .send(zip);
}

/** A Content-Disposition for a name made of the safe characters of artifact names and paths. */
function attachment(fileName: string): string {
  const safe = fileName.replace(/[^A-Za-z0-9._-]/g, '_');
  return `attachment; filename="${safe}"`;
}
