import { afterEach, describe, expect, it } from 'vitest';
import { TEST_FLOE } from '../testing/test-flows.js';
import { ADMIN, startTestHub, type TestHub } from '../testing/test-hub.js';

describe('registerRunner and authenticateRunner', () => {
  let t: TestHub;
  afterEach(() => t.close());

  it('exchanges a registration token once for a credential that names the runner', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    const token = await t.hub.createRunnerToken(ADMIN);
    const registered = await t.hub.core.registerRunner(token, 'vm-1');
    expect(registered?.credential).toMatch(/^floe_runner/);
    expect(await t.hub.core.registerRunner(token, 'vm-2')).toBeUndefined();
    expect(await t.hub.core.authenticateRunner(registered?.credential ?? '')).toEqual({
      runnerId: registered?.runnerId,
      name: 'vm-1',
    });
    expect(await t.hub.core.authenticateRunner('floe_runner_not-a-credential')).toBeUndefined();
    expect((await t.hub.runners()).map((runner) => runner.name)).toEqual(['vm-1']);
  });

  it('refuses an unknown registration token', async () => {
    t = await startTestHub({ 'FLOE.yaml': TEST_FLOE });
    expect(await t.hub.core.registerRunner('floe_reg_made-up', 'vm-1')).toBeUndefined();
    expect(await t.hub.runners()).toEqual([]);
  });
});
