// One check run per run of a GitHub repository (DESIGN §6): queued while pending, in_progress while active,
// completed with its conclusion and output when archived. It follows the hub's event bus; the check run's id is
// kept in the store (`store.github`, store/github-state.ts), so a restarted hub updates the same check run.
// Updates of one run are made one at a time and always from the run as stored now, so a burst of events ends in
// one request for the latest state, and a run that is made and archived at once still gets created first.
import type { RunDetail } from '@floe/shared';
import type { Logger } from 'pino';
import type { Hub } from '../hub.js';
import type { CheckRunState } from '../store/github-state.js';
import { checkRunOutput, conclusionOf, FAILED_STATES, logTail } from './check-run-output.js';
import type { GithubRepoSource } from './github-repo-source.js';

type CheckStatus = CheckRunState['status'];

export type CheckRunReporterOptions = {
  hub: Hub;
  /** The GitHub repository a run belongs to, or undefined (a `--repo` repository gets no check runs). */
  sourceOf: (repo: string) => GithubRepoSource | undefined;
  /** The base of dashboard links (DESIGN §8 "Links and health"). */
  publicUrl: () => string;
  log: Logger;
};

const LOG_TAIL_READ_BYTES = 16_384;

export class CheckRunReporter {
  private readonly busy = new Map<string, { again: boolean; done: Promise<void> }>();
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: CheckRunReporterOptions) {}

  start(): void {
    this.unsubscribe = this.options.hub.events.on((event) => {
      if (event.type === 'run-changed' && event.run.sha !== undefined && this.options.sourceOf(event.run.repo)) {
        this.sync(event.run.id);
      }
    });
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /** Brings the run's check run up to date (coalescing bursts); resolves when it is. */
  sync(runId: string): Promise<void> {
    const current = this.busy.get(runId);
    if (current) {
      current.again = true;
      return current.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      do {
        entry.again = false;
        try {
          await this.update(runId);
        } catch (err) {
          this.options.log.warn({ err, runId }, 'check run update failed');
        }
      } while (entry.again);
      this.busy.delete(runId);
    })();
    this.busy.set(runId, entry);
    return entry.done;
  }

  /** Resolves when no update is in flight (tests). */
  async idle(): Promise<void> {
    while (this.busy.size > 0) await Promise.all([...this.busy.values()].map((entry) => entry.done));
  }

  private async update(runId: string): Promise<void> {
    const { hub } = this.options;
    const run = await hub.run(runId);
    const source = this.options.sourceOf(run.repo);
    if (!source || run.sha === undefined) return;
    const stored = await hub.store.github.getCheckRun(runId);
    const state = stored?.value;
    const status: CheckStatus =
      run.state === 'pending' ? 'queued' : run.state === 'active' ? 'in_progress' : 'completed';
    if (state && (state.status === status || state.status === 'completed')) return;

    const link = `${this.options.publicUrl().replace(/\/$/, '')}/runs/${run.id}`;
    const completed = status === 'completed';
    const output = checkRunOutput(
      run,
      completed ? await this.tails(run) : new Map(),
      link,
      completed ? await hub.artifacts.list(run.id) : [],
    );
    const fields = {
      status,
      details_url: link,
      external_id: run.id,
      output,
      ...(run.startedAt !== undefined ? { started_at: new Date(run.startedAt).toISOString() } : {}),
      ...(status === 'completed'
        ? {
            conclusion: conclusionOf(run),
            completed_at: new Date(run.endedAt ?? Date.now()).toISOString(),
          }
        : {}),
    };
    const octokit = await source.octokit();
    const at = { owner: source.owner, repo: source.repo };
    let id = state?.id;
    if (id === undefined) {
      const { data } = await octokit.rest.checks.create({ ...at, name: run.flowId, head_sha: run.sha, ...fields });
      id = data.id;
    } else {
      await octokit.rest.checks.update({ ...at, check_run_id: id, ...fields });
    }
    if (!(await hub.store.github.putCheckRun(runId, { id, status }, stored?.version))) {
      this.options.log.warn({ runId }, 'check run state changed meanwhile (another hub?)');
    }
    this.options.log.debug({ runId, checkRunId: id, status }, 'check run updated');
  }

  /** The tail of each failing node's log, read from the end of the stored log. */
  private async tails(run: RunDetail): Promise<Map<string, string>> {
    const tails = new Map<string, string>();
    for (const node of run.nodes) {
      if (!FAILED_STATES.has(node.state)) continue;
      const { next: end } = await this.options.hub.store.readLog(run.id, node.id, Number.MAX_SAFE_INTEGER, 0);
      const from = Math.max(0, end - LOG_TAIL_READ_BYTES);
      const read = await this.options.hub.store.readLog(run.id, node.id, from, LOG_TAIL_READ_BYTES);
      let text = read.chunks.map((chunk) => chunk.text).join('');
      // Started inside the log: the first line is partial.
      if (from > 0) text = text.slice(text.indexOf('\n') + 1);
      tails.set(node.id, logTail(text));
    }
    return tails;
  }
}
