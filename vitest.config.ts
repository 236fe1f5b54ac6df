import { defineConfig } from 'vitest/config';

// One test run for the whole workspace. DESIGN §8 "CI shape": at most 2 workers (the machines have 2 cores);
// packages are resolved from their TypeScript sources through the "source" export condition. Timeouts catch hangs,
// not slowness: end-to-end tests start real hubs and runners, which take several times longer on a loaded machine.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['{shared,runner,github-app,web,vscode-extension}/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/build-for-tests.ts'],
  },
});
