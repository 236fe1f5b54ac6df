// The GitHub App (DESIGN §6; CONTRIBUTING.md "The GitHub layer stays thin"): a Probot function whose `app.on` lines
// turn webhooks into calls on the hub's run verbs. It reaches GitHub only through the context's (or the installation's)
// Octokit.
// - Every delivery is handled once: its id is claimed in the store first (GitHub redelivers; DESIGN §6).
// - push / pull_request read FLOE.yaml at the exact commit; an invalid one gets a failing "FLOE.yaml" check run,
//   and the flows without errors still run (DESIGN §8 "Lint severities": an error blocks only its own flow).
// - A pull request from a fork runs nothing until a writer comments `/floe run`; the run then takes the code at
//   the pinned head commit from the base repository (refs/pull/N/head) and is untrusted (docs/security.md): no
//   secrets, a fresh workspace, the base branch's tags. Every pull request run is (its ref is under refs/pull/).
// - Every call to GitHub goes through the repository's own Octokit, whose tokens name that one repository
//   (installation-tokens.ts), never the installation-wide token Probot's context would mint.
import { type Me, parseFloeFile, type ResolvedFlow } from '@floe/shared';
import type { Logger } from 'pino';
import type { ApplicationFunction, Context, Probot } from 'probot';
import { FloeError } from '../errors.js';
import type { Hub } from '../hub.js';
import { FLOE_FILE } from '../repos/read-flows-at.js';
import type { RunRow } from '../store/store.js';
import type { GithubRepoSource } from './github-repo-source.js';
import { GithubRepos, type RepositoryPayload } from './github-repos.js';
import { type FlowMatch, matchComment, matchPullRequest, matchPush } from './match-github-triggers.js';
import { FLOE_HELP, type FloeCommand, parseFloeCommand } from './parse-floe-command.js';
import { reportFloeYaml } from './report-floe-yaml.js';

export type FloeAppOptions = {
  hub: Hub;
  /** Filled by the app function with the repositories webhooks name (the check-run reporter reads it). */
  onRepos?: (repos: GithubRepos) => void;
  /** The base of dashboard links (DESIGN §8 "Links and health"). */
  publicUrl: () => string;
};

/** Permissions that may use `/floe` commands (DESIGN §6: write access). */
const WRITERS = new Set(['admin', 'maintain', 'write']);
/** A push payload lists this many commits at most. */
const MAX_LISTED_COMMITS = 20;
/** `[skip ci]` or `[floe skip]` in the head commit's message skips push runs. */
const SKIP = /\[(skip ci|ci skip|floe skip)\]/i;

