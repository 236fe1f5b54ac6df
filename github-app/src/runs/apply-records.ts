// The core of HubCore.records (DESIGN §5): a runner's records, numbered per run from 1 without gaps, applied to
// the hub's own copy of the run with the same pure engine the runner drives, so both agree on every node. Seqs
// already stored are skipped (the runner resends after a reconnect); a gap stops the batch (the rest comes
// again). State, logs and lastSeq are written together, so an ack always means "stored".
import {
  type Effect,
  type EngineStep,
  type NodeRun,
  type RunRecord,
  type RunState,
  startRun,
  stepRun,
} from '@floe/shared';
import type { RecordsOutcome } from '../gateway/hub-core.js';
import { publishRunner } from '../runners/runner-views.js';
import type { LogAppend, LogChunkRow, ReportRow, RunEnding, RunRow } from '../store/store.js';
import type { HubDeps } from './hub-deps.js';
import { nodeView } from './node-views.js';
import { publishRun } from './publish-run.js';

export async function applyRecords(
  deps: HubDeps,
  runnerId: string,
  runId: string,
  epoch: number,
  records: RunRecord[],
): Promise<RecordsOutcome> {
  return deps.withRun(runId, async () => {
    let run = await deps.store.getRun(runId);
    if (!run) return { stale: true, reason: `the hub has no run ${runId}` };
    if (run.runnerId !== runnerId || run.epoch !== epoch) {
      return { stale: true, reason: `run ${runId} is no longer assigned to this runner at epoch ${epoch}` };
    }
    if (run.state === 'archived') return trailing(deps, run, records);
    if (run.state === 'pending') {
      // Records before the accept reached us: the runner has accepted (it only runs what it accepted).
      const accepted = await deps.store.acceptRun(runId, runnerId, epoch, deps.now() + deps.timing.leaseMs, deps.now());
      if (!accepted) return { stale: true, reason: `run ${runId} is no longer offered to this runner` };
      run = accepted;
      deps.deadlines.arm(run);
    }
    const previous = run.replayFrom !== undefined && run.retryOf ? await deps.store.getRun(run.retryOf) : undefined;
    const applied = applyToEngine(run, records, previous?.engine);
    if (applied.lastSeq === run.lastSeq) return { ackedSeq: run.lastSeq };
    for (const ignored of applied.effects.filter((e) => e.type === 'ignored')) {
      deps.log.debug({ runId, reason: ignored.reason }, 'engine input ignored');
    }
    const engine = applied.engine ?? run.engine;
    if (!engine) return { ackedSeq: run.lastSeq };
    const ended = applied.effects.find((effect) => effect.type === 'ended');
    const ending: RunEnding | undefined =
      ended?.type === 'ended'
        ? {
            result: ended.result,
            reason: ended.reason,
            reasonCode: ended.reasonCode,
            endedAt: engine.ended?.at ?? deps.now(),
          }
        : undefined;
    const saved = await deps.store.saveProgress(runId, {
      epoch,
      expectedLastSeq: run.lastSeq,
      lastSeq: applied.lastSeq,
      engine,
      logs: applied.logs,
      reports: applied.reports,
      ...(ending ? { ended: ending } : {}),
    });
    if (!saved.ok) {
      if (saved.reason === 'conflict') return { ackedSeq: saved.run?.lastSeq ?? run.lastSeq };
      return { stale: true, reason: `run ${runId} is no longer assigned to this runner at epoch ${epoch}` };
    }
    emitLogs(deps, runId, saved.logs);
    announce(deps, run, saved.run, applied.effects);
    // The summary changes at the start, when the run begins to end (stopping) and at its end; a task's reports
    // change the run's detail, which live run pages re-read on this event (annotations show while a task runs).
    const changed = run.engine === undefined || ending || (engine.ending && !run.engine.ending);
    if (changed || applied.reports.length > 0) await publishRun(deps, saved.run);
    if (ending) {
      deps.log.info({ runId, result: ending.result, reasonCode: ending.reasonCode }, 'run ended');
      deps.deadlines.clear(runId);
      publishRunner(deps, runnerId);
      // A freed slot, released resource tags, a free reuse-space workspace (DESIGN §4).
      deps.wake();
    } else if (run.engine === undefined) {
      // The start record gives the engine's exact deadline.
      deps.deadlines.arm(saved.run);
    }
    return { ackedSeq: saved.run.lastSeq };
  });
}

