// Artifacts through the API (docs/api.md "Artifacts"): what a run left behind, and the runner's upload of it
// (DESIGN §8 "Artifacts"). The runner's routes take its credential, the reading routes an API token.
import { z } from 'zod';
import { ArtifactNameSchema } from '../flow/flow-schema.js';
import { TrustSchema } from '../protocol/trust.js';

/** The most files one artifact may hold (a folder of more is refused, saying so). */
export const MAX_ARTIFACT_FILES = 10_000;

/**
 * A file's path inside its artifact: relative, `/`-separated, no empty, `.` or `..` segment, no backslash and no
 * control byte, at most 1,024 characters. It becomes a path on the disk of whoever fetches or unzips it, so it may
 * not climb out of the folder it lands in.
 */
export const ArtifactPathSchema = z
  .string()
  .min(1)
  .max(1024)
  .refine(
    (path) =>
      !/[\u0000-\u001f\u007f\\]/.test(path) &&
      !path.startsWith('/') &&
      path.split('/').every((part) => part !== '' && part !== '.' && part !== '..'),
    'a relative path of the artifact without "..", "." or empty parts, backslashes or control characters',
  );

export const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex');

export const ArtifactFileSchema = z.object({
  path: ArtifactPathSchema,
  size: z.number().int().nonnegative(),
  sha256: Sha256Schema,
});
export type ArtifactFile = z.infer<typeof ArtifactFileSchema>;

/** An artifact as the API lists it. */
export const ArtifactViewSchema = z.object({
  name: ArtifactNameSchema,
  /** The task that made it. */
  node: z.string(),
  /** `uploading` until every file is stored and checked against its sha256. */
  state: z.enum(['uploading', 'stored']),
  /** The run's trust: `fetch` takes only artifacts of trusted runs. */
  trust: TrustSchema,
  /** Bytes, all files together. */
  size: z.number().int().nonnegative(),
  files: z.array(ArtifactFileSchema),
  createdAt: z.number(),
  /** When it is deleted (its `expire-in`); absent: with its run (DESIGN §4 "Retention"). */
  expiresAt: z.number().optional(),
});
export type ArtifactView = z.infer<typeof ArtifactViewSchema>;

export const ArtifactListSchema = z.object({ artifacts: z.array(ArtifactViewSchema) });
export type ArtifactList = z.infer<typeof ArtifactListSchema>;

// ---------------------------------------------------------------------------------------------------------------
// The runner's side (its credential as the bearer token)

/** `POST /api/runners/runs/:runId/artifacts`: begins (or resumes) one artifact's upload. */
export const ArtifactBeginBodySchema = z.object({
  /** The epoch the runner was given the run at: another one is refused (DESIGN §5 "Offers and epochs"). */
  epoch: z.number().int().nonnegative(),
  node: z.string().min(1).max(200),
  name: ArtifactNameSchema,
  files: z.array(ArtifactFileSchema).min(1).max(MAX_ARTIFACT_FILES),
  /** `expire-in` in milliseconds; it may shorten the run's retention, never lengthen it. */
  expireInMs: z.number().int().positive().optional(),
});
export type ArtifactBeginBody = z.infer<typeof ArtifactBeginBodySchema>;

export const ArtifactBeginAnswerSchema = z.object({
  artifactId: z.string(),
  /** Each file's blob and how many of its bytes the hub holds already: the upload resumes from there. */
  files: z.array(z.object({ path: ArtifactPathSchema, blobId: z.string(), received: z.number().int().nonnegative() })),
});
export type ArtifactBeginAnswer = z.infer<typeof ArtifactBeginAnswerSchema>;

/** The answer to a `PUT` of a blob's bytes: how many the hub holds, and whether the whole artifact is stored. */
export const BlobPutAnswerSchema = z.object({
  received: z.number().int().nonnegative(),
  /** The file is complete and matched its sha256. */
  verified: z.boolean(),
  /** Every file of the artifact is complete and checked. */
  stored: z.boolean(),
});
export type BlobPutAnswer = z.infer<typeof BlobPutAnswerSchema>;

/** `GET /api/runners/runs/:runId/artifact-source`: which artifact a `fetch` task takes (FetchArtifact of FLOE.yaml). */
export const ArtifactSourceQuerySchema = z.object({
  epoch: z.coerce.number().int().nonnegative(),
  flow: z.string().min(1),
  name: ArtifactNameSchema,
  repo: z.string().optional(),
  ref: z.string().optional(),
  run: z.string().optional(),
});
export type ArtifactSourceQuery = z.infer<typeof ArtifactSourceQuerySchema>;

export const ArtifactSourceSchema = z.object({
  runId: z.string(),
  runNumber: z.number().int(),
  artifactId: z.string(),
  files: z.array(ArtifactFileSchema.extend({ blobId: z.string() })),
});
export type ArtifactSource = z.infer<typeof ArtifactSourceSchema>;
