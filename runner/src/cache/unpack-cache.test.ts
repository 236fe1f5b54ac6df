import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Header } from 'tar';
import { describe, expect, it } from 'vitest';
import { packCache } from './pack-cache.js';
import { unpackCache } from './unpack-cache.js';

interface Entry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'FIFO';
  linkpath?: string;
  body?: string;
  mode?: number;
}

/** A tar archive written by hand, entry by entry, as an attacker would: nothing checks what it holds. */
function hostileTar(entries: Entry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? '');
    const header = new Header({
      path: entry.path,
      type: entry.type ?? 'File',
      linkpath: entry.linkpath,
      size: body.length,
      mode: entry.mode ?? (entry.type === 'Directory' ? 0o755 : 0o644),
      uid: 0,
      gid: 0,
      mtime: new Date(0),
    });
    const block = Buffer.alloc(512);
    header.encode(block, 0);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** A workspace inside a folder, with a secret beside it that no archive may touch. */
function place() {
  const root = mkdtempSync(join(tmpdir(), 'floe-unpack-'));
  const workspace = join(root, 'ws');
  mkdirSync(workspace);
  writeFileSync(join(root, 'secret'), 'keep');
  return { root, workspace };
}

describe('unpackCache', () => {
  it('restores what packCache saved: files, folders, links inside, modes and times', async () => {
    const from = place();
    mkdirSync(join(from.workspace, 'node_modules/a/bin'), { recursive: true });
    writeFileSync(join(from.workspace, 'node_modules/a/index.js'), 'module.exports = 1;\n');
    writeFileSync(join(from.workspace, 'node_modules/a/bin/run'), '#!/bin/sh\n', { mode: 0o755 });
    symlinkSync('../a/bin/run', join(from.workspace, 'node_modules/a/link'));
    const chunks: Buffer[] = [];
    const into = new (await import('node:stream')).PassThrough();
    into.on('data', (chunk: Buffer) => chunks.push(chunk));
    const packed = await packCache(from.workspace, ['node_modules', 'missing'], into);
    expect(packed).toEqual({ packed: ['node_modules'], missing: ['missing'] });

    const to = place();
    const unpacked = await unpackCache(Readable.from([Buffer.concat(chunks)]), to.workspace, ['node_modules']);
    expect(unpacked.refused).toEqual([]);
    expect(readFileSync(join(to.workspace, 'node_modules/a/index.js'), 'utf8')).toBe('module.exports = 1;\n');
    expect(lstatSync(join(to.workspace, 'node_modules/a/bin/run')).mode & 0o777).toBe(0o755);
    expect(readlinkSync(join(to.workspace, 'node_modules/a/link'))).toBe('../a/bin/run');
  });

  it.each<[string, Entry[], string]>([
    ['a path climbing out with ..', [{ path: 'node_modules/../../secret', body: 'owned' }], '..'],
    ['an absolute path', [{ path: '/tmp/floe-unpack-absolute-test', body: 'owned' }], 'leaves the workspace'],
    ['a path outside the cache paths', [{ path: 'src/main.c', body: 'owned' }], 'not inside the cache paths'],
    [
      'a symbolic link climbing out, then a file through it',
      [
        { path: 'node_modules/out', type: 'SymbolicLink', linkpath: '../../' },
        { path: 'node_modules/out/secret', body: 'owned' },
      ],
      'outside the workspace',
    ],
    [
      'an absolute symbolic link',
      [{ path: 'node_modules/etc', type: 'SymbolicLink', linkpath: '/etc' }],
      'outside the workspace',
    ],
    [
      'a hard link to a file outside',
      [{ path: 'node_modules/hard', type: 'Link', linkpath: '../secret' }],
      'hard link',
    ],
    [
      'a hard link to a file of the workspace outside the cache paths',
      [{ path: 'node_modules/hard', type: 'Link', linkpath: 'src/config' }],
      'hard link',
    ],
    ['a device', [{ path: 'node_modules/null', type: 'CharacterDevice' }], 'CharacterDevice'],
    ['a FIFO', [{ path: 'node_modules/pipe', type: 'FIFO' }], 'FIFO'],
  ])('refuses %s and writes nothing outside', async (_title, entries, why) => {
    const { root, workspace } = place();
    mkdirSync(join(workspace, 'src'));
    writeFileSync(join(workspace, 'src/config'), 'mine');
    const unpacked = await unpackCache(Readable.from([hostileTar(entries)]), workspace, ['node_modules']);
    expect(unpacked.refused.join('\n')).toContain(why);
    expect(readFileSync(join(root, 'secret'), 'utf8')).toBe('keep');
    expect(readFileSync(join(workspace, 'src/config'), 'utf8')).toBe('mine');
    expect(existsSync('/tmp/floe-unpack-absolute-test')).toBe(false);
    expect(existsSync(join(workspace, 'node_modules/null'))).toBe(false);
    expect(existsSync(join(workspace, 'node_modules/pipe'))).toBe(false);
  });

  it('does not write through a symbolic link the workspace already holds', async () => {
    const { root, workspace } = place();
    mkdirSync(join(workspace, 'node_modules'));
    // A checkout of a hostile repository may hold this link.
    symlinkSync(root, join(workspace, 'node_modules/x'));
    const unpacked = await unpackCache(
      Readable.from([hostileTar([{ path: 'node_modules/x/secret', body: 'owned' }])]),
      workspace,
      ['node_modules'],
    );
    expect(unpacked.refused.join('\n')).toMatch(/symbolic link/);
    expect(readFileSync(join(root, 'secret'), 'utf8')).toBe('keep');
  });

  it('strips setuid bits and takes no owner from the archive', async () => {
    const { workspace } = place();
    await unpackCache(
      Readable.from([hostileTar([{ path: 'node_modules/suid', body: 'x', mode: 0o4755 }])]),
      workspace,
      ['node_modules'],
    );
    const info = lstatSync(join(workspace, 'node_modules/suid'));
    expect(info.mode & 0o7000).toBe(0);
    expect(info.uid).toBe(process.getuid?.());
  });

  it('rejects what is not a tar archive at all', async () => {
    const { workspace } = place();
    await expect(
      unpackCache(Readable.from([Buffer.from('this is not a tar archive'.repeat(40))]), workspace, ['node_modules']),
    ).rejects.toThrow(/damaged/);
  });
});
