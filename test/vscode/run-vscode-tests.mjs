#!/usr/bin/env node
// The VS Code integration suite in one command: `node test/vscode/run-vscode-tests.mjs [--screenshots] [--dev]`.
//  1. installs code-server 4.100.3 into .tools/code-server when that version is missing (install-code-server.mjs);
//  2. bundles the mocha suite, packages the extension as a .vsix (what `pnpm run package` makes) and installs it
//     into a fresh extensions folder, offline — so the suite tests the artifact that ships; `--dev` loads the
//     source folder as an extension under development instead;
//  3. writes a workspace (a git repository with FLOE.yaml files) and starts a real hub serving it and a real
//     runner (start-floe.mjs; hub and runner must be built: `pnpm run build`);
//  4. runs the suite in the real extension host with @vscode/test-electron, whose "VS Code" is code-shim.mjs
//     (code-server + Debian chromium through playwright-core);
//  5. prints `vscode: N passed, N failed` and exits non-zero when a test failed or the run broke.
// --screenshots saves docs/screenshots/vscode-*.png (the view, the diagnostics, the log) while the suite runs.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codeServerBin, ensureCodeServer } from './install-code-server.mjs';
import { floeMain, hubMain, startHub, startRunner, stop } from './start-floe.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const extensionDir = join(repoRoot, 'vscode-extension');
const shimPath = join(here, 'code-shim.mjs');
const withScreenshots = process.argv.includes('--screenshots');
const devMode = process.argv.includes('--dev');

// `slow`: the flow the suite starts, watches and cancels (40 coloured lines, one every half second).
// `gate`: a data task the suite approves. `release`: a start form the suite fills in through the window.
// `annotated`: a group, an annotation on README.md and a summary, which the log terminal and diagnostics show.
const HUB_FLOWS = `flows:
  - id: slow
    tasks:
      - id: count
        type: exec
        listen: trigger.good
        opts:
          shell: for i in $(seq 1 40); do printf '\\033[32mline %s\\033[0m\\n' "$i"; sleep 0.5; done
  - id: gate
    tasks:
      - id: approve
        type: data
        listen: trigger.good
      - id: after
        type: exec
        listen: task.approve.good
        opts:
          cmd: echo approved
  - id: release
    triggers:
      - name: start
        type: data
        opts:
          form:
            title: Release
            fields:
              - id: version
                prompt: Version
              - id: notify
                type: bool
                prompt: Notify the team?
    tasks:
      - id: show
        type: exec
        listen: trigger.good
        opts:
          shell: echo "releasing $FLOE_DATA_VERSION, notify=$FLOE_DATA_NOTIFY"
  - id: keep
    tasks:
      - id: make
        type: exec
        listen: trigger.good
        opts:
          shell: mkdir -p out && echo kept-by-floe > out/notes.txt
        artifacts:
          - {name: notes, paths: [out/notes.txt]}
  - id: annotated
    tasks:
      - id: lint
        type: exec
        listen: trigger.good
        opts:
          shell: |
            echo "::group::Setup"
            echo preparing
            echo "::endgroup::"
            echo "::warning file=README.md,line=1,col=3,title=style::say hello properly"
            printf 'All **good**\\n' > "$FLOE_SUMMARY"
`;
// Run on this machine with `floe run` in a terminal.
const LOCAL_FLOW = `id: hello
tasks:
  - id: greet
    type: exec
    listen: trigger.good
    opts:
      shell: echo hello from floe run
`;
// Line 5 (1-based) holds the misspelt key: the suite expects the diagnostic at 0-based line 4, columns 4–9.
const BROKEN_FLOW = `id: broken
tasks:
  - id: build
    type: exec
    lisen: trigger.good
    opts:
      cmd: make
`;
const COMPLETION_FLOW = `id: tags
tasks:
  - id: compile
    type: exec
    listen: trigger.good
    opts: {cmd: make}
  - id: approve
    type: data
    listen: task.compile.good
  - id: ship
    type: exec
    listen: 
`;

function summary(passed, failed) {
  console.log(`vscode: ${passed} passed, ${failed} failed`);
}