export function floeApp(options: FloeAppOptions): ApplicationFunction {
  return (app: Probot) => {
    const { hub } = options;
    const repos = new GithubRepos(hub, app);
    options.onRepos?.(repos);
    const link = (runId: string) => `${options.publicUrl().replace(/\/$/, '')}/runs/${runId}`;

    /** True the first time a delivery id is seen (a compare-and-set in the store, so across hubs too). */
    const firstDelivery = async (context: Context) => {
      const first = await hub.store.github.firstDelivery(context.id, Date.now());
      if (!first) context.log.info({ deliveryId: context.id }, 'delivery seen before; ignored');
      return first;
    };
    const sourceOf = (context: Context, repository: RepositoryPayload) => {
      const installation = (context.payload as { installation?: { id: number } }).installation;
      if (!installation) throw new Error('the webhook has no installation');
      return repos.ensure(repository, installation.id);
    };

    app.on(['installation.created', 'installation_repositories.added'], async (context) => {
      if (!(await firstDelivery(context))) return;
      const payload = context.payload as {
        installation: { id: number };
        repositories?: { full_name: string }[];
        repositories_added?: { full_name: string }[];
      };
      for (const listed of payload.repositories ?? payload.repositories_added ?? []) {
        const [owner = '', repo = ''] = listed.full_name.split('/');
        const octokit = await repos.tokens.octokitFor(payload.installation.id, listed.full_name);
        const { data } = await octokit.rest.repos.get({ owner, repo });
        await repos.ensure(data, payload.installation.id);
        await hub.refreshRepos(data.full_name);
      }
    });

    app.on('push', async (context) => {
      if (!(await firstDelivery(context))) return;
      const { payload } = context;
      if (payload.deleted) return;
      const source = await sourceOf(context, payload.repository as RepositoryPayload);
      const log = context.log.child({ repo: source.name, sha: payload.after });
      // DESIGN §6: flows are refreshed from the default branch on every push to it.
      if (payload.ref === `refs/heads/${payload.repository.default_branch}`) await hub.refreshRepos(source.name);
      if (SKIP.test(payload.head_commit?.message ?? '')) {
        log.info('push skipped by its commit message');
        return;
      }
      const flows = await flowsAt(source, payload.after, log);
      // GitHub lists at most 20 commits, and none for a new tag: then the changed files are not known, and
      // `paths` filters let the push through rather than guess.
      const listed = payload.commits.length > 0 && payload.commits.length < MAX_LISTED_COMMITS;
      const changedFiles = listed
        ? payload.commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])])
        : undefined;
      const matches = matchPush(flows, { ref: payload.ref, ...(changedFiles ? { changedFiles } : {}) });
      await startRuns(source, matches, {
        ref: payload.ref,
        sha: payload.after,
        trigger: 'push',
        by: payload.pusher.name ?? payload.sender?.login ?? 'github',
        log,
      });
    });

    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], async (context) => {
      if (!(await firstDelivery(context))) return;
      const { payload } = context;
      const pr = payload.pull_request;
      const source = await sourceOf(context, payload.repository as RepositoryPayload);
      const log = context.log.child({ repo: source.name, pr: pr.number, sha: pr.head.sha });
      if (pr.head.repo?.full_name !== payload.repository.full_name) {
        log.info('pull request from a fork: waiting for /floe run from someone with write access');
        return;
      }
      const flows = await flowsAt(source, pr.head.sha, log);
      const matches = matchPullRequest(flows, { action: payload.action, baseBranch: pr.base.ref });
      await startRuns(source, matches, {
        ref: `refs/pull/${pr.number}/head`,
        sha: pr.head.sha,
        trigger: 'pull-request',
        by: payload.sender.login,
        baseRef: pr.base.ref,
        log,
      });
    });

    app.on('issue_comment.created', async (context) => {
      const { payload } = context;
      // Only pull request comments by people, and only `/floe …` ones.
      if (!payload.issue.pull_request || payload.comment.user?.type === 'Bot') return;
      const command = parseFloeCommand(payload.comment.body);
      if (!command) return;
      if (!(await firstDelivery(context))) return;
      const source = await sourceOf(context, payload.repository as RepositoryPayload);
      const octokit = await source.octokit();
      const login = payload.comment.user?.login ?? 'unknown';
      const log = context.log.child({ repo: source.name, pr: payload.issue.number, by: login });
      const reply = (body: string) => octokit.rest.issues.createComment(context.issue({ body }));
      if (command.kind === 'help') {
        await reply(`${command.problem ? `${command.problem}.\n\n` : ''}${FLOE_HELP}`);
        return;
      }
      const permission = await permissionOf(octokit, context, login);
      if (!WRITERS.has(permission)) {
        log.info({ permission }, 'floe command refused');
        await reply(
          `@${login} \`/floe ${command.kind}\` needs write access to this repository (you have ${permission}); nothing was started.`,
        );
        return;
      }
      const answer = await runCommand(context, source, command, login, log);
      if (answer.accepted) {
        await octokit.rest.reactions.createForIssueComment(
          context.repo({ comment_id: payload.comment.id, content: 'rocket' as const }),
        );
      }
      await reply(answer.text);
    });

    app.on('check_run.rerequested', async (context) => {
      if (!(await firstDelivery(context))) return;
      const runId = context.payload.check_run.external_id;
      const run = runId ? await hub.store.getRun(runId) : undefined;
      if (!run || run.repo !== context.payload.repository.full_name) return;
      await sourceOf(context, context.payload.repository as RepositoryPayload);
      await retry([run], who(context.payload.sender.login), context.log);
    });

    app.on('check_suite.rerequested', async (context) => {
      if (!(await firstDelivery(context))) return;
      const { repository, check_suite: suite } = context.payload;
      await sourceOf(context, repository as RepositoryPayload);
      const runs = (await hub.store.listRuns({ repo: repository.full_name, limit: 500 })).runs.filter(
        (run) => run.sha === suite.head_sha,
      );
      await retry(latestPerFlow(runs), who(context.payload.sender.login), context.log);
    });

    /** The flows at a commit that have no errors; errors get the failing "FLOE.yaml" check run. */
    async function flowsAt(source: GithubRepoSource, sha: string, log: Logger): Promise<ResolvedFlow[]> {
      const text = await source.readFile(sha, FLOE_FILE);
      if (text === undefined) return [];
      const parsed = parseFloeFile(text, FLOE_FILE);
      if (parsed.diagnostics.some((d) => d.severity === 'error')) {
        log.info({ diagnostics: parsed.diagnostics.length }, 'FLOE.yaml has errors');
        await reportFloeYaml(
          await source.octokit(),
          { owner: source.owner, repo: source.repo, sha },
          parsed.diagnostics,
        );
      }
      return parsed.flows;
    }

    async function startRuns(
      source: GithubRepoSource,
      matches: FlowMatch[],
      at: {
        ref: string;
        sha: string;
        trigger: string;
        by: string;
        data?: Record<string, string>;
        /** A fork's code is untrusted (docs/security.md), even when a writer started it. */
        fork?: { cloneUrl?: string };
        /** The branch a pull request targets (an untrusted run takes its tags from the flow there). */
        baseRef?: string;
        log: Logger;
      },
    ): Promise<{ started: RunRow[]; problems: string[] }> {
      const started: RunRow[] = [];
      const problems: string[] = [];
      for (const { flow, trigger } of matches) {
        try {
          const run = await hub.createRun({
            flowId: flow.id,
            repo: source.name,
            ref: at.ref,
            sha: at.sha,
            trigger: {
              type: at.trigger,
              id: trigger.id,
              by: at.by,
              ...(at.fork?.cloneUrl ? { headCloneUrl: at.fork.cloneUrl } : {}),
            },
            ...(at.fork ? { trust: 'untrusted' as const } : {}),
            ...(at.baseRef !== undefined ? { baseRef: at.baseRef } : {}),
            ...(at.data && Object.keys(at.data).length > 0 ? { data: at.data } : {}),
          });
          started.push(run);
          if (flow['cancel-superseded']) await cancelSuperseded(run, at.log);
        } catch (err) {
          if (!(err instanceof FloeError)) throw err;
          at.log.warn({ err, flowId: flow.id }, 'could not start a run');
          problems.push(err.message);
        }
      }
      return { started, problems };
    }

    /** `cancel-superseded: true`: older pending or active runs of the flow on the same branch or PR end. */
    async function cancelSuperseded(run: RunRow, log: Logger) {
      const older = (await hub.store.listLiveRuns()).filter(
        (r) => r.repo === run.repo && r.flowId === run.flowId && r.ref === run.ref && r.id < run.id,
      );
      for (const old of older) {
        try {
          await hub.cancelRun(old.id, { name: `superseded by run #${run.number}`, role: 'operator' });
          log.info({ runId: old.id, by: run.id }, 'superseded run cancelled');
        } catch (err) {
          log.warn({ err, runId: old.id }, 'could not cancel a superseded run');
        }
      }
    }

    async function runCommand(
      context: Context<'issue_comment.created'>,
      source: GithubRepoSource,
      command: Exclude<FloeCommand, { kind: 'help' }>,
      login: string,
      log: Logger,
    ): Promise<{ accepted: boolean; text: string }> {
      const number = context.payload.issue.number;
      const ref = `refs/pull/${number}/head`;
      if (command.kind === 'run') {
        // Pinned to the head commit now (DESIGN §6); from a fork, it is in the base repository under refs/pull/N/head.
        const octokit = await source.octokit();
        const { data: pr } = await octokit.rest.pulls.get(context.repo({ pull_number: number }));
        const flows = await flowsAt(source, pr.head.sha, log);
        const matches = matchComment(flows, command.flowId);
        if (!matches || matches.length === 0) {
          const runnable = flows.filter((f) =>
            f.triggers.some((t) => t.type === 'comment' || t.type === 'pull-request'),
          );
          return {
            accepted: false,
            text: `${command.flowId ? `No flow \`${command.flowId}\` can be run from a comment` : 'No flow has a `comment` trigger'} at ${pr.head.sha.slice(0, 7)}${runnable.length ? `; try ${runnable.map((f) => `\`/floe run ${f.id}\``).join(', ')}` : ''}.`,
          };
        }
        const { started, problems } = await startRuns(source, matches, {
          ref,
          sha: pr.head.sha,
          trigger: 'comment',
          by: login,
          data: command.data,
          ...(pr.head.repo?.full_name !== context.payload.repository.full_name
            ? { fork: { ...(pr.head.repo?.clone_url ? { cloneUrl: pr.head.repo.clone_url } : {}) } }
            : {}),
          baseRef: pr.base.ref,
          log,
        });
        const lines = [
          ...started.map(
            (run) => `Started [run #${run.number} of ${run.flowId}](${link(run.id)}) at ${pr.head.sha.slice(0, 7)}.`,
          ),
          ...problems.map((p) => `Could not start: ${p}`),
        ];
        return { accepted: started.length > 0, text: lines.join('\n') };
      }
      const runs = (await hub.store.listRuns({ repo: source.name, ref, limit: 500 })).runs;
      if (command.kind === 'cancel') {
        const targets = runs.filter(
          (run) => (command.number === undefined ? true : run.number === command.number) && run.state !== 'archived',
        );
        if (targets.length === 0)
          return { accepted: false, text: 'No run of this pull request is going on to cancel.' };
        for (const run of targets) await hub.cancelRun(run.id, who(login));
        return {
          accepted: true,
          text: targets.map((run) => `Cancelling [run #${run.number} of ${run.flowId}](${link(run.id)}).`).join('\n'),
        };
      }
      const chosen = latestPerFlow(
        runs.filter((run) => (command.number === undefined ? true : run.number === command.number)),
      );
      if (chosen.length === 0) return { accepted: false, text: 'This pull request has no run to retry.' };
      const retried = await retry(chosen, who(login), log);
      return {
        accepted: retried.length > 0,
        text: retried.length
          ? retried
              .map(
                ({ from, to }) =>
                  `Retrying run #${from.number} of ${from.flowId}: [run #${to.number}](${link(to.id)}).`,
              )
              .join('\n')
          : 'Could not retry; see the hub log.',
      };
    }

    async function retry(runs: RunRow[], by: Me, log: Logger) {
      const done: { from: RunRow; to: RunRow }[] = [];
      for (const run of runs) {
        try {
          const id = await hub.retryRun(run.id, undefined, by);
          const to = await hub.store.getRun(id);
          if (to) done.push({ from: run, to });
        } catch (err) {
          log.warn({ err, runId: run.id }, 'could not retry a run');
        }
      }
      return done;
    }
  };
}

function who(login: string): Me {
  return { name: `github:${login}`, role: 'operator' };
}

/** Newest first in, the newest run of each flow out. */
function latestPerFlow(runs: RunRow[]): RunRow[] {
  const seen = new Set<string>();
  return runs.filter((run) => !seen.has(run.flowId) && seen.add(run.flowId));
}

/** The user's permission on the repository, asked through the API (DESIGN §6), `none` when not a collaborator. */
async function permissionOf(
  octokit: Awaited<ReturnType<GithubRepoSource['octokit']>>,
  context: Context<'issue_comment.created'>,
  username: string,
): Promise<string> {
  try {
    const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel(context.repo({ username }));
    return data.role_name && WRITERS.has(data.role_name) ? data.role_name : data.permission;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return 'none';
    throw err;
  }
}
