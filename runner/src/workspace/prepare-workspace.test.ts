import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareWorkspace } from './prepare-workspace.js';
import { resolveInWorkspace } from './resolve-in-workspace.js';
import { workspacePath } from './workspace-path.js';

describe('prepareWorkspace', () => {
  it('makes one 0700 directory per run', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'floe-ws-'));
    const a = await prepareWorkspace({ workDir, flow: { id: 'build' }, runId: 'r1' });
    const b = await prepareWorkspace({ workDir, flow: { id: 'build' }, runId: 'r2' });
    expect(a.path).toBe(join(workDir, 'runs', 'build-r1'));
    expect(b.path).not.toBe(a.path);
    expect((await stat(a.path)).mode & 0o777).toBe(0o700);
    await Promise.all([a.release(), b.release()]);
  });

  it('keeps a reuse-space workspace between runs and lets only one run in at a time', async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'floe-ws-'));
    const flow = { id: 'deploy', 'reuse-space': true };
    const first = await prepareWorkspace({ workDir, flow, runId: 'r1' });
    expect(first.path).toBe(join(workDir, 'flows', 'deploy', 'ws'));
    await writeFile(join(first.path, 'marker'), 'kept');

    let secondIn = false;
    const second = prepareWorkspace({ workDir, flow, runId: 'r2' }).then((ws) => {
      secondIn = true;
      return ws;
    });
    const other = await prepareWorkspace({ workDir, flow: { id: 'other', 'reuse-space': true }, runId: 'r3' });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(secondIn).toBe(false); // other flows are not blocked, the same flow is
    await first.release();
    const ws = await second;
    expect(ws.path).toBe(first.path);
    expect((await stat(join(ws.path, 'marker'))).isFile()).toBe(true);
    await Promise.all([ws.release(), other.release()]);
  });

  it("makes a run's workspace in a spare sandbox's box, moving one left at its place in, and back at the end", async () => {
    const workDir = await mkdtemp(join(tmpdir(), 'floe-ws-'));
    const box = join(workDir, 'boxes', 'b1');
    await mkdir(box, { recursive: true });
    // The run was held here before, at an older epoch: its workspace is at its place.
    const place = join(workDir, 'runs', 'build-r1');
    await mkdir(place, { recursive: true });
    await writeFile(join(place, 'earlier'), 'kept');
    const ws = await prepareWorkspace({ workDir, flow: { id: 'build' }, runId: 'r1', box });
    expect(ws.path).toBe(join(box, 'build-r1'));
    expect(await readFile(join(ws.path, 'earlier'), 'utf8')).toBe('kept');
    expect((await stat(ws.path)).mode & 0o777).toBe(0o700);
    expect(existsSync(place)).toBe(false);
    // What a restart after a crash reads to put it back.
    expect(await readFile(`${box}.workspace`, 'utf8')).toBe(place);
    await writeFile(join(ws.path, 'built'), 'r1');
    await ws.release();
    expect(await readFile(join(place, 'built'), 'utf8')).toBe('r1');
    expect(existsSync(`${box}.workspace`)).toBe(false);
    // A reuse-space workspace keeps its fixed place, box or not.
    const shared = await prepareWorkspace({ workDir, flow: { id: 'deploy', 'reuse-space': true }, runId: 'r2', box });
    expect(shared.path).toBe(join(workDir, 'flows', 'deploy', 'ws'));
    await shared.release();
  });

  it('keeps odd ids inside the work directory', () => {
    expect(workspacePath('/w', { id: '..' }, '../../etc')).toBe('/w/runs/_..-.._.._etc');
    expect(workspacePath('/w', { id: '../x', 'reuse-space': true }, 'r')).toBe('/w/flows/.._x/ws');
  });
});

describe('resolveInWorkspace', () => {
  it('resolves relative, ./ and nested absolute paths inside the workspace', async () => {
    const ws = await mkdtemp(join(tmpdir(), 'floe-ws-'));
    expect(await resolveInWorkspace(ws, 'a/b', 'sub-dir')).toEqual({ ok: true, path: join(ws, 'a/b') });
    expect(await resolveInWorkspace(ws, './a', 'sub-dir')).toEqual({ ok: true, path: join(ws, 'a') });
    expect(await resolveInWorkspace(ws, '/src', 'sub-dir')).toEqual({ ok: true, path: join(ws, 'src') });
    expect(await resolveInWorkspace(ws, '{{ws}}/x', 'sub-dir')).toEqual({ ok: true, path: join(ws, 'x') });
    expect(await resolveInWorkspace(ws, '/usr/bin/x', 'location')).toEqual({
      ok: false,
      message: 'location /usr/bin/x leaves the workspace',
    });
    expect(await resolveInWorkspace(ws, `${ws}/in`, 'location')).toEqual({ ok: true, path: join(ws, 'in') });
    expect(await resolveInWorkspace(ws, 'a/../../x', 'sub-dir')).toEqual({
      ok: false,
      message: 'sub-dir a/../../x leaves the workspace',
    });
  });
});
