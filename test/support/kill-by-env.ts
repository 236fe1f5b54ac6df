import { readdirSync, readFileSync } from 'node:fs';

/**
 * Kills (SIGKILL) every process whose environment holds `name=value` — the tasks a test's runners started, which
 * outlive a runner killed with -9 (they run in their own process groups). Give a value unique to the test (a temp
 * path). Linux only (/proc); returns the pids it signalled.
 */
export function killByEnv(name: string, value: string): number[] {
  const mark = `${name}=${value}`;
  const killed: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let environ: string[];
    try {
      environ = readFileSync(`/proc/${entry}/environ`, 'latin1').split('\0');
    } catch {
      continue;
    }
    if (!environ.includes(mark)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      killed.push(Number(entry));
    } catch {
      // Gone already.
    }
  }
  return killed;
}
