// The admin API token: given (--admin-token / FLOE_ADMIN_TOKEN), or generated on the first start and kept in
// <data-dir>/admin-token (mode 0600) so that it survives restarts and `floe up` prints the same one each time.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AdminToken {
  token: string;
  /** Where it came from: the configuration, the data dir, or generated just now (and saved there). */
  source: 'config' | 'file' | 'generated';
  /** The file that holds it when it is kept in the data dir. */
  file?: string;
}

/** Returns the admin token, generating and saving one when none is given or saved. Rejects on I/O failure. */
export async function loadAdminToken(dataDir: string, given: string | undefined): Promise<AdminToken> {
  if (given !== undefined) return { token: given, source: 'config' };
  const file = join(dataDir, 'admin-token');
  const saved = await readFile(file, 'utf8').then(
    (text) => text.trim(),
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    },
  );
  if (saved !== undefined && saved !== '') return { token: saved, source: 'file', file };
  await mkdir(dataDir, { recursive: true });
  const token = newApiToken();
  // `wx`: two hubs starting at once on one data dir must not overwrite each other's token.
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await chmod(file, 0o600);
  const kept = (await readFile(file, 'utf8')).trim();
  return { token: kept, source: kept === token ? 'generated' : 'file', file };
}

/** A fresh secret token: `floe_` and 32 random bytes in base64url (256 bits). */
export function newApiToken(): string {
  return `floe_${randomBytes(32).toString('base64url')}`;
}
