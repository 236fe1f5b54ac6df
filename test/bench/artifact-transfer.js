// `pnpm bench artifacts [--mb N]`: an N MiB artifact (default 1024) up from a real runner to a real hub and down
// with `floe artifacts`, on loopback, against `cp` of the same file (up) and `curl` of it from a plain static server
// (down), in the same run. The hub's peak RSS (VmHWM) must stay at or under 200 MB: bytes stream, never held whole.
// The upload's time is its task's (`keep` runs `true`, so it is collecting and hashing plus the upload); the
// download's is `floe artifacts`, which also checks the sha256.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
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

const mbFlag = process.argv.indexOf('--mb');
const MB = mbFlag > 0 ? Number(process.argv[mbFlag + 1]) : 1024;
const HUB_RSS_TARGET_MB = 200;
const hubMain = join(repoRoot, 'github-app/dist/main.js');

function peakMb(pid) {
  return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
}

export async function artifactTransfer() {
  return withTempDir(async (dir) => {
    const children = new Set();
    try {
      const repo = join(dir, 'repo');
      mkdirSync(repo);
      writeFileSync(
        join(repo, 'FLOE.yaml'),
        `id: big
tasks:
  - {id: make, type: exec, listen: trigger.good, opts: {shell: "head -c ${MB}M /dev/urandom > big.bin"}}
  - {id: keep, type: exec, listen: task.make.good, opts: {cmd: "true"}, artifacts: [{name: big, paths: [big.bin]}]}
`,
      );
      const git = (...args) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
      git('init', '-q', '-b', 'main');
      git('add', '.');
      git('-c', 'user.name=bench', '-c', 'user.email=bench@floe.invalid', 'commit', '-qm', 'flow');
      const hubArgs = [hubMain, '--port', '0', '--data-dir', join(dir, 'hub'), '--admin-token', BENCH_ADMIN_TOKEN];
      const hub = await startAndWaitFor(children, process.execPath, [...hubArgs, '--repo', repo], /floe hub at (\S+)/);
      const url = hub.match[1];
      const { token } = await benchApi(url, '/api/runners/tokens', {});
      const workDir = join(dir, 'runner');
      const runnerArgs = [floeMain, 'runner', 'start', '--name', 'bench', '--work-dir', workDir, '--hub', url];
      await startAndWaitFor(children, process.execPath, [...runnerArgs, '--token', token], /connected/);

      const { runId } = await benchApi(url, '/api/flows/big/runs', {});
      let run;
      do {
        await new Promise((resolve) => setTimeout(resolve, 200));
        run = await benchApi(url, `/api/runs/${runId}`);
      } while (run.state !== 'archived');
      if (run.result !== 'good') throw new Error(`the run ended ${run.result}: ${run.reason}`);
      const keep = run.nodes.find((node) => node.id === 'keep');
      const upMs = keep.endedAt - keep.startedAt;

      const out = join(dir, 'out');
      mkdirSync(out);
      const down = await timed(
        process.execPath,
        [floeMain, 'artifacts', runId, '--out', out, '--hub', url, '--token', BENCH_ADMIN_TOKEN],
        { cwd: dir },
      );
      if (down.code !== 0) throw new Error(`floe artifacts exited ${down.code}`);
      const file = join(out, 'big', 'big.bin');
      const hubPeakMb = peakMb(hub.child.pid);

      // Baselines on the same file: a copy on the same disk, and curl from a static server that only streams it.
      const cp = await timed('cp', [file, join(dir, 'copy.bin')]);
      const server = createServer((_request, response) => createReadStream(file).pipe(response));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const curl = await timed('curl', [
        '-sS',
        '-o',
        join(dir, 'curl.bin'),
        `http://127.0.0.1:${server.address().port}/`,
      ]);
      server.close();
      return { upMs, downMs: down.ms, cpMs: cp.ms, curlMs: curl.ms, hubPeakMb };
    } finally {
      for (const child of children) child.kill('SIGKILL');
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await artifactTransfer();
  const line = (label, value) => process.stdout.write(`${label.padEnd(44)} ${value}\n`);
  process.stdout.write(`\nan artifact of ${MB} MiB on loopback (node ${process.version})\n`);
  line('up: runner to hub (collect, sha256, upload)', `${(r.upMs / 1000).toFixed(2)} s`);
  line('  cp of the same file', `${(r.cpMs / 1000).toFixed(2)} s (ratio ${(r.upMs / r.cpMs).toFixed(1)})`);
  line('down: floe artifacts (sha256 checked)', `${(r.downMs / 1000).toFixed(2)} s`);
  line('  curl from a static server', `${(r.curlMs / 1000).toFixed(2)} s (ratio ${(r.downMs / r.curlMs).toFixed(1)})`);
  line('hub peak RSS', `${r.hubPeakMb.toFixed(0)} MB (≤ ${HUB_RSS_TARGET_MB})`);
  process.exitCode = r.hubPeakMb <= HUB_RSS_TARGET_MB ? 0 : 1;
}
