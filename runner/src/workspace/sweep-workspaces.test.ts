import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sweepWorkspaces } from './sweep-workspaces.js';

const DAY = 24 * 60 * 60 * 1000;
let workDir: string;
afterEach(() => rmSync(workDir, { recursive: true, force: true }));

const workspace = (relative: string, ageMs: number) => {
  const path = join(workDir, relative);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'file.txt'), 'x');
  const at = (Date.now() - ageMs) / 1000;
  utimesSync(path, at, at);
  return path;
};

describe('sweepWorkspaces', () => {
  it('removes run workspaces older than the limit, keeping recent, active and reuse-space ones', () => {
    workDir = mkdtempSync(join(tmpdir(), 'floe-ws-'));
    const old = workspace('runs/build-run1', 10 * DAY);
    const recent = workspace('runs/build-run2', DAY);
    const activeOld = workspace('runs/build-run3', 10 * DAY);
    const reused = workspace('flows/build/ws', 30 * DAY);
    const removed = sweepWorkspaces(workDir, { now: Date.now(), maxAgeMs: 7 * DAY, activeRunIds: ['run3'] });
    expect(removed).toEqual(['build-run1']);
    expect(existsSync(old)).toBe(false);
    for (const path of [recent, activeOld, reused]) expect(existsSync(path)).toBe(true);
  });

  it('does nothing when the runner has made no workspace yet', () => {
    workDir = mkdtempSync(join(tmpdir(), 'floe-ws-'));
    expect(sweepWorkspaces(workDir, { now: Date.now() })).toEqual([]);
  });
});
