// `pnpm bench cap [--gb N]`: a task printing N GB (default 10) through a real hub and runner with the hub's
// default log cap (16 MiB a node log), against the same command writing to /dev/null in the same run. What it
// shows: the hub's and the runner's peak RSS (VmHWM) and how much the hub's data dir and the runner's work dir
// grew stay bounded whatever the task prints (the runner keeps the cap while the log streams), and what that costs.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_ADMIN_TOKEN,
  benchApi,
  floeMain,
  repoRoot,
  startAndWaitFor,
  timed,
  withTempDir,
} from './bench-support.js';

const gbFlag = process.argv.indexOf('--gb');
const GB = gbFlag > 0 ? Number(process.argv[gbFlag + 1]) : 10;
// `yes` ends on SIGPIPE when head has had enough: not a failure (shell tasks run with pipefail).
const COMMAND = `(yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz || true) | head -c ${GB}G`;
const hubMain = join(repoRoot, 'github-app/dist/main.js');

function peakMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]) / 1024;
}

function sizeMb(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes / 1024 / 1024;
}

export async function cappedLog() {
  return withTempDir(async (dir) => {
    const children = new Set();
    try {
      const repo = join(dir, 'repo');
      mkdirSync(repo);
      writeFileSync(
        join(repo, 'FLOE.yaml'),
        `id: chatty\ntasks:\n  - {id: talk, type: exec, listen: trigger.good, opts: {shell: "${COMMAND}"}}\n`,
      );
      const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
      git('init', '-q', '-b', 'main');
      git('add', '.');
      git('-c', 'user.name=bench', '-c', 'user.email=bench@floe.invalid', 'commit', '-qm', 'flow');
      const hubDir = join(dir, 'hub');
      const hubArgs = [hubMain, '--port', '0', '--data-dir', hubDir, '--admin-token', BENCH_ADMIN_TOKEN];
      const hub = await startAndWaitFor(children, process.execPath, [...hubArgs, '--repo', repo], /floe hub at (\S+)/);
      const url = hub.match[1];
      const { token } = await benchApi(url, '/api/runners/tokens', {});
      const workDir = join(dir, 'runner');
      const runnerArgs = [floeMain, 'runner', 'start', '--name', 'bench', '--work-dir', workDir, '--hub', url];
      const runner = await startAndWaitFor(children, process.execPath, [...runnerArgs, '--token', token], /connected/);
      const hubBefore = sizeMb(hubDir);
      const started = Date.now();
      const { runId } = await benchApi(url, '/api/flows/chatty/runs', {});
      let run;
      do {
        await new Promise((resolve) => setTimeout(resolve, 200));
        run = await benchApi(url, `/api/runs/${runId}`);
      } while (run.state !== 'archived');
      const floeMs = Date.now() - started;
      if (run.result !== 'good') throw new Error(`the run ended ${run.result}: ${run.reason}`);
      // The stored log, page by page (the log API answers about 1 MiB at a time).
      let storedBytes = 0;
      for (let from = 0; ; ) {
        const response = await fetch(new URL(`/api/runs/${runId}/logs?node=talk&from=${from}`, url), {
          headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}` },
        });
        const bytes = (await response.arrayBuffer()).byteLength;
        const next = Number(response.headers.get('x-floe-log-next'));
        storedBytes += bytes;
        if (bytes === 0 || !(next > from)) break;
        from = next;
      }
      const figures = {
        hubPeakMb: peakMb(hub.child.pid),
        runnerPeakMb: peakMb(runner.child.pid),
        hubGrewMb: sizeMb(hubDir) - hubBefore,
        runnerDirMb: sizeMb(workDir),
        storedMb: storedBytes / 1024 / 1024,
      };
      const baseline = await timed('bash', ['-c', `${COMMAND} > /dev/null`], { cwd: dir });
      return { floeMs, baselineMs: baseline.ms, ...figures };
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await cappedLog();
  const line = (label, value) => process.stdout.write(`${label.padEnd(34)} ${value}\n`);
  process.stdout.write(`\n${GB} GB printed by one task, hub log cap 16 MiB (node ${process.version})\n`);
  line('end to end through hub and runner', `${(r.floeMs / 1000).toFixed(1)} s`);
  line(
    'the command to /dev/null',
    `${(r.baselineMs / 1000).toFixed(1)} s (ratio ${(r.floeMs / r.baselineMs).toFixed(1)})`,
  );
  line('hub peak RSS', `${r.hubPeakMb.toFixed(0)} MB`);
  line('runner peak RSS', `${r.runnerPeakMb.toFixed(0)} MB`);
  line("hub's data dir grew by", `${r.hubGrewMb.toFixed(1)} MB (the stored log: ${r.storedMb.toFixed(1)} MB)`);
  line("runner's work dir at the end", `${r.runnerDirMb.toFixed(1)} MB`);
}
