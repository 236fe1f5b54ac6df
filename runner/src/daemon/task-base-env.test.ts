import { describe, expect, it } from 'vitest';
import { taskBaseEnv } from './task-base-env.js';

describe('taskBaseEnv', () => {
  it("keeps the machine's environment and drops the runner's settings and every floe token", () => {
    const env = taskBaseEnv({
      PATH: '/usr/bin',
      HOME: '/home/ci',
      FLOE_RUNNER_TOKEN: 'registration',
      FLOE_RUNNER_TOKEN_FILE: '/etc/floe/token',
      FLOE_RUNNER_SLOTS: '2',
      FLOE_HUB_URL: 'https://hub.example',
      FLOE_ADMIN_TOKEN: 'admin',
      FLOE_ADMIN_TOKEN_FILE: '/root/admin',
      FLOE_TOKEN: 'api-token',
      FLOE_TOKEN_FILE: '/root/api-token',
      UNSET: undefined,
    });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/ci' });
  });
});
