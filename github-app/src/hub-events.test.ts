import { describe, expect, it } from 'vitest';
import { type HubEvent, HubEvents } from './hub-events.js';

describe('HubEvents', () => {
  it('numbers events in the order they happen and hands each to every listener', () => {
    const failures: unknown[] = [];
    const events = new HubEvents((err) => failures.push(err));
    const seen: HubEvent[] = [];
    events.on(() => {
      throw new Error('a broken listener');
    });
    const stop = events.on((event) => seen.push(event));
    events.emit({ type: 'log', runId: 'r', node: 'n', offset: 0, bytes: 1, stream: 'out' });
    events.emit({ type: 'log', runId: 'r', node: 'n', offset: 1, bytes: 1, stream: 'out' });
    stop();
    events.emit({ type: 'log', runId: 'r', node: 'n', offset: 2, bytes: 1, stream: 'out' });
    expect(seen.map((event) => event.seq)).toEqual([1, 2]);
    expect(events.lastSeq).toBe(3);
    expect(failures).toHaveLength(3);
  });
});
