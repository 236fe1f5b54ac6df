import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandCacheKey, RUNNER_FACTS } from './expand-cache-key.js';

function workspace() {
  const root = mkdtempSync(join(tmpdir(), 'floe-cache-key-'));
  const ws = join(root, 'ws');
  mkdirSync(join(ws, 'a'), { recursive: true });
  writeFileSync(join(ws, 'a/package-lock.json'), '{"v":1}');
  writeFileSync(join(ws, 'pnpm-lock.yaml'), 'lock: 1');
  writeFileSync(join(root, 'outside.lock'), 'outside');
  return { root, ws };
}

const key = async (template: string, ws: string) => {
  const expanded = await expandCacheKey(template, ws);
  if ('error' in expanded) throw new Error(expanded.error);
  return expanded;
};

describe('expandCacheKey', () => {
  it('puts the runner OS and architecture in, and keeps the text around them', async () => {
    const { ws } = workspace();
    expect((await key('deps-{{runner.os}}-{{ runner.arch }}-v1', ws)).key).toBe(
      `deps-${RUNNER_FACTS.os}-${RUNNER_FACTS.arch}-v1`,
    );
  });

  it('hashes the files the globs match: a change of content or of name changes the key, nothing else does', async () => {
    const { ws } = workspace();
    const template = 'deps-{{hash **/package-lock.json pnpm-lock.yaml}}';
    const first = (await key(template, ws)).key;
    expect(first).toMatch(/^deps-[0-9a-f]{64}$/);
    writeFileSync(join(ws, 'unrelated.txt'), 'x');
    expect((await key(template, ws)).key).toBe(first);
    writeFileSync(join(ws, 'pnpm-lock.yaml'), 'lock: 2');
    const second = (await key(template, ws)).key;
    expect(second).not.toBe(first);
    mkdirSync(join(ws, 'b'));
    renameSync(join(ws, 'a/package-lock.json'), join(ws, 'b/package-lock.json'));
    expect((await key(template, ws)).key).not.toBe(second);
  });

  it('does not hash a file through a symbolic link (the runner reads outside the sandbox)', async () => {
    const { root, ws } = workspace();
    const before = (await key('{{hash *.lock}}', ws)).key;
    symlinkSync(join(root, 'outside.lock'), join(ws, 'linked.lock'));
    expect((await key('{{hash *.lock}}', ws)).key).toBe(before);
  });

  it('warns when a hash matches no file', async () => {
    const { ws } = workspace();
    expect((await key('{{hash nothing/*.lock}}', ws)).warnings).toEqual(['{{hash nothing/*.lock}} matches no file']);
  });

  it.each([
    ['{{hash ../outside.lock}}', 'inside the workspace'],
    ['{{hash /etc/passwd}}', 'inside the workspace'],
    ['{{hash a/../../outside.lock}}', 'inside the workspace'],
    ['{{secret.TOKEN}}', 'a key knows'],
    ['{{hash}}', 'without files'],
    ['a\u0000b', 'control character'],
    ['x'.repeat(513), 'longer than 512'],
  ])('refuses %s', async (template, why) => {
    const { ws } = workspace();
    const expanded = await expandCacheKey(template, ws);
    expect('error' in expanded && expanded.error).toContain(why);
  });
});
