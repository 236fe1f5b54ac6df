import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFloeFile, type ResolvedTask } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '../process/process-table.js';
import { testContext } from '../testing/test-context.js';
import { executeTask } from './execute-task.js';

describe('exec', () => {
  it('runs cmd without a shell, split on whitespace, and reports the exit code', async () => {
    const t = await testContext({ type: 'exec', opts: { cmd: 'printf  %s-%s  a  $HOME' } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(t.text('out')).toBe('a-$HOME');
    expect(t.text('sys')).toContain('$ printf %s-%s a "$HOME"\n');
    expect(t.text('sys')).toContain('exited 0\n');
  });

  it('takes cmd as the program as it is when args are given', async () => {
    const t = await testContext({ type: 'exec', opts: { cmd: 'printf', args: ['%s|', 'a b', './x'] } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(t.text('out')).toBe(`a b|${t.ctx.workspace}/x|`);
  });

  it('runs shell scripts with bash -eo pipefail, leaving $VAR to bash', async () => {
    const t = await testContext({
      type: 'exec',
      opts: { shell: 'echo "$GREETING $((1+2))"; false | true; echo never', env: ['GREETING=hi'] },
    });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 1 });
    expect(t.text('out')).toBe('hi 3\n');
  });

  it('keeps stdout and stderr apart', async () => {
    const t = await testContext({ type: 'exec', opts: { shell: 'echo to-out; echo to-err >&2; exit 3' } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 3 });
    expect(t.text('out')).toBe('to-out\n');
    expect(t.text('err')).toBe('to-err\n');
    expect(t.text('sys')).toContain('exited 3\n');
  });

  it('keeps a last line without a newline as it is', async () => {
    const t = await testContext({ type: 'exec', opts: { shell: 'printf "one\\ntwo"' } });
    await executeTask(t.ctx);
    expect(t.text('out')).toBe('one\ntwo');
  });

  it('reports death by a signal as 128 + the signal number', async () => {
    const t = await testContext({ type: 'exec', opts: { shell: 'kill -TERM $$' } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 143 });
  });

  it('exits 1 when the program does not exist or is not executable, as the original, and logs why', async () => {
    const missing = await testContext({ type: 'exec', opts: { cmd: 'no-such-program-floe' } });
    expect(await executeTask(missing.ctx)).toEqual({ kind: 'exited', exitCode: 1 });
    expect(missing.text('sys')).toContain('cannot start no-such-program-floe: no such program (not found on PATH)\n');
    expect(missing.text('sys')).toMatch(/exited 1\n$/);
    const t = await testContext({ type: 'exec', opts: { cmd: './script.sh' } });
    await writeFile(join(t.ctx.workspace, 'script.sh'), '#!/bin/sh\necho hi\n', { mode: 0o644 });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 1 });
    expect(t.text('sys')).toMatch(/permission denied/);
  });

  it('resolves an error when both or neither of cmd and shell are set', async () => {
    const both = await testContext({ type: 'exec', opts: { cmd: 'true', shell: 'true' } });
    expect((await executeTask(both.ctx)).kind).toBe('error');
    const neither = await testContext({ type: 'exec', opts: {} });
    expect((await executeTask(neither.ctx)).kind).toBe('error');
  });

  it('runs in sub-dir, creating it, and refuses a sub-dir that leaves the workspace', async () => {
    const t = await testContext({ type: 'exec', opts: { cmd: 'pwd', 'sub-dir': 'a/b' } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(t.text('out')).toBe(`${join(t.ctx.workspace, 'a/b')}\n`);

    const up = await testContext({ type: 'exec', opts: { cmd: 'pwd', 'sub-dir': '../elsewhere' } });
    expect(await executeTask(up.ctx)).toEqual({ kind: 'error', message: 'sub-dir ../elsewhere leaves the workspace' });

    const link = await testContext({ type: 'exec', opts: { cmd: 'pwd', 'sub-dir': 'out/x' } });
    await symlink('/tmp', join(link.ctx.workspace, 'out'));
    expect(await executeTask(link.ctx)).toEqual({ kind: 'error', message: 'sub-dir out/x leaves the workspace' });
  });

  it('resolves an error when sub-dir is a file', async () => {
    const t = await testContext({ type: 'exec', opts: { cmd: 'pwd', 'sub-dir': 'f' } });
    await writeFile(join(t.ctx.workspace, 'f'), '');
    expect(await executeTask(t.ctx)).toEqual({
      kind: 'error',
      message: expect.stringMatching(/^cannot make the working directory .*\/f: EEXIST/),
    });
  });

  it('builds the environment: runner < flow < task < floe variables, with $VAR and ./ expansion', async () => {
    const t = await testContext(
      {
        type: 'exec',
        opts: {
          shell: 'env | grep -E "^(A|B|C|PATH|FLOEWS|FLOE_[A-Z_]+)=" | sort; tool',
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a FLOE.yaml ${NAME} reference, not a template
          env: { B: 'task-b', C: '${A}+$B', PATH: './bin:$PATH', FLOE_RUN_ID: 'hijack' },
        },
      },
      {
        flowEnv: ['A=flow-a', 'B=flow-b'],
        run: { id: 'r-env', number: 42, repo: 'o/r', ref: 'main', sha: 'abc', data: { 'release-name': 'v1' } },
      },
    );
    t.ctx.baseEnv = { ...t.ctx.baseEnv, A: 'runner-a', Z: 'runner-z' };
    await mkdir(join(t.ctx.workspace, 'bin'));
    await writeFile(join(t.ctx.workspace, 'bin', 'tool'), '#!/bin/sh\necho tool-from-ws-bin\n');
    await chmod(join(t.ctx.workspace, 'bin', 'tool'), 0o755);
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    const ws = t.ctx.workspace;
    const lines = t.text('out').split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'A=flow-a',
        'B=task-b',
        'C=flow-a+task-b',
        `PATH=${ws}/bin:${t.ctx.baseEnv.PATH}`,
        `FLOEWS=${ws}`,
        'FLOE_RUN_ID=r-env',
        'FLOE_RUN_NUMBER=42',
        'FLOE_FLOW_ID=flow1',
        'FLOE_NODE_ID=t1',
        'FLOE_REPO=o/r',
        'FLOE_REF=main',
        'FLOE_SHA=abc',
        'FLOE_DATA_RELEASE_NAME=v1',
        'tool-from-ws-bin',
      ]),
    );
  });

  it('prints an attempt header for attempts after the first', async () => {
    const t = await testContext({ type: 'exec', retry: 2, opts: { cmd: 'true' } }, { attempt: 2 });
    await executeTask(t.ctx);
    expect(t.logs[0]).toMatchObject({ stream: 'sys', text: '── attempt 2 of 3 ──\n' });
  });

  it('kills processes left in the background when the task exits', async () => {
    const t = await testContext({ type: 'exec', opts: { shell: 'sleep 1000 & echo $!' } });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(isProcessAlive(Number(t.text('out').trim()))).toBe(false);
  });

  it('gives a matrix combination FLOE_MATRIX_<AXIS>, and {{matrix.…}} in its script as data that never runs', async () => {
    // Each way into a shell command, and the characters bash gives a meaning (control bytes the schema refuses).
    const hostile = `x"; touch pwned; "$(touch pwned2)\`touch pwned3\`' $HOME \\ !#&()*;<>?[]{}|~ $((1+1))`;
    const yaml = [
      'id: f',
      'tasks:',
      '  - id: t',
      '    type: exec',
      '    listen: trigger.good',
      `    opts: {shell: 'printf "%s@@" "{{matrix.v}}" {{matrix.v}}; printf "%s@@" "$FLOE_MATRIX_V" "$E"', env: {E: 'e={{matrix.v}}'}}`,
      `    matrix: {axes: {v: [${JSON.stringify(hostile)}]}}`,
    ].join('\n');
    const { flows, diagnostics } = parseFloeFile(yaml);
    expect(diagnostics).toEqual([]);
    const task = flows[0]?.tasks[1] as ResolvedTask;
    const t = await testContext({ type: 'exec', opts: { cmd: 'true' } });
    t.ctx.task = task;
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    const out = t.text('out').split('@@');
    // Quoted, the value is one word as it is; unquoted, bash splits and globs it, but runs none of it.
    expect(out[0]).toBe(hostile);
    expect(out.slice(-3, -1)).toEqual([hostile, `e=${hostile}`]);
    const { readdir } = await import('node:fs/promises');
    expect((await readdir(t.ctx.workspace)).filter((name) => name.startsWith('pwned'))).toEqual([]);
  });
});
