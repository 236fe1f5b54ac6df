import type { HubMessage } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import { InProcessNotifier } from '../dispatch/hub-notifier.js';
import type { RunnerConnection } from '../gateway/hub-core.js';
import { HubEvents } from '../hub-events.js';
import { ConnectedRunners } from '../runners/connected-runners.js';
import { FakeRunner } from '../testing/fake-runner.js';
import { type HubChange, HubChanges } from './hub-changes.js';

/** Two hubs' change plumbing on one in-process notifier, as two hubs on one database signal each other. */
function twoHubs(shared = true) {
  const bus = new InProcessNotifier();
  const hub = (id: string) => {
    const events = new HubEvents((err) => {
      throw err;
    });
    const connections = new ConnectedRunners();
    const wakes: number[] = [];
    const notifier = bus.forHub(id);
    const changes = new HubChanges({
      events,
      notifier,
      connections,
      shared,
      wake: () => wakes.push(Date.now()),
    });
    const heard: HubChange[] = [];
    changes.onChange((change) => heard.push(change));
    return { events, notifier, connections, changes, wakes, heard };
  };
  return { a: hub('a'), b: hub('b') };
}

/** Signals go out on a microtask; this lets them arrive. */
const delivered = () => new Promise((resolve) => setImmediate(resolve));

describe('HubChanges', () => {
  it("tells both hubs' listeners of a run event on one of them", async () => {
    const { a, b } = twoHubs();
    a.events.emit({ type: 'log', runId: 'r1', node: 'build', offset: 0, bytes: 2, stream: 'out' });
    await delivered();
    expect(a.heard).toEqual([{ kind: 'log', runId: 'r1', node: 'build' }]);
    expect(b.heard).toEqual([{ kind: 'log', runId: 'r1', node: 'build' }]);
  });

  it('announces a token change to this hub and the others, and stops telling a listener that unsubscribed', async () => {
    const { a, b } = twoHubs();
    const late: HubChange[] = [];
    const stop = b.changes.onChange((change) => late.push(change));
    a.changes.announce({ kind: 'tokens' });
    await delivered();
    expect(a.heard).toEqual([{ kind: 'tokens' }]);
    expect(b.heard).toEqual([{ kind: 'tokens' }]);
    expect(late).toEqual([{ kind: 'tokens' }]);
    stop();
    a.changes.announce({ kind: 'runners' });
    await delivered();
    expect(b.heard).toEqual([{ kind: 'tokens' }, { kind: 'runners' }]);
    expect(late).toEqual([{ kind: 'tokens' }]);
  });

  it('relays a message for a runner connected to the other hub, and wakes its dispatcher', async () => {
    const { a, b } = twoHubs();
    const runner = new FakeRunner('runner-1', 'vm-1', [], 1);
    b.connections.add(runner);
    const cancel: HubMessage = { type: 'cancel', runId: 'r1', epoch: 2, by: 'ann' };
    expect(a.connections.send('runner-1', cancel)).toBe(true);
    await runner.next('cancel');
    expect(runner.of('cancel')).toEqual([cancel]);
    a.notifier.publish({ kind: 'wake' });
    await delivered();
    expect(b.wakes).toHaveLength(1);
    expect(a.wakes).toHaveLength(0);
  });

  it('does not relay when the database is not shared', () => {
    const { a } = twoHubs(false);
    expect(a.connections.send('runner-1', { type: 'cancel', runId: 'r1', epoch: 1, by: 'ann' })).toBe(false);
  });

  it('closes a removed runner here, or has the hub that holds it close it', async () => {
    const { a, b } = twoHubs();
    const closed: string[] = [];
    const connection: RunnerConnection = new FakeRunner('runner-2', 'vm-2', [], 1);
    connection.close = (reason) => closed.push(`b: ${reason}`);
    b.connections.add(connection);
    a.changes.dropRunner('runner-2', 'removed by ann', undefined);
    await delivered();
    expect(closed).toEqual(['b: removed by ann']);
    b.changes.dropRunner('runner-2', 'removed again', connection);
    expect(closed).toEqual(['b: removed by ann', 'b: removed again']);
  });
});