async function main() {
  const started = Date.now();
  for (const built of [hubMain, floeMain]) {
    if (!existsSync(built)) {
      console.error(`run-vscode-tests: ${built} is missing; build first (pnpm run build)`);
      summary(0, 1);
      return 2;
    }
  }
  const install = ensureCodeServer();
  if (install.installed) console.log(`code-server ${install.version} installed in ${install.seconds}s`);
  execFileSync(process.execPath, [join(extensionDir, 'build.mjs'), '--suite'], { stdio: 'inherit' });
  chmodSync(shimPath, 0o755);

  const temp = mkdtempSync(join(tmpdir(), 'floe-vscode-'));
  const extensionsDir = join(temp, 'extensions');
  let developmentPath = extensionDir;
  if (!devMode) {
    // Exactly what `pnpm run package` makes (the script in vscode-extension/package.json).
    execFileSync('pnpm', ['run', '--silent', 'package'], { cwd: extensionDir, stdio: 'ignore' });
    const vsix = join(extensionDir, 'dist', 'floe-vscode.vsix');
    execFileSync(process.execPath, [codeServerBin, '--extensions-dir', extensionsDir, '--install-extension', vsix], {
      stdio: 'ignore',
    });
    // test-electron wants an extension under development: an empty one, so that the installed .vsix is what runs.
    developmentPath = join(temp, 'suite-host');
    mkdirSync(developmentPath);
    writeFileSync(
      join(developmentPath, 'package.json'),
      JSON.stringify({
        name: 'floe-suite-host',
        publisher: 'floe-test',
        version: '0.0.0',
        engines: { vscode: '^1.100.0' },
      }),
    );
    console.log('run-vscode-tests: testing the packaged extension (floe-vscode.vsix)');
  }
  const workspace = join(temp, 'shop');
  for (const [path, text] of [
    ['FLOE.yaml', HUB_FLOWS],
    ['local/FLOE.yaml', LOCAL_FLOW],
    ['broken/FLOE.yaml', BROKEN_FLOW],
    ['completion/FLOE.yaml', COMPLETION_FLOW],
  ]) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true });
    writeFileSync(join(workspace, path), text);
  }
  const git = (...args) => execFileSync('git', ['-C', workspace, ...args], { stdio: 'ignore' });
  execFileSync('git', ['init', '-q', '-b', 'main', workspace]);
  git('add', '.');
  git('-c', 'user.name=floe', '-c', 'user.email=floe@example.com', 'commit', '-qm', 'flows');

  let hub;
  let runner;
  let control;
  const resultsFile = join(temp, 'results.json');
  try {
    const hubOptions = { dataDir: join(temp, 'hub'), repo: workspace };
    hub = await startHub(hubOptions);
    runner = await startRunner({ hubUrl: hub.url, adminToken: hub.adminToken, workDir: join(temp, 'runner') });
    // The suite asks for a hub restart here (POST /restart-hub) to see logs resume after a reconnect: the same
    // data, port and admin token, so the extension and the runner find it again by themselves.
    control = createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/restart-hub') {
        res.statusCode = 404;
        res.end();
        return;
      }
      const { port } = new URL(hub.url);
      stop(hub.child)
        .then(() => startHub({ ...hubOptions, port: Number(port), adminToken: hub.adminToken }))
        .then((restarted) => {
          hub = restarted;
          res.end(hub.url);
        })
        .catch((err) => {
          res.statusCode = 500;
          res.end(String(err));
        });
    });
    await new Promise((listening) => control.listen(0, '127.0.0.1', listening));
    const require = createRequire(join(extensionDir, 'package.json'));
    const { runTests } = require('@vscode/test-electron');
    try {
      await runTests({
        vscodeExecutablePath: shimPath,
        extensionDevelopmentPath: developmentPath,
        extensionTestsPath: join(extensionDir, 'dist', 'integration', 'index.js'),
        launchArgs: [workspace, `--user-data-dir=${join(temp, 'user-data')}`, `--extensions-dir=${extensionsDir}`],
        extensionTestsEnv: {
          FLOE_TEST_HUB_URL: hub.url,
          FLOE_TEST_TOKEN: hub.adminToken,
          FLOE_TEST_RESULTS: resultsFile,
          FLOE_TEST_FLOE_MAIN: floeMain,
          FLOE_TEST_CONTROL_URL: `http://127.0.0.1:${control.address().port}`,
          ...(withScreenshots ? { FLOE_SCREENSHOTS_DIR: join(repoRoot, 'docs', 'screenshots') } : {}),
        },
      });
    } catch (err) {
      console.error(`run-vscode-tests: ${err instanceof Error ? err.message : String(err)}`);
    }
  } catch (err) {
    console.error(`run-vscode-tests: ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    control?.close();
    await stop(runner?.child);
    await stop(hub?.child);
  }
  const results = existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : undefined;
  rmSync(temp, { recursive: true, force: true });
  console.log(`run-vscode-tests: ${Math.round((Date.now() - started) / 1000)}s`);
  if (!results) {
    // The suite never reported: count the whole suite as one failure so CI cannot read it as "nothing ran".
    summary(0, 1);
    return 1;
  }
  summary(results.passed, results.failed);
  return results.failed > 0 ? 1 : 0;
}

// Exit explicitly: a child that failed to stop must not keep this process (and CI) waiting.
process.exit(
  await main().catch((err) => {
    // A broken setup (no chromium, a failed install or build) still ends with the plain summary line.
    console.error(`run-vscode-tests: ${err instanceof Error ? err.message : String(err)}`);
    summary(0, 1);
    return 1;
  }),
);
