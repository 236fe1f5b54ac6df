// `cache:` of an exec task (docs/floe-yaml.md "cache"): what the next run on the same runner reuses.
import { z } from 'zod';

export const CacheSchema = z
  .strictObject({
    key: z
      .string()
      .min(1)
      .describe('The cache key; `{{hash FILES…}}`, `{{runner.os}}` and `{{runner.arch}}` are replaced.'),
    paths: z
      .union([z.string(), z.array(z.string()).min(1)])
      .describe('Folders and files inside the workspace that the cache holds.'),
    'restore-keys': z
      .union([z.string(), z.array(z.string())])
      .optional()
      .describe('Key prefixes tried in order when `key` misses; the newest cache of a prefix is restored.'),
  })
  .describe('Restores `paths` before the task and saves them after a good task when `key` missed.');
export type Cache = z.infer<typeof CacheSchema>;
