// The original floe's own configs (test/fixtures/original/, verbatim, MIT) as a user coming from floe meets them:
// every file lints with no error, and each run of runs.json — with the texts that reach the network replaced by
// local stand-ins, the graph unchanged — ends as listed there, with `floe run` and through a hub and a runner.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FLOE_MAIN,
  GIT_ENV,
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  waitFor,
} from '../support/index.js';

const fixtures = new URL('../fixtures/original/', import.meta.url);
const originals = readdirSync(fixtures).filter((name) => /\.ya?ml$/.test(name));
type Run = { flow: string; data?: Record<string, string>; result: string; reason: string; original: string };
type FileRuns = { replace: { from: string; to: string; why: string }[]; runs: Run[]; with?: string[] };
const plan = JSON.parse(readFileSync(new URL('runs.json', fixtures), 'utf8')) as { files: Record<string, FileRuns> };
const runs = Object.entries(plan.files).flatMap(([file, entry]) => entry.runs.map((run) => ({ file, ...run })));

/** `go`: enough of the Go command for these flows; `install` and `test` need the checkout's main.go. */
const GO_STUB = `#!/bin/sh
case "$1" in
  version) echo "go version go1.10.2 linux/amd64 (a stand-in)";;
  install|test) if [ -f main.go ]; then echo "ok  $PWD"; else echo "go: no Go files in $PWD"; exit 1; fi;;
  *) echo "go: unknown command $1"; exit 2;;
esac
`;

let stand: Record<string, string>;
let goBin: string;
let server: Server;

/** The file of runs.json with its replacements made and the stand-ins filled in. */
function runnable(file: string): string {
  let text = readFileSync(new URL(file, fixtures), 'utf8');
  for (const { from, to } of plan.files[file]?.replace ?? []) {
    expect(text, `${file} no longer holds ${from}`).toContain(from);
    text = text.replaceAll(
      from,
      to.replace(/\{(\w+)\}/g, (_, name: string) => stand[name] as string),
    );
  }
  return text;
}

/** The files of a repository holding `file` (as `as`) and the files it names (its `with`), ready to run. */
function repoFiles(file: string, as = file): Record<string, string> {
  const others = (plan.files[file]?.with ?? []).map((other) => [other, runnable(other)]);
  return { [as]: runnable(file), ...Object.fromEntries(others) };
}

