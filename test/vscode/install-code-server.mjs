#!/usr/bin/env node
// Installs code-server 4.100.3 (VS Code 1.100.3 server + web workbench) into the git-ignored tool folder
// .tools/code-server, only when that version is missing. code-server is npm-installed on purpose: its postinstall only
// knows npm/yarn, never pnpm.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const codeServerVersion = '4.100.3';
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const toolDir = join(repoRoot, '.tools', 'code-server');
export const codeServerBin = join(toolDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

function installedVersion() {
  const manifest = join(toolDir, 'node_modules', 'code-server', 'package.json');
  if (!existsSync(manifest) || !existsSync(codeServerBin)) return undefined;
  return JSON.parse(readFileSync(manifest, 'utf8')).version;
}

/** @vscode/ripgrep's postinstall downloads rg from GitHub; it uses a cached archive first, so seed it with Debian's rg. */
function seedRipgrepCache() {
  const cacheDir = join(process.env.TMPDIR || tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = join(cacheDir, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
  if (existsSync(archive)) return;
  const rg = '/usr/bin/rg';
  if (!existsSync(rg)) throw new Error('ripgrep missing: apt-get install -y ripgrep');
  mkdirSync(cacheDir, { recursive: true });
  const stage = join(cacheDir, 'stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage);
  execFileSync('cp', [rg, join(stage, 'rg')]);
  execFileSync('tar', ['-czf', archive, '-C', stage, 'rg']);
  rmSync(stage, { recursive: true, force: true });
}

export function ensureCodeServer() {
  const version = installedVersion();
  if (version === codeServerVersion) return { installed: false, version };
  for (const tool of ['/usr/bin/chromium', '/usr/bin/rg']) {
    if (!existsSync(tool)) throw new Error(`${tool} missing: apt-get install -y chromium libkrb5-dev ripgrep`);
  }
  seedRipgrepCache();
  mkdirSync(toolDir, { recursive: true });
  const started = Date.now();
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefix', toolDir, `code-server@${codeServerVersion}`], {
    stdio: 'inherit',
    // yes: node-pty's postinstall runs `npx node-gyp`, cancelled under this machine's yes=false.
    // unsafe_perm: code-server's postinstall refuses to run as root without it.
    // Without pnpm's npm_* variables (this runs under `pnpm test`): code-server's postinstall reads the user agent
    // to choose its package manager, and refuses pnpm's.
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_'))),
      npm_config_yes: 'true',
      npm_config_unsafe_perm: 'true',
      npm_config_nodedir: '/usr',
    },
  });
  if (installedVersion() !== codeServerVersion)
    throw new Error('code-server install did not produce the expected version');
  return { installed: true, version: codeServerVersion, seconds: Math.round((Date.now() - started) / 1000) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = ensureCodeServer();
  console.log(
    result.installed
      ? `code-server ${result.version} installed in ${result.seconds}s`
      : `code-server ${result.version} already present`,
  );
}
