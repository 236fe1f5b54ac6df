import type { ResolvedFlow } from '@floe/shared';
import { FloeError } from '../errors.js';
import type { RunRow, Store } from '../store/store.js';
import type { SecretCipher } from './secret-cipher.js';

/** A secret as the API shows it: never its value (DESIGN §8 "Credentials and keys"). */
export type SecretView = { name: string; repo?: string; updatedAt: number };

const SECRET_REF = /\{\{\s*secret\.([A-Za-z0-9_.-]+)\s*\}\}/g;
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
/** Masking shorter values would mangle every log while protecting nothing, so they are refused as secrets. */
export const MIN_SECRET_LENGTH = 4;

/**
 * The hub's secrets: sealed in the store with FLOE_SECRET_KEY, opened only to build a run's spec at offer. Without
 * a key, writes are refused (FLOE_SECRETS_DISABLED) and runs get none.
 */
export class HubSecrets {
  constructor(
    private readonly store: Store,
    private readonly cipher: SecretCipher | undefined,
    private readonly now: () => number,
  ) {}

  async put(name: string, value: string, repo?: string): Promise<SecretView> {
    if (!this.cipher) {
      throw new FloeError(
        'FLOE_SECRETS_DISABLED',
        'this hub has no FLOE_SECRET_KEY, so it cannot store secrets: start it with FLOE_SECRET_KEY set to a long ' +
          'random string (e.g. `openssl rand -base64 32`), the same on every hub sharing the database',
      );
    }
    if (!NAME.test(name)) {
      throw new FloeError('FLOE_BAD_REQUEST', `secret name ${JSON.stringify(name)}: use letters, digits, _ . -`);
    }
    if (value.length < MIN_SECRET_LENGTH) {
      throw new FloeError(
        'FLOE_BAD_REQUEST',
        `a secret value must have at least ${MIN_SECRET_LENGTH} characters: shorter ones cannot be masked in logs`,
      );
    }
    const updatedAt = this.now();
    await this.store.putSecret({ name, ...(repo ? { repo } : {}), sealed: this.cipher.seal(value), updatedAt });
    return { name, ...(repo ? { repo } : {}), updatedAt };
  }

  async list(repo?: string): Promise<SecretView[]> {
    return (await this.store.listSecrets(repo)).map(({ name, repo, updatedAt }) => ({
      name,
      ...(repo ? { repo } : {}),
      updatedAt,
    }));
  }

  remove(name: string, repo?: string): Promise<boolean> {
    return this.store.deleteSecret(name, repo || undefined);
  }

  /**
   * The values a run gets (DESIGN §3): only the names its flow references, the repository's overriding the hub's;
   * none for an untrusted run (docs/security.md). A value that no longer opens (the key changed) is left out.
   */
  async forRun(run: RunRow): Promise<Record<string, string>> {
    const names = referencedSecrets(run.flow);
    if (!this.cipher || run.trust !== 'trusted' || names.size === 0) return {};
    const values: Record<string, string> = {};
    // Ordered hub first ('' scope), then the repository's: the later write wins.
    for (const row of await this.store.listSecrets(run.repo)) {
      if (!names.has(row.name)) continue;
      const value = this.cipher.open(row.sealed);
      if (value !== undefined) values[row.name] = value;
    }
    return values;
  }

  /**
   * One secret's value for the hub's own use (notify/: a webhook's signing key or URL), never a run's: with `repo`,
   * that repository's overriding the hub's; without, the hub's alone. Undefined when unset or no longer opening.
   */
  async valueOf(name: string, repo?: string): Promise<string | undefined> {
    if (!this.cipher) return undefined;
    let value: string | undefined;
    for (const row of await this.store.listSecrets(repo)) {
      if (row.name !== name || (repo === undefined && row.repo !== undefined)) continue;
      value = this.cipher.open(row.sealed) ?? value;
    }
    return value;
  }

  /** The names `flow` references that neither the hub nor `repo` has (a warning on the run, DESIGN §8). */
  async unknownNames(flow: ResolvedFlow, repo: string): Promise<string[]> {
    const names = referencedSecrets(flow);
    if (names.size === 0) return [];
    const known = new Set((await this.store.listSecrets(repo)).map((row) => row.name));
    return [...names].filter((name) => !known.has(name)).sort();
  }
}

/** Every `{{secret.NAME}}` in the flow's env values and its exec tasks' (the only place they are filled). */
export function referencedSecrets(flow: ResolvedFlow): Set<string> {
  const names = new Set<string>();
  const scan = (env: unknown) => {
    const values = Array.isArray(env) ? env : env && typeof env === 'object' ? Object.values(env) : [];
    for (const value of values) {
      if (typeof value !== 'string') continue;
      for (const match of value.matchAll(SECRET_REF)) if (match[1]) names.add(match[1]);
    }
  };
  scan(flow.env);
  for (const node of flow.tasks) if ('type' in node && node.type === 'exec') scan(node.opts.env);
  return names;
}
