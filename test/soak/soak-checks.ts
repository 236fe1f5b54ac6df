// The soak's invariants, checked on every run the database holds once the fleet has settled. Each check adds to
// its count and, when it breaks, a violation naming the run and what broke; the soak prints the counts and fails
// on any violation with the seed.
import { FLOW_RULES, type SoakFlow } from './soak-flows.js';

export type CheckedRun = {
  id: string;
  flowId: string;
  state: string;
  result?: string;
  reason?: string;
  reasonCode?: string;
  /** Its nodes as the API shows them (a run that did not end says where it stands). */
  nodes?: { id: string; state: string }[];
  /** The stored log of node `count`. */
  log: string;
  /** Mark files its `count` task left: one per execution. */
  executions: number;
  /** The word the soak answered an `ask` run's form with, when it did. */
  word?: string;
  /** What the hub last answered to the soak's steering of the run (a form answer, a cancel), for a failure's message. */
  steered?: string;
};

export type Invariant = 'ended once' | 'right ending' | 'log exact' | 'no double execution';

export type CheckReport = {
  counts: Record<Invariant, number>;
  violations: string[];
};

/** How many hub log lines say that each run ended (a run archived by its engine or by the hub). */
export function endingsInHubLogs(lines: string[]): Map<string, number> {
  const endings = new Map<string, number>();
  for (const line of lines) {
    if (!line.includes('"msg":"run ended')) continue;
    let parsed: { msg?: string; runId?: string };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      continue;
    }
    if ((parsed.msg === 'run ended' || parsed.msg === 'run ended by the hub') && parsed.runId) {
      endings.set(parsed.runId, (endings.get(parsed.runId) ?? 0) + 1);
    }
  }
  return endings;
}

export function checkRuns(runs: CheckedRun[], endings: Map<string, number>): CheckReport {
  const counts: Record<Invariant, number> = {
    'ended once': 0,
    'right ending': 0,
    'log exact': 0,
    'no double execution': 0,
  };
  const violations: string[] = [];
  const broke = (run: CheckedRun, what: string) => violations.push(`run ${run.id} (${run.flowId}): ${what}`);

  for (const run of runs) {
    const rules = FLOW_RULES[run.flowId as SoakFlow];
    if (!rules) {
      broke(run, 'a run of a flow the soak does not start');
      continue;
    }
    // Ended exactly once: archived, and no more than one ending in the hubs' logs (a hub SIGKILLed between storing
    // the end and logging it may log none; the store's compare-and-set allows one archive).
    const ended = endings.get(run.id) ?? 0;
    if (run.state !== 'archived')
      broke(
        run,
        `not ended: ${run.state}; nodes ${(run.nodes ?? []).map((node) => `${node.id} ${node.state}`).join(', ')}; the hub last answered the soak: ${run.steered ?? 'nothing'}`,
      );
    else if (ended > 1) broke(run, `ended ${ended} times in the hubs' logs`);
    else counts['ended once'] += 1;

    const ending = `${run.result}/${run.reasonCode}`;
    const lost = run.result === 'bad' && run.reasonCode === 'lost';
    if (lost && !/runner \S+ lost/.test(run.reason ?? ''))
      broke(run, `lost without saying which runner: ${run.reason}`);
    else if (!lost && !rules.ends.includes(ending))
      broke(
        run,
        `ended ${ending} (${run.reason}); expected ${rules.ends.join(' or ')} or lost; ${run.executions} executions; its log ends:\n${run.log.slice(-1500)}`,
      );
    else counts['right ending'] += 1;

    // Every line printed is stored once and in order: L1, L2, … with no gap and no repeat; all of them in a good
    // run (its last attempt: a retried one failed before printing).
    const numbers = [...run.log.matchAll(/^L(\d+)$/gm)].map((match) => Number(match[1]));
    const inOrder = numbers.every((n, i) => n === i + 1);
    const good = run.result === 'good';
    if (!inOrder) broke(run, `log lines out of order or repeated: ${numbers.slice(0, 60).join(',')}`);
    else if (good && rules.lines !== undefined && numbers.length !== rules.lines) {
      broke(run, `good with ${numbers.length} of ${rules.lines} log lines`);
    } else if (good && run.word !== undefined && !run.log.includes(`V=${run.word}\n`)) {
      broke(run, `good without the form's answer ${run.word} in its log`);
    } else counts['log exact'] += 1;

    // No task executed twice unless its retry allows it; a good run executed it exactly as often as it needs.
    if (run.executions > rules.executions) {
      broke(run, `count executed ${run.executions} times (at most ${rules.executions})`);
    } else if (good && run.executions !== rules.executions) {
      broke(run, `good after ${run.executions} executions of count (expected ${rules.executions})`);
    } else counts['no double execution'] += 1;
  }
  return { counts, violations };
}
