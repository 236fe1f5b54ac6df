// Helpers of the issue-2 benchmarks: run a command, time it, follow a process's peak memory.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI (`FLOE_BENCH_MAIN` points elsewhere, e.g. at a build kept for comparison). */
export const floeMain = process.env.FLOE_BENCH_MAIN ?? join(repoRoot, 'runner/dist/cli/main.js');

/** A temp directory, removed when `use` settles. */
export async function withTempDir(use) {
  const dir = await mkdtemp(join(tmpdir(), 'floe-bench-'));
  try {
    return await use(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Runs a command to completion (stdout and stderr to /dev/null unless `capture`), and returns its wall time in
 * ms, exit code, captured stdout, and the peak resident memory (VmHWM, in MB) of the process itself, read from
 * /proc every 10 ms while it runs (the high-water mark only grows, so the last reading is the peak so far).
 */
export function timed(command, args, { cwd, capture = false } = {}) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, stdio: ['ignore', capture ? 'pipe' : 'ignore', 'ignore'] });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (text) => {
      stdout += text;
    });
    let peakKb = 0;
    const sample = async () => {
      try {
        const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        if (kb > peakKb) peakKb = kb;
      } catch {
        // the process has exited
      }
    };
    const sampler = setInterval(sample, 10);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearInterval(sampler);
      done({ ms: performance.now() - started, code, stdout, peakMb: peakKb / 1024 });
    });
  });
}

/** The median of `runs` timings of `measure()` (after one warm-up), to damp the noise of a shared machine. */
export async function median(runs, measure) {
  await measure();
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await measure());
  results.sort((a, b) => a.ms - b.ms);
  return results[Math.floor(results.length / 2)];
}

/** `floe run FILE --json` in `dir`; fails loudly when the run is not good, so a broken build is not timed. */
export async function floeRun(dir, file = 'FLOE.yaml') {
  const result = await timed(process.execPath, [floeMain, 'run', file, '--json', '--work-dir', join(dir, 'work')], {
    cwd: dir,
    capture: true,
  });
  if (result.code !== 0) throw new Error(`floe run exited ${result.code}: ${result.stdout}`);
  return result;
}
