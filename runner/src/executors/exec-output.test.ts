import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../process/line-splitter.js';
import { testContext } from '../testing/test-context.js';
import { executeTask } from './execute-task.js';

describe('exec output', () => {
  it('delivers a 10 MB line without newline byte for byte, in pieces, many reads per piece', async () => {
    let bytes = 0;
    let chunks = 0;
    const t = await testContext(
      { type: 'exec', opts: { shell: "head -c 10000000 /dev/zero | tr '\\0' x" } },
      {
        onLog: (chunk) => {
          if (chunk.stream !== 'out') return;
          chunks++;
          expect(chunk.text).toMatch(/^x+$/);
          bytes += chunk.text.length;
          expect(chunk.text.length).toBeLessThan(2 * MAX_LINE_BYTES);
        },
      },
    );
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(bytes).toBe(10_000_000);
    expect(chunks).toBeLessThan(10_000_000 / 1000); // many bytes per callback, not one callback per byte
  });

  it('streams 50 MB of lines with bounded memory', async () => {
    let bytes = 0;
    let lines = 0;
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const t = await testContext(
      { type: 'exec', opts: { shell: 'set +o pipefail; yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 50000000' } },
      {
        onLog: (chunk) => {
          if (chunk.stream !== 'out') return;
          bytes += chunk.text.length;
          lines += chunk.text.split('\n').length - 1;
          peak = Math.max(peak, process.memoryUsage().rss);
        },
      },
    );
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(bytes).toBe(50_000_000); // the cut last line stays as it is
    expect(lines).toBe(Math.floor(50_000_000 / 37));
    expect(peak - before).toBeLessThan(150 * 1024 * 1024);
  });

  it('keeps multi-byte UTF-8 intact across pipe reads', async () => {
    // 3-byte characters in a 200 000-byte line: reads of the pipe end in the middle of characters.
    const t = await testContext({
      type: 'exec',
      opts: { shell: `for i in $(seq 1 20000); do printf '€€€€€€€€€€'; done; echo; echo 'ünïcödé 😀'` },
    });
    expect(await executeTask(t.ctx)).toEqual({ kind: 'exited', exitCode: 0 });
    const text = t.text('out');
    expect(text).not.toContain('\uFFFD');
    expect(text).toBe(`${'€'.repeat(200_000)}\nünïcödé 😀\n`);
  });
});