/**
 * Records after the end of a run its own engine ended (or the hub timed out): the output of tasks being killed
 * and their late finishes. Logs are kept and acknowledged, so the runner can drop its spool; inputs change
 * nothing (the engine ignores input once a run has ended). A lost run is not its runner's any more: stale.
 */
async function trailing(deps: HubDeps, run: RunRow, records: RunRecord[]): Promise<RecordsOutcome> {
  if (!run.engine?.ended || run.reasonCode === 'lost') {
    return { stale: true, reason: `run ${run.id} has ended: ${run.reason ?? ''}` };
  }
  const applied = applyToEngine(run, records, undefined);
  if (applied.lastSeq === run.lastSeq) return { ackedSeq: run.lastSeq };
  const saved = await deps.store.saveTrailingRecords(run.id, {
    epoch: run.epoch,
    expectedLastSeq: run.lastSeq,
    lastSeq: applied.lastSeq,
    logs: applied.logs,
    reports: applied.reports,
  });
  if (!saved.ok) return { stale: true, reason: `run ${run.id} has ended: ${run.reason ?? ''}` };
  emitLogs(deps, run.id, saved.logs);
  return { ackedSeq: saved.run.lastSeq };
}

function emitLogs(deps: HubDeps, runId: string, logs: LogChunkRow[]): void {
  let bytes = 0;
  for (const chunk of logs) {
    bytes += Buffer.byteLength(chunk.text);
    deps.events.emit({
      type: 'log',
      runId,
      node: chunk.node,
      offset: chunk.offset,
      text: chunk.text,
      stream: chunk.stream,
    });
  }
  if (bytes > 0) deps.metrics.logBytesWritten.inc(bytes);
}

type Applied = {
  engine: RunState | undefined;
  lastSeq: number;
  logs: LogAppend[];
  reports: ReportRow[];
  effects: Effect[];
};

/** Applies the records after `run.lastSeq`, in seq order, up to the first gap. Pure. */
function applyToEngine(run: RunRow, records: RunRecord[], previous: RunState | undefined): Applied {
  const out: Applied = { engine: run.engine, lastSeq: run.lastSeq, logs: [], reports: [], effects: [] };
  for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
    if (record.seq <= out.lastSeq) continue;
    if (record.seq !== out.lastSeq + 1) break;
    let step: EngineStep | undefined;
    if (record.kind === 'start') {
      // The same call the runner made (runner/src/execution/drive-run.ts), so both copies agree.
      step = startRun(run.flow, {
        at: record.at,
        data: run.trigger.data,
        ...(record.parallel === undefined ? {} : { parallel: record.parallel }),
        ...(run.replayFrom !== undefined && previous ? { replay: { from: run.replayFrom, previous } } : {}),
      });
    } else if (record.kind === 'input') {
      if (!out.engine) break;
      step = stepRun(run.flow, out.engine, record.input);
    } else if (record.kind === 'report') {
      out.reports.push({ seq: record.seq, node: record.node, attempt: record.attempt, report: record.report });
    } else {
      out.logs.push({
        node: record.node,
        attempt: record.attempt,
        stream: record.chunk.stream,
        at: record.chunk.at,
        text: record.chunk.text,
      });
    }
    if (step) {
      out.engine = step.state;
      out.effects.push(...step.effects);
    }
    out.lastSeq = record.seq;
  }
  return out;
}

/** Emits node changes and engine events of one batch. */
function announce(deps: HubDeps, before: RunRow, after: RunRow, effects: Effect[]): void {
  const old = before.engine?.nodes ?? {};
  const now = after.engine?.nodes ?? {};
  for (const node of after.flow.tasks) {
    if (!sameNode(old[node.id], now[node.id])) {
      deps.events.emit({ type: 'node-changed', runId: after.id, node: nodeView(node, after.engine) });
    }
  }
  for (const effect of effects) {
    if (effect.type !== 'event') continue;
    const { type: _type, ...event } = effect;
    deps.events.emit({ type: 'run-event', runId: after.id, event });
  }
}

function sameNode(a: NodeRun | undefined, b: NodeRun | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
