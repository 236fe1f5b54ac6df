import { ResolvedFlowSchema } from '@floe/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { RunRow, Store } from '../store/store.js';
import { HubSecrets } from './hub-secrets.js';
import { secretCipher } from './secret-cipher.js';

const FLOW = ResolvedFlowSchema.parse({
  id: 'build',
  name: 'build',
  env: { A: '{{secret.SHARED}}' },
  triggers: [],
  tasks: [
    { id: 't', name: 't', type: 'exec', opts: { shell: 'true', env: { B: '{{ secret.ONLY_REPO }}', C: 'plain' } } },
  ],
});

const run = (over: Partial<RunRow> = {}): RunRow =>
  ({ repo: 'acme/app', flow: FLOW, trigger: { type: 'push', data: {} }, trust: 'trusted', ...over }) as RunRow;

let store: Store;
afterEach(async () => store?.close());

const secrets = (key: string | undefined = 'test-key') => {
  store = openSqliteStore({ file: ':memory:' });
  return new HubSecrets(store, secretCipher(key), () => 1000);
};

describe('HubSecrets', () => {
  it('opens one value for the hub: the repository one over the hub one, the hub one alone without a repository', async () => {
    const hub = secrets();
    await hub.put('HOOK_KEY', 'the-hub-signing-key');
    await hub.put('HOOK_KEY', 'the-repo-signing-key', 'acme/app');
    await hub.put('REPO_ONLY', 'only-in-the-repository', 'acme/app');
    expect(await hub.valueOf('HOOK_KEY', 'acme/app')).toBe('the-repo-signing-key');
    expect(await hub.valueOf('HOOK_KEY')).toBe('the-hub-signing-key');
    expect(await hub.valueOf('REPO_ONLY')).toBeUndefined();
    expect(await hub.valueOf('NOPE', 'acme/app')).toBeUndefined();
    expect(await secrets(undefined).valueOf('HOOK_KEY')).toBeUndefined();
  });

  it('gives a run only the names its flow references, the repository value over the hub one', async () => {
    const hub = secrets();
    await hub.put('SHARED', 'hub-value');
    await hub.put('SHARED', 'repo-value', 'acme/app');
    await hub.put('ONLY_REPO', 'only-repo-value', 'acme/app');
    await hub.put('UNUSED', 'unused-value');
    await hub.put('SHARED', 'other-repo-value', 'acme/other');
    expect(await hub.forRun(run())).toEqual({ SHARED: 'repo-value', ONLY_REPO: 'only-repo-value' });
  });

  it('gives an untrusted run (a fork pull request) no secrets', async () => {
    const hub = secrets();
    await hub.put('SHARED', 'hub-value');
    expect(await hub.forRun(run())).toEqual({ SHARED: 'hub-value' });
    expect(await hub.forRun(run({ trust: 'untrusted' }))).toEqual({});
  });

  it('names the referenced secrets that do not exist', async () => {
    const hub = secrets();
    await hub.put('SHARED', 'hub-value');
    expect(await hub.unknownNames(FLOW, 'acme/app')).toEqual(['ONLY_REPO']);
  });

  it('lists names without values and refuses to store without a key', async () => {
    const hub = secrets();
    await hub.put('SHARED', 'hub-value', 'acme/app');
    expect(await hub.list()).toEqual([{ name: 'SHARED', repo: 'acme/app', updatedAt: 1000 }]);
    await expect(secrets('').put('X', 'value')).rejects.toMatchObject({ code: 'FLOE_SECRETS_DISABLED' });
  });
});