const floe = (cwd: string, args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [FLOE_MAIN, ...args], {
      cwd,
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

beforeAll(async () => {
  const origin = makeTempDir('floe-origin-');
  for (const name of ['floe', 'floe-test', 'danmux-hugo']) {
    const src = join(origin, `${name}-src`);
    makeGitRepo(src, { 'main.go': 'package main\n\nfunc main() {}\n', 'README.md': `${name}\n` });
    execFileSync('git', ['clone', '-q', '--bare', src, join(origin, `${name}.git`)]);
  }
  // The stand-in Go toolchain: a tarball of go/bin/go, served over HTTP as the original downloaded it.
  const toolchain = makeTempDir('floe-go-');
  mkdirSync(join(toolchain, 'go', 'bin'), { recursive: true });
  writeFileSync(join(toolchain, 'go', 'bin', 'go'), GO_STUB);
  chmodSync(join(toolchain, 'go', 'bin', 'go'), 0o755);
  goBin = join(toolchain, 'go', 'bin');
  execFileSync('tar', ['-czf', join(toolchain, 'go.tar.gz'), '-C', toolchain, 'go']);
  const tarball = readFileSync(join(toolchain, 'go.tar.gz'));
  server = createServer((req, res) => {
    if (req.url === '/go1.10.2.linux-amd64.tar.gz') res.writeHead(200).end(tarball);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stand = {
    origin,
    files: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    goSha256: createHash('sha256').update(tarball).digest('hex'),
  };
}, 120_000);

afterAll(async () => {
  server?.close();
  await killSpawned();
  removeTempDirs();
});

describe("the original floe's configs", () => {
  it('are all here, and runs.json speaks of each', () => {
    expect(originals).toHaveLength(10);
    expect(Object.keys(plan.files).sort()).toEqual([...originals].sort());
  });

  it.each(originals)('%s lints with no error, and every warning says what happens', async (file) => {
    const dir = makeTempDir('floe-lint-original-');
    writeFileSync(join(dir, file), readFileSync(new URL(file, fixtures)));
    const { code, stdout, stderr } = await floe(dir, ['lint', file, '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const finding of JSON.parse(stdout) as { severity: string; message: string }[]) {
      expect(finding.severity).toBe('warning');
      expect(finding.message.length).toBeGreaterThan(20);
    }
  });

  it.each(runs)('floe run $file --flow $flow: $result', async (run) => {
    const repo = makeTempDir('floe-run-original-');
    makeGitRepo(repo, repoFiles(run.file));
    const data = Object.entries(run.data ?? {}).flatMap(([key, value]) => ['--data', `${key}=${value}`]);
    const work = makeTempDir('floe-work-original-');
    const out = await floe(repo, ['run', run.file, '--flow', run.flow, ...data, '--json', '--work-dir', work], {
      PATH: `${goBin}:${process.env.PATH}`,
    });
    const final = JSON.parse(out.stdout) as { result: string; reason: string };
    expect(final.result, out.stderr).toBe(run.result);
    expect(final.reason, out.stderr).toContain(run.reason);
    expect(out.code).toBe(run.result === 'good' ? 0 : 1);
  });

  describe('through a hub and a runner', () => {
    let hub: HubProcess;
    const repoOf = (file: string) => `orig-${file.replace(/\W+/g, '-')}`;

    beforeAll(async () => {
      const repos = Object.keys(plan.files).map((file) => {
        const dir = join(makeTempDir('floe-hub-original-'), repoOf(file));
        makeGitRepo(dir, repoFiles(file, 'FLOE.yaml'));
        return dir;
      });
      hub = await startHub({ repos, leaseMs: 10_000, heartbeatMs: 300 });
      const runner = startRunner({
        hub: hub.url,
        token: await hub.runnerToken(),
        name: 'vm-original',
        tags: ['linux', 'go', 'couch'],
        env: { PATH: `${goBin}:${process.env.PATH}` },
      });
      await runner.waitForOutput('connected to the hub');
    }, 120_000);

    type View = { state: string; result?: string; reason?: string; nodes: { id: string; state: string }[] };

    it.each(runs)('$file, flow $flow: $result', async (run) => {
      const start = Object.fromEntries(Object.entries(run.data ?? {}).filter(([key]) => !key.includes('.')));
      const { runId } = await hub.json<{ runId: string }>(`/api/flows/${run.flow}/runs`, {
        body: { repo: repoOf(run.file), data: start },
      });
      const view = () => hub.json<View>(`/api/runs/${runId}`);
      // Answers of data tasks go in when their node waits for them, as a person would give them.
      const answers = new Map<string, Record<string, string>>();
      for (const [key, value] of Object.entries(run.data ?? {})) {
        const [node, field] = key.split('.');
        if (node && field) answers.set(node, { ...answers.get(node), [field]: value });
      }
      for (const [node, values] of answers) {
        await waitFor(async () => (await view()).nodes.find((n) => n.id === node)?.state === 'awaiting-input', {
          timeoutMs: 30_000,
          what: `${node} to wait for input`,
        });
        await hub.json(`/api/runs/${runId}/nodes/${node}/data`, { body: { values } });
      }
      const ended = await waitFor(async () => ((await view()).state === 'archived' ? view() : undefined), {
        timeoutMs: 60_000,
        what: `run ${runId} of ${run.flow} to end`,
      });
      expect(ended.result, JSON.stringify(ended)).toBe(run.result);
      expect(ended.reason).toContain(run.reason);
    });
  });
});
