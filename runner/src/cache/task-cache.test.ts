// Task caches through the real run driver: real processes, a real cache dir, real archives.
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCacheLine, parseFloeFile, type ResolvedFlow, type RunRecord, type Trust } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { driveRun } from '../execution/drive-run.js';
import { lookUpUser, probeTaskSandbox } from '../process/task-sandbox.js';
import { workspacePath } from '../workspace/workspace-path.js';
import { LocalCacheStore } from './local-cache-store.js';

const canSandbox = process.getuid?.() === 0 && existsSync('/usr/bin/bwrap') && lookUpUser('floe-task') !== undefined;

function flow(yaml: string): ResolvedFlow {
  const parsed = parseFloeFile(yaml);
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || !parsed.flows[0]) throw new Error(errors.map((d) => d.message).join('\n'));
  return parsed.flows[0];
}

/**
 * `lock` writes the lock file (as a checkout would), then `install` says what it found in `deps` and writes it as
 * a dependency install would, from the lock file.
 */
const depsFlow = (lock: string, extra = '') =>
  flow(`
id: build
tasks:
  - id: lock
    type: exec
    listen: trigger.good
    opts: {shell: "printf '%s' '${lock}' > lock.txt"}
  - id: install
    type: exec
    listen: task.lock.good
    cache:
      key: "deps-{{runner.os}}-{{hash lock.txt}}"
      restore-keys: [deps-]
      paths: [deps]
    opts:
      shell: |
        if [ -f deps/pkg/index.js ]; then echo "found $(cat deps/pkg/index.js)"; fi
        mkdir -p deps/pkg && printf '%s' '${lock}' > deps/pkg/index.js
        ${extra}
`);

async function run(
  f: ResolvedFlow,
  options: { workDir: string; store: LocalCacheStore; trust?: Trust; repo?: string; sandboxed?: boolean },
) {
  const records: RunRecord[] = [];
  const runId = `run-${++runs}`;
  const probe = options.sandboxed
    ? probeTaskSandbox({ workDir: options.workDir, taskUser: 'floe-task', binds: [], path: process.env.PATH ?? '' })
    : undefined;
  if (probe && !probe.ok) throw new Error(probe.reason);
  const driver = driveRun({
    spec: {
      id: runId,
      number: 1,
      flow: f,
      data: {},
      secrets: {},
      trust: options.trust ?? 'trusted',
      ...(options.repo ? { repo: options.repo } : {}),
    },
    workDir: options.workDir,
    caches: options.store,
    ...(probe?.ok ? { sandbox: probe.sandbox } : {}),
    killGraceMs: 200,
    onRecord: (record) => records.push(record),
  });
  const state = await driver.done;
  const sys = records
    .flatMap((record) => (record.kind === 'log' && record.chunk.stream === 'sys' ? record.chunk.text.split('\n') : []))
    .filter(Boolean);
  const out = records
    .flatMap((record) => (record.kind === 'log' && record.chunk.stream === 'out' ? [record.chunk.text] : []))
    .join('');
  return {
    result: state.ended?.result,
    caches: sys.flatMap((line) => parseCacheLine(line) ?? []),
    sys,
    out,
    workspace: workspacePath(options.workDir, f, runId),
  };
}
let runs = 0;

/** A fresh runner work dir each time (a fresh workspace), sharing one cache store. */
const freshWorkDir = () => mkdtempSync(join(tmpdir(), 'floe-task-cache-'));

