#!/usr/bin/env node
// `pnpm soak [--seed N] [--minutes N] [--ci]`: the fault soak (test/soak/README.md). Runs fault-soak.soak.ts alone
// under vitest with the seed and length it is given (default: a new seed, 2 minutes; `--ci`, as `pnpm test` runs
// it: the 2-minute soak whatever else is given, without colours), then, whatever happened,
// kills any process that still carries this soak's id in its environment, so a failed or interrupted soak leaves
// nothing running. Exits with vitest's status (1 as well when something had to be killed here).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : undefined;
};
const seed = option('seed') ?? String(Math.floor(Math.random() * 1_000_000));
const ci = args.includes('--ci');
const minutes = ci ? '2' : (option('minutes') ?? '2');
if (!/^\d+$/.test(seed) || !/^\d+(\.\d+)?$/.test(minutes)) {
  process.stderr.write('usage: pnpm soak [--seed N] [--minutes N] [--ci]\n');
  process.exit(2);
}
const soakId = `soak-${randomBytes(4).toString('hex')}`;

const child = spawn(
  process.execPath,
  [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', join(root, 'test/soak/vitest.config.ts')],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      ...(ci ? { NO_COLOR: '1' } : {}),
      FLOE_SOAK_SEED: seed,
      FLOE_SOAK_MINUTES: minutes,
      // Not FLOE_SOAK_ID itself: vitest would carry it, and the soak's sweep of its processes would kill vitest.
      FLOE_SOAK_RUN_ID: soakId,
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
const status = await new Promise((done) => child.on('close', (code, signal) => done(code ?? (signal ? 1 : 0))));

/** Every process (but this one) whose environment holds FLOE_SOAK_ID=<this soak's id>, SIGKILLed. */
function killLeftovers() {
  const mark = `FLOE_SOAK_ID=${soakId}`;
  const killed = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0').includes(mark)) continue;
      process.kill(Number(entry), 'SIGKILL');
      killed.push(Number(entry));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return killed;
}
/** The soak's small disk, if a killed soak left it mounted (its source is the soak's id). */
function unmountLeftovers() {
  for (const line of readFileSync('/proc/mounts', 'utf8').split('\n')) {
    const [source, target] = line.split(' ');
    if (source === soakId && target) spawnSync('umount', ['-l', target], { stdio: 'ignore' });
  }
}
const killed = killLeftovers();
unmountLeftovers();
if (killed.length > 0)
  process.stderr.write(`soak: killed ${killed.length} processes left behind: ${killed.join(', ')}\n`);
process.exit(status !== 0 ? status : killed.length > 0 ? 1 : 0);
