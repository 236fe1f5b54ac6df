import { randomUUID } from 'node:crypto';
import { publishRunner } from '../runners/runner-views.js';
import { hashSecret, newSecret } from '../store/hash-secret.js';
import type { HubDeps } from './hub-deps.js';

/**
 * Exchanges a one-time registration token for a runner credential (stored only hashed); undefined when the token
 * is unknown, used or expired.
 */
export async function registerRunner(
  deps: HubDeps,
  token: string,
  name: string,
): Promise<{ runnerId: string; credential: string } | undefined> {
  const { store } = deps;
  if (!(await store.useRegistrationToken(hashSecret(token), deps.now()))) return undefined;
  const credential = newSecret('floe_runner');
  const runner = await store.registerRunner({
    id: randomUUID(),
    name,
    credentialHash: hashSecret(credential),
    createdAt: deps.now(),
  });
  deps.log.info({ runner: name, runnerId: runner.id }, 'runner registered');
  publishRunner(deps, runner.id);
  return { runnerId: runner.id, credential };
}

/** The runner a credential belongs to; undefined for an unknown (or removed runner's) credential. */
export async function authenticateRunner(
  deps: Pick<HubDeps, 'store'>,
  credential: string,
): Promise<{ runnerId: string; name: string } | undefined> {
  const runner = await deps.store.findRunnerByCredential(hashSecret(credential));
  return runner && { runnerId: runner.id, name: runner.name };
}
