// The entry point VS Code's test runner loads in the extension host (`extensionTestsPath`): it runs the mocha suite
// and writes `{passed, failed}` to FLOE_TEST_RESULTS for test/vscode/run-vscode-tests.mjs. The suite is bundled
// with the test code (build.mjs --suite), so tests are registered by a call instead of by mocha loading files.
import { writeFileSync } from 'node:fs';
import Mocha from 'mocha';
import { registerFloeSuite } from './floe.suite.js';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, reporter: 'spec', timeout: 30_000 });
  mocha.suite.emit('pre-require', globalThis, 'floe.suite', mocha);
  registerFloeSuite();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const results = process.env.FLOE_TEST_RESULTS;
      if (results) writeFileSync(results, JSON.stringify({ passed: runner.stats?.passes ?? 0, failed: failures }));
      if (failures > 0) reject(new Error(`${failures} test${failures === 1 ? '' : 's'} failed`));
      else resolve();
    });
  });
}
