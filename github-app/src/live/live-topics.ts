import type { LiveServerMessage, LiveTopicSchema, RunSummary, z } from '@floe/shared';
import type { HubChange } from '../hub.js';
import type { HubApi } from '../routes/hub-api.js';
import type { SerialQueue } from './serial-queue.js';

export type Topic = z.infer<typeof LiveTopicSchema>;

/** One open subscription of a live session: told every hub change, it sends what its topic shows. */
export interface Subscription {
  onChange(change: HubChange): void;
  dispose(): void;
}

/** What a topic's subscription works with: the hub, its id, its serial queue of reads, and the socket's send. */
export type TopicContext = {
  hub: Pick<HubApi, 'runSummary' | 'run' | 'runners' | 'readLog'>;
  sub: string;
  queue: SerialQueue;
  send: (message: LiveServerMessage) => void;
};

/**
 * Every job re-reads the hub from the subscription's cursor (a log's byte offset, a run's last event seq) instead
 * of forwarding what the change carried, so what was stored and what is live meet exactly at the cursor.
 */
export function subscribeTopic(context: TopicContext, topic: Topic): Subscription {
  switch (topic.topic) {
    case 'runs':
      return followRuns(context, topic);
    case 'run':
      return followRun(context, topic);
    case 'runners':
      return followRunners(context);
    case 'log':
      return followLog(context, topic);
  }
}

/** The runs list (optionally of one flow, in one state): a run's summary each time it changes. */
export function followRuns({ hub, sub, queue, send }: TopicContext, topic: Extract<Topic, { topic: 'runs' }>) {
  // Node changes and engine events also say "run changed"; a list shows only what its summary shows, so those are
  // not read again (a summary that changes is published as run-changed: publish-run.ts).
  const lastSent = new Map<string, string>();
  // The newest summary this hub published of each run with a job waiting: the job sends it instead of reading the
  // run again. A change without one (another hub's) drops it, so that job reads the store.
  const published = new Map<string, RunSummary>();
  return {
    onChange(change: HubChange) {
      if (change.kind !== 'run' || change.detail) return;
      if (change.summary) published.set(change.runId, change.summary);
      else published.delete(change.runId);
      queue.push(change.runId, async () => {
        const newest = published.get(change.runId);
        published.delete(change.runId);
        const run = newest ?? (await hub.runSummary(change.runId));
        if (run === undefined) return;
        if (topic.flow !== undefined && run.flowId !== topic.flow) return;
        if (topic.state !== undefined && run.state !== topic.state) {
          // A run that leaves the filtered list is sent once more, so the client can take it out.
          if (lastSent.delete(run.id)) send({ type: 'run-changed', sub, run });
          return;
        }
        const json = JSON.stringify(run);
        if (lastSent.get(run.id) === json) return;
        if (lastSent.size >= 1000) lastSent.clear();
        lastSent.set(run.id, json);
        send({ type: 'run-changed', sub, run });
      });
    },
    dispose: () => queue.stop(),
  };
}

/** One run: its detail when it changes, and its engine events after the `after` seq, each once. */
export function followRun({ hub, sub, queue, send }: TopicContext, topic: Extract<Topic, { topic: 'run' }>) {
  let lastSeq = topic.after ?? 0;
  let lastSnapshot = '';
  const refresh = async () => {
    const { events = [], ...run } = await hub.run(topic.runId);
    const snapshot = JSON.stringify(run);
    if (snapshot !== lastSnapshot) send({ type: 'run', sub, run });
    lastSnapshot = snapshot;
    for (const event of events) {
      if (event.seq <= lastSeq) continue;
      send({ type: 'run-event', sub, runId: topic.runId, event });
      lastSeq = event.seq;
    }
  };
  queue.push('run', refresh);
  return {
    onChange(change: HubChange) {
      if (change.kind === 'run' && change.runId === topic.runId) queue.push('run', refresh);
    },
    dispose: () => queue.stop(),
  };
}

/** The runners list, whole, each time a runner changes. */
export function followRunners({ hub, sub, queue, send }: TopicContext) {
  const refresh = async () => send({ type: 'runners', sub, runners: await hub.runners() });
  queue.push('runners', refresh);
  return {
    onChange(change: HubChange) {
      if (change.kind === 'runners') queue.push('runners', refresh);
    },
    dispose: () => queue.stop(),
  };
}

/**
 * A node's log from `from`: every pump reads the store from the cursor to its end, so the stored part and the
 * live appends join without a gap or a repeat. A pump is queued on subscribe, on every append to this node's
 * log and on every change of its run (the node may have finished); a pump already waiting is not repeated.
 */
export function followLog({ hub, sub, queue, send }: TopicContext, topic: Extract<Topic, { topic: 'log' }>) {
  let next = topic.from;
  let ended = false;
  const pump = () => {
    if (ended) return;
    queue.push('pump', async () => {
      // A pump queued while the one that found the end was running has nothing left to send.
      if (ended) return;
      for (;;) {
        const slice = await hub.readLog(topic.runId, topic.node, next);
        if (slice.text !== '')
          send({ type: 'log', sub, runId: topic.runId, node: topic.node, offset: next, text: slice.text });
        const moved = slice.next > next;
        next = Math.max(next, slice.next);
        if (moved) continue;
        if (slice.complete) {
          ended = true;
          send({ type: 'log-end', sub, runId: topic.runId, node: topic.node, offset: next });
        }
        return;
      }
    });
  };
  pump();
  return {
    onChange(change: HubChange) {
      if (change.kind === 'log' && change.runId === topic.runId && change.node === topic.node) pump();
      if (change.kind === 'run' && change.runId === topic.runId) pump();
    },
    dispose: () => queue.stop(),
  };
}
