// The manifest at the top of a hub backup (backup-hub.ts writes it, restore-hub.ts checks it): what the file holds,
// so that a restore can say what it restored and refuse a file that is not a floe backup.
import { z } from '@floe/shared';

export const BACKUP_FORMAT = 'floe-hub-backup/1';
export const MANIFEST_FILE = 'manifest.json';

export const BackupManifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  /** The hub that made it; a hub at least as new restores it (it migrates the database at start). */
  hubVersion: z.string(),
  createdAt: z.number(),
  /** The database's schema version when copied. */
  schemaVersion: z.number().int().nonnegative(),
  runs: z.number().int().nonnegative(),
  logChunks: z.number().int().nonnegative(),
  /**
   * The top-level entries besides the manifest: `floe.db`, and `logs` (log files), `admin-token`, `artifacts` when
   * the hub had them.
   */
  files: z.array(z.enum(['floe.db', 'logs', 'admin-token', 'artifacts'])),
});
export type BackupManifest = z.infer<typeof BackupManifestSchema>;
