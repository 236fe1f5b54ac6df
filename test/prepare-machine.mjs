#!/usr/bin/env node
// Before any test (`pnpm test` runs this first): checks that this machine has what the suite drives for real —
// Debian's Chromium, PostgreSQL on 127.0.0.1:5432, ripgrep and the Kerberos headers (the VS Code suite's
// code-server), bubblewrap and the floe-task user (task sandboxes) — and installs what is missing where it can: as root on Debian
// (apt-get), starting a PostgreSQL that is installed but stopped. Elsewhere it says exactly what to install, and
// stops. `--with stress-ng` asks for more packages (pnpm test:stress needs it).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';

// The server the tests create their databases on (github-app/src/store/testing/test-database.ts).
const postgresUrl = new URL(process.env.FLOE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const POSTGRES = { host: postgresUrl.hostname, port: Number(postgresUrl.port || 5432) };

/** What the suite needs: how to tell it is there, and the Debian package that provides it. */
const NEEDS = [
  { what: 'Chromium (browser tests)', ok: () => existsSync('/usr/bin/chromium'), apt: 'chromium' },
  { what: 'ripgrep (the VS Code suite)', ok: () => onPath('rg'), apt: 'ripgrep' },
  {
    what: 'Kerberos headers (code-server builds against them)',
    ok: () => existsSync('/usr/include/gssapi/gssapi.h'),
    apt: 'libkrb5-dev',
  },
  { what: 'bubblewrap (task sandboxes)', ok: () => onPath('bwrap'), apt: 'bubblewrap' },
  { what: 'git', ok: () => onPath('git'), apt: 'git' },
];

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Whether something accepts connections where the tests look for PostgreSQL. */
function postgresUp() {
  return new Promise((resolve) => {
    const socket = connect(POSTGRES);
    const answer = (up) => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(2_000);
    socket.once('connect', () => answer(true));
    socket.once('timeout', () => answer(false));
    socket.once('error', () => answer(false));
  });
}

function say(line) {
  process.stdout.write(`prepare-machine: ${line}\n`);
}

const extra = process.argv.includes('--with') ? process.argv.slice(process.argv.indexOf('--with') + 1) : [];
const needs = [...NEEDS, ...extra.map((name) => ({ what: name, ok: () => onPath(name), apt: name }))];
const canApt = process.getuid?.() === 0 && onPath('apt-get');

const missing = needs.filter((need) => !need.ok());
if (missing.length > 0 && canApt) {
  const packages = missing.map((need) => need.apt);
  say(`installing ${packages.join(', ')} with apt-get (a minute or two)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch {
    say('apt-get could not install them (see above)');
  }
}

const problems = needs
  .filter((need) => !need.ok())
  .map((need) => `${need.what} is missing: install it (Debian: sudo apt-get install ${need.apt})`);

// The user a root runner's tasks run as (docs/security.md "The runner sandbox"), made as `floe runner install`
// makes it: the e2e runners start as root and sandbox their tasks as it.
const hasTaskUser = () => spawnSync('getent', ['passwd', 'floe-task'], { stdio: 'ignore' }).status === 0;
if (!hasTaskUser() && process.getuid?.() === 0 && onPath('useradd')) {
  say('making the task user floe-task');
  spawnSync(
    'useradd',
    [
      '--system',
      '--user-group',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      'floe-task',
    ],
    { stdio: 'inherit' },
  );
}
if (!hasTaskUser() && process.getuid?.() === 0) {
  problems.push('the task user floe-task is missing: make it (sudo useradd --system --user-group floe-task)');
}

if (!(await postgresUp())) {
  const version = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort()[0] : undefined;
  const local = ['127.0.0.1', 'localhost', '[::1]'].includes(POSTGRES.host);
  if (local && version && process.getuid?.() === 0 && onPath('pg_ctlcluster')) {
    say(`starting PostgreSQL ${version}…`);
    spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], { stdio: 'inherit' });
  }
  if (!(await postgresUp())) {
    problems.push(
      `PostgreSQL is not accepting connections on ${POSTGRES.host}:${POSTGRES.port}: install and start it with trust ` +
        'auth for local connections (Debian: sudo apt-get install postgresql, then in pg_hba.conf ' +
        '"host all all 127.0.0.1/32 trust"), or set FLOE_TEST_POSTGRES_URL to a server the tests may create databases on',
    );
  }
}

if (problems.length > 0) {
  process.stderr.write(`The tests cannot run on this machine yet:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
  process.exit(1);
}