describe('task caches', () => {
  it('misses and saves on the first run, restores the same key on the next, and saves a new key again', async () => {
    const store = new LocalCacheStore(mkdtempSync(join(tmpdir(), 'floe-caches-')), 100 * 2 ** 20);
    const first = await run(depsFlow('v1'), { workDir: freshWorkDir(), store });
    expect(first.result).toBe('good');
    expect(first.caches.map((c) => c.outcome)).toEqual(['miss', 'saved']);
    expect(first.out).not.toContain('found');

    const second = await run(depsFlow('v1'), { workDir: freshWorkDir(), store });
    expect(second.caches.map((c) => c.outcome)).toEqual(['hit']);
    expect(second.caches[0]?.key).toBe(first.caches[0]?.key);
    expect(second.out).toContain('found v1');

    // A new lock file: the key misses, the restore-key prefix brings the newest deps- cache, and the new key is saved.
    const third = await run(depsFlow('v2'), { workDir: freshWorkDir(), store });
    expect(third.caches.map((c) => c.outcome)).toEqual(['partial hit', 'saved']);
    expect(third.out).toContain('found v1');
    const fourth = await run(depsFlow('v2'), { workDir: freshWorkDir(), store });
    expect(fourth.out).toContain('found v2');
  });

  it('saves nothing after a task that failed', async () => {
    const store = new LocalCacheStore(mkdtempSync(join(tmpdir(), 'floe-caches-')), 100 * 2 ** 20);
    const failed = await run(depsFlow('v1', 'exit 1'), { workDir: freshWorkDir(), store });
    expect(failed.result).toBe('bad');
    expect(failed.caches.map((c) => [c.outcome, c.detail])).toEqual([
      ['miss', undefined],
      ['not saved', 'the task was not good'],
    ]);
    const next = await run(depsFlow('v1'), { workDir: freshWorkDir(), store });
    expect(next.caches.map((c) => c.outcome)).toEqual(['miss', 'saved']);
  });

  it('never restores a cache an untrusted run saved into a trusted run, nor one repository’s into another’s', async () => {
    const store = new LocalCacheStore(mkdtempSync(join(tmpdir(), 'floe-caches-')), 100 * 2 ** 20);
    const poisoned = await run(depsFlow('v1'), {
      workDir: freshWorkDir(),
      store,
      trust: 'untrusted',
      repo: 'o/r',
    });
    expect(poisoned.caches.map((c) => c.outcome)).toEqual(['miss', 'saved']);
    const trusted = await run(depsFlow('v1'), { workDir: freshWorkDir(), store, repo: 'o/r' });
    expect(trusted.caches.map((c) => c.outcome)).toEqual(['miss', 'saved']);
    expect(trusted.out).not.toContain('found');
    const otherRepo = await run(depsFlow('v1'), { workDir: freshWorkDir(), store, repo: 'o/other' });
    expect(otherRepo.caches.map((c) => c.outcome)).toEqual(['miss', 'saved']);
    // The untrusted keyspace still has its own.
    const untrustedAgain = await run(depsFlow('v1'), {
      workDir: freshWorkDir(),
      store,
      trust: 'untrusted',
      repo: 'o/r',
    });
    expect(untrustedAgain.caches.map((c) => c.outcome)).toEqual(['hit']);
  });

  it('does not save a cache path the task turned into a link out of the workspace', async () => {
    const store = new LocalCacheStore(mkdtempSync(join(tmpdir(), 'floe-caches-')), 100 * 2 ** 20);
    const f = flow(`
id: sneaky
tasks:
  - id: t
    type: exec
    listen: trigger.good
    cache: {key: k, paths: [deps]}
    opts: {shell: "ln -s /etc deps"}
`);
    const result = await run(f, { workDir: freshWorkDir(), store });
    expect(result.caches.map((c) => [c.outcome, c.detail])).toEqual([
      ['miss', undefined],
      ['not saved', 'cache path "deps" goes through the symbolic link deps'],
    ]);
  });

  it.runIf(canSandbox)(
    'in a root runner’s sandbox, saves as the task user and gives what it restores to the task user',
    async () => {
      const store = new LocalCacheStore(mkdtempSync(join(tmpdir(), 'floe-caches-')), 100 * 2 ** 20);
      const taskUser = lookUpUser('floe-task');
      const first = await run(depsFlow('v1'), { workDir: freshWorkDir(), store, sandboxed: true });
      expect(
        first.caches.map((c) => c.outcome),
        first.sys.join('\n'),
      ).toEqual(['miss', 'saved']);
      const second = await run(depsFlow('v1', 'echo more >> deps/pkg/index.js'), {
        workDir: freshWorkDir(),
        store,
        sandboxed: true,
      });
      expect(
        second.caches.map((c) => c.outcome),
        second.sys.join('\n'),
      ).toEqual(['hit']);
      // The task could write into what was restored: it is the task user's.
      expect(second.result).toBe('good');
      expect(statSync(join(second.workspace, 'deps/pkg/index.js')).uid).toBe(taskUser?.uid);
      expect(readFileSync(join(second.workspace, 'deps/pkg/index.js'), 'utf8')).toContain('more');
    },
  );
});
