import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../audit/audit-log.js';
import { ApiTokens } from '../auth/api-tokens.js';
import { openSqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { tempDir } from '../testing/test-repo.js';
import type { HubChange } from './hub-changes.js';
import { type TokenVerbs, tokenVerbs } from './token-verbs.js';

const ANN = { name: 'ann', role: 'admin' as const };

describe('tokenVerbs', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let verbs: TokenVerbs;
  let audit: AuditLog;
  let announced: HubChange[];
  beforeEach(() => {
    tmp = tempDir('floe-tokens-');
    store = openSqliteStore({ file: path.join(tmp.dir, 'floe.db') });
    announced = [];
    const log = pino({ level: 'silent' });
    audit = new AuditLog(store, log, Date.now);
    verbs = tokenVerbs({
      tokens: new ApiTokens(store, Date.now),
      audit,
      log,
      changes: { announce: (change) => announced.push(change) },
    });
  });
  afterEach(async () => {
    await store.close();
    tmp.cleanup();
  });

  const actions = async () =>
    (await audit.page({})).entries.map(({ actor, action, target, detail }) => ({ actor, action, target, detail }));

  it('makes a token that authenticates its holder, and audits who made it', async () => {
    const token = await verbs.createToken('ci', 'operator', ANN);
    expect(await verbs.verifyToken(token)).toEqual({ name: 'ci', role: 'operator' });
    expect((await verbs.listTokens()).map((info) => info.name)).toEqual(['ci']);
    expect(await actions()).toEqual([
      { actor: 'ann', action: 'token.create', target: 'ci', detail: { role: 'operator' } },
    ]);
    expect(announced).toEqual([]);
  });

  it('removes a token: refused from then on, audited, and announced so live sessions check theirs', async () => {
    const token = await verbs.createToken('ci', 'viewer', ANN);
    await verbs.deleteToken('ci', ANN);
    expect(await verbs.verifyToken(token)).toBeUndefined();
    expect((await actions()).map((entry) => entry.action)).toEqual(['token.delete', 'token.create']);
    expect(announced).toEqual([{ kind: 'tokens' }]);
  });

  it('rotates the admin token: the configured one is refused after it, and the change is announced', async () => {
    expect(await verbs.adminRotated()).toBe(false);
    const token = await verbs.rotateAdminToken('configured-admin-token', 0, ANN);
    expect(await verbs.adminRotated()).toBe(true);
    expect(await verbs.verifyToken(token)).toMatchObject({ name: 'admin', role: 'admin' });
    expect(await actions()).toEqual([
      { actor: 'ann', action: 'token.rotate-admin', target: 'admin', detail: { graceSeconds: '0' } },
    ]);
    expect(announced).toEqual([{ kind: 'tokens' }]);
  });
});
