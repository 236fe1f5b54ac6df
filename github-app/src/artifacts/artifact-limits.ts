import { z } from '@floe/shared';

const MiB = 1024 * 1024;

/**
 * The hub's caps on artifacts (DESIGN §8 "Artifacts"): counted on the sizes a runner declares when an upload
 * begins, which the bytes it sends may not exceed, so a refusal comes before a byte is stored.
 */
export const ArtifactLimitsSchema = z.object({
  /** One file; default 2 GiB (`--artifact-file-mb`). */
  maxFileBytes: z
    .number()
    .int()
    .positive()
    .default(2048 * MiB),
  /** All artifacts of one run; default 5 GiB (`--artifact-run-mb`). */
  maxRunBytes: z
    .number()
    .int()
    .positive()
    .default(5120 * MiB),
  /** All artifacts the hub (every hub of the database) keeps; default 50 GiB (`--artifact-total-mb`). */
  maxHubBytes: z
    .number()
    .int()
    .positive()
    .default(51_200 * MiB),
});
export type ArtifactLimits = z.infer<typeof ArtifactLimitsSchema>;
