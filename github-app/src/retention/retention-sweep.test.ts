import { ResolvedFlowSchema } from '@floe/shared';
import { afterEach, describe, expect, it } from 'vitest';
import { newRunId } from '../store/new-run-id.js';
import { startTestHub, type TestHub } from '../testing/test-hub.js';

const DAY = 24 * 60 * 60 * 1000;
const NOW = Date.UTC(2026, 5, 1);
const FLOW = ResolvedFlowSchema.parse({ id: 'build', name: 'build', triggers: [], tasks: [] });

let test: TestHub | undefined;
afterEach(async () => test?.close());

describe('RetentionSweep', () => {
  it('deletes runs past the age and count limits and keeps the head and tail of an over-cap log', async () => {
    test = await startTestHub(
      { 'FLOE.yaml': 'flows: []\n' },
      {
        hub: {
          now: () => NOW,
          retention: { maxRunAgeMs: 30 * DAY, maxRunsPerFlow: 3, maxLogBytesPerNode: 4000, maxAuditAgeMs: 100 * DAY },
        },
      },
    );
    const { store } = test.hub;
    let clock = NOW - 60 * DAY;
    const archived = async (endedAt: number) => {
      clock += 1;
      const run = await store.createRun({
        id: newRunId(clock),
        repo: 'acme',
        flowId: 'build',
        trigger: { type: 'manual', data: {} },
        trust: 'trusted',
        flow: FLOW,
        createdAt: clock,
      });
      await store.archiveRun(run.id, { result: 'good', reason: 'ok', reasonCode: 'cancelled', endedAt });
      return run;
    };
    const old = await archived(NOW - 40 * DAY);
    const recent = [];
    for (let i = 0; i < 5; i++) recent.push(await archived(NOW - DAY));
    const chatty = recent[4] as { id: string };
    const lines = Array.from({ length: 1000 }, (_, i) => `output line ${String(i).padStart(4, '0')}\n`);
    await store.appendLogs(
      chatty.id,
      'build',
      lines.map((text) => ({ node: 'build', attempt: 1, stream: 'out', at: NOW, text })),
    );

    for (const age of [200, 101, 99]) {
      await store.appendAudit({
        at: NOW - age * DAY,
        actor: 'ann',
        role: 'admin',
        action: 'token.create',
        target: `${age} days ago`,
      });
    }

    expect(await test.hub.retention.sweep()).toEqual({
      runsDeleted: 3,
      logsCapped: 1,
      artifactsDeleted: 0,
      auditDeleted: 2,
    });
    expect((await store.listAudit({})).entries.map((entry) => entry.target)).toEqual(['99 days ago']);

    expect(await store.getRun(old.id)).toBeUndefined();
    expect(await store.getRun(recent[0]?.id as string)).toBeUndefined();
    expect(await store.getRun(recent[1]?.id as string)).toBeUndefined();
    for (const run of recent.slice(2)) expect(await store.getRun(run.id)).toBeDefined();
    const text = (await store.readLog(chatty.id, 'build', 0, 1 << 20)).chunks.map((c) => c.text).join('');
    expect(text.startsWith('output line 0000\n')).toBe(true);
    expect(text.endsWith('output line 0999\n')).toBe(true);
    expect(text).toMatch(/\[floe: \d+ bytes of this log were cut by retention/);
    expect(Buffer.byteLength(text)).toBeLessThan(4000);
    // Nothing left to do: a second sweep changes nothing.
    expect(await test.hub.retention.sweep()).toEqual({
      runsDeleted: 0,
      logsCapped: 0,
      artifactsDeleted: 0,
      auditDeleted: 0,
    });
  });
});
