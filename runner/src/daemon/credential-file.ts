// The runner's own credential (DESIGN §5 "Runner auth", §8 "Credentials and keys"): kept in
// `<work-dir>/credential.json`, or the file `--config` names, readable by the runner's user only (mode 0600).
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from '@floe/shared';

export const CredentialFileSchema = z.object({
  /** The hub it was issued by. */
  hub: z.string(),
  runnerId: z.string().min(1),
  credential: z.string().min(1),
  /** The name it was registered under. */
  name: z.string(),
});
export type CredentialFile = z.infer<typeof CredentialFileSchema>;

/** The saved credential; undefined when there is no file. Throws when the file exists but is not one. */
export function loadCredential(path: string): CredentialFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = CredentialFileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is not a runner credential file; remove it and register again`);
  return parsed.data;
}

/** Writes the credential with mode 0600 (write-then-rename, so a crash never leaves half a file). */
export function saveCredential(path: string, credential: CredentialFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(credential, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600); // the mode of writeFileSync is only used when it creates the file
  renameSync(temporary, path);
}
