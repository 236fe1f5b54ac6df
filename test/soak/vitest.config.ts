import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The fault soak alone (test/soak/README.md): one file, one worker, after the rest of the suite, never beside
// other PostgreSQL tests. Its time budgets are its own (the test says how long it lets runs take to end).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/soak/**/*.soak.ts'],
    maxWorkers: 1,
    testTimeout: 4 * 60 * 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/support/build-for-tests.ts'],
  },
});
