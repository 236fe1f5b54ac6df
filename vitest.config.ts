import { defineConfig } from 'vitest/config';

// One test run for the whole workspace. DESIGN §8 "CI shape": at most 2 workers (the machines have 2 cores);
// packages are resolved from their TypeScript sources through the "source" export condition.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['{shared,runner,github-app,web,vscode-extension}/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/build-for-tests.ts'],
  },
});
