// Helpers of the issue-2 benchmarks: run a command, time it, follow a process's peak memory.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** GNU time gives the CPU time of a command and its children; without it CPU columns show NaN. */
const HAS_TIME = existsSync('/usr/bin/time');

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The built CLI (`FLOE_BENCH_MAIN` points elsewhere, e.g. at a build kept for comparison). */
export const floeMain = process.env.FLOE_BENCH_MAIN ?? join(repoRoot, 'runner/dist/cli/main.js');

/**
 * The Node options `floe` starts with: those of its first line (`#!/usr/bin/env -S node --max-semi-space-size=1`),
 * so that the benchmarks time `floe run` as its users start it.
 */
export const floeNodeOptions = (() => {
  const line = existsSync(floeMain) ? readFileSync(floeMain, 'utf8').split('\n', 1)[0] : '';
  return (/^#!.*\bnode((?:\s+--\S+)*)\s*$/.exec(line)?.[1] ?? '').split(/\s+/).filter(Boolean);
})();

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
 * Runs a command to completion (stdout and stderr to /dev/null unless `capture`) under `/usr/bin/time`, and
 * returns its wall time in ms, its CPU time (user + system, children included) in ms, its exit code, captured
 * stdout, and the peak resident memory (VmHWM, in MB) of the command's own process, read from /proc every 10 ms
 * while it runs (the high-water mark only grows, so the last reading is the peak up to 10 ms before the end).
 * CPU time is printed beside wall time because the benchmark machine is shared: wall time moves with the load.
 */
export function timed(command, args, { cwd, capture = false } = {}) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const cpuFile = join(tmpdir(), `floe-bench-cpu-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const wrapped = HAS_TIME ? ['/usr/bin/time', ['-f', '%U %S', '-o', cpuFile, command, ...args]] : [command, args];
    const child = spawn(wrapped[0], wrapped[1], {
      cwd,
      stdio: ['ignore', capture ? 'pipe' : 'ignore', 'ignore'],
    });
    let stdout = '';
    child.stdout?.setEncoding('utf8').on('data', (text) => {
      stdout += text;
    });
    let peakKb = 0;
    let target;
    const sample = async () => {
      try {
        // The command is the only child of /usr/bin/time.
        target ??= HAS_TIME
          ? Number((await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim()) || undefined
          : child.pid;
        if (target === undefined) return;
        const status = await readFile(`/proc/${target}/status`, 'utf8');
        const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
        if (kb > peakKb) peakKb = kb;
      } catch {
        // not started yet, or exited
      }
    };
    const sampler = setInterval(sample, 10);
    child.on('error', fail);
    child.on('exit', async (code) => {
      clearInterval(sampler);
      const ms = performance.now() - started;
      const [user, system] = (await readFile(cpuFile, 'utf8').catch(() => 'NaN NaN'))
        .trim()
        .split(/\s+/)
        .slice(-2)
        .map(Number);
      await rm(cpuFile, { force: true });
      done({ ms, cpuMs: ((user ?? 0) + (system ?? 0)) * 1000, code, stdout, peakMb: peakKb / 1024 });
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
  const args = [...floeNodeOptions, floeMain, 'run', file, '--json', '--work-dir', join(dir, 'work')];
  const result = await timed(process.execPath, args, {
    cwd: dir,
    capture: true,
  });
  if (result.code !== 0) throw new Error(`floe run exited ${result.code}: ${result.stdout}`);
  return result;
}

// ---- Helpers of the hub benchmarks (hub-vs-buildbot, hubs-throughput, store-100k) ---------------------------

/** The admin token the hub benchmarks start their hubs with. */
export const BENCH_ADMIN_TOKEN = 'floe-bench-admin-token-0123456789';

/**
 * Starts a long-lived child (a hub, a runner) and resolves `{child, match}` once its output matches `pattern`;
 * rejects when it exits first or after `timeoutMs`. The child joins `children`, which the caller stops at the end
 * whatever happens. Only the tail of the output is kept, so a chatty child cannot grow this process.
 */
export function startAndWaitFor(children, command, args, pattern, { env = {}, timeoutMs = 60_000 } = {}) {
  const child = spawn(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} in ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    const take = (text) => {
      output = (output + text).slice(-8192);
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, match });
      }
    };
    child.stdout.setEncoding('utf8').on('data', take);
    child.stderr.setEncoding('utf8').on('data', take);
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}:\n${output}`)));
  });
}

/** A JSON call to a bench hub's API as its admin: GET without a body, POST with one; throws on an error status. */
export async function benchApi(url, path, body) {
  const response = await fetch(new URL(path, url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json();
}
