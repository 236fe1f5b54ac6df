import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProcFile } from './read-proc-file.js';

describe('readProcFile', () => {
  it('reads a kernel file whole, one that outgrows its buffer too, and the next one alone', async () => {
    const stat = readProcFile('/proc/self/stat');
    expect(stat).toMatch(new RegExp(`^${process.pid} \\(`));
    const dir = await mkdtemp(join(tmpdir(), 'floe-proc-'));
    const big = `${'x'.repeat(100_000)}end`;
    writeFileSync(join(dir, 'big'), big);
    expect(readProcFile(join(dir, 'big'))).toBe(big);
    writeFileSync(join(dir, 'small'), 'small');
    expect(readProcFile(join(dir, 'small'))).toBe('small');
    expect(readProcFile(join(dir, 'missing'))).toBeUndefined();
  });
});
