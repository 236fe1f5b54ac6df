#!/usr/bin/env node
// `pnpm test:stress [--runs N]`: the whole suite (vitest, then the VS Code suite) N times in a row (default 5) with
// both cores kept busy by stress-ng, as a shared CI machine is. A test that fails once here is a flaky test. Not
// part of CI: it takes N times the suite. Prints each run's result and the tests that failed, and exits 1 if any did.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runsFlag = process.argv.indexOf('--runs');
const runs = runsFlag > 0 ? Number(process.argv[runsFlag + 1]) : 5;
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('usage: pnpm test:stress [--runs N]\n');
  process.exit(2);
}

const step = (command, args) => spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status === 0;
if (!step(process.execPath, ['test/prepare-machine.mjs', '--with', 'stress-ng'])) process.exit(1);
if (!step('pnpm', ['run', 'build'])) process.exit(1);

// Every core busy for the whole time: the suite competes for each one, as on a shared CI machine.
const load = spawn('stress-ng', ['--cpu', String(cpus().length), '--timeout', '0', '--quiet'], { stdio: 'ignore' });
const stopLoad = () => load.kill('SIGKILL');
process.on('exit', stopLoad);
process.on('SIGINT', () => process.exit(130));

const reports = mkdtempSync(join(tmpdir(), 'floe-stress-'));
const results = [];
for (let run = 1; run <= runs; run++) {
  const report = join(reports, `vitest-${run}.json`);
  const started = Date.now();
  process.stdout.write(`\n== run ${run} of ${runs}, cores busy\n`);
  const vitest = step('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`]);
  const vscode = step(process.execPath, ['test/vscode/run-vscode-tests.mjs']);
  const failed = failedTests(report);
  if (!vitest && failed.length === 0) failed.push('vitest itself failed (see its output)');
  if (!vscode) failed.push('the VS Code suite (see its output)');
  results.push({ run, seconds: Math.round((Date.now() - started) / 1000), failed });
}

process.stdout.write('\n== test:stress\n');
for (const { run, seconds, failed } of results) {
  process.stdout.write(`run ${run}: ${failed.length === 0 ? 'passed' : `${failed.length} failed`} in ${seconds} s\n`);
  for (const name of failed) process.stdout.write(`  ✗ ${name}\n`);
}
const failures = results.reduce((sum, result) => sum + result.failed.length, 0);
process.stdout.write(`${failures === 0 ? 'no failures' : `${failures} failures`} in ${runs} runs\n`);
process.exit(failures === 0 ? 0 : 1);

/** `file > test name` of each failed test in vitest's JSON report. */
function failedTests(report) {
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    return json.testResults.flatMap((file) =>
      file.assertionResults
        .filter((test) => test.status === 'failed')
        .map((test) => `${file.name.replace(`${root}/`, '')} > ${test.fullName}`)
        .concat(
          file.status === 'failed' && file.assertionResults.length === 0 ? [`${file.name}: ${file.message}`] : [],
        ),
    );
  } catch {
    return [];
  }
}
