import type { Form, FormValues, ResolvedFlow, Trust } from '@floe/shared';
import { FloeError } from '../errors.js';
import type { RepoSource } from '../repos/repo-source.js';
import { newRunId } from '../store/new-run-id.js';
import type { RunRow } from '../store/store.js';
import { checkFormValues } from './check-form-values.js';
import type { HubDeps } from './hub-deps.js';
import { publishRun } from './publish-run.js';

export type CreateRunInput = {
  flowId: string;
  /** Left out: the one repository that has this flow id (DESIGN §8 "Starting runs"). */
  repo?: string;
  /** Branch, tag or full ref; default the repository's default branch. */
  ref?: string;
  /** The commit, when the trigger knows it (poll-git, push); `ref` is then only recorded. */
  sha?: string;
  /** What started it: `manual`, `timer`, `poll-git`, …; `id` is the flow trigger that fired. */
  trigger: { type: string; id?: string; by?: string; headCloneUrl?: string };
  /**
   * `untrusted` when the caller knows the code is not the base repository's (a fork's pull request). Otherwise the
   * trust is worked out here from what names the code (see trustOf); a caller can never make a run trusted.
   */
  trust?: Trust;
  /** The branch a pull request targets: an untrusted run takes its host and resource tags from the flow there. */
  baseRef?: string;
  /**
   * What git-checkout fetches when it is not the flow's own repository at the flow's commit (a poll-git trigger
   * watching another repository): the flow is then read at the default branch's head.
   */
  target?: { cloneUrl: string; ref: string; sha: string };
  /** Start-form values, checked against the flow's `data` trigger form. */
  data?: FormValues;
};

/**
 * Pends a run (DESIGN §4): resolves the flow at the triggering commit (FLOE.yaml read at that sha, never the
 * current one), refuses a flow with errors with its diagnostics, checks the start-form data, allocates the run's
 * number, then wakes the dispatcher. Throws a FloeError a person can act on when the run cannot be made.
 */
export async function createRun(deps: HubDeps, input: CreateRunInput): Promise<RunRow> {
  const source = await findSource(deps, input.flowId, input.repo);
  let sha = input.sha;
  let ref = input.ref;
  if (sha === undefined) {
    const resolved = ref === undefined ? await source.head() : await source.resolveRef(ref);
    if (!resolved) {
      throw new FloeError(
        'FLOE_BAD_REQUEST',
        ref === undefined
          ? `repository ${source.name} has no commits yet`
          : `repository ${source.name} has no branch, tag or commit ${ref}`,
      );
    }
    sha = resolved.sha;
    ref = resolved.ref ?? ref;
  }
  const read = await deps.readFlows(source, sha, input.flowId);
  const found = read.flows.find((flow) => flow.id === input.flowId);
  const at = `${source.name} at ${sha.slice(0, 7)}${ref ? ` (${ref})` : ''}`;
  if (!found && read.fileErrors.length > 0) {
    // A file no flow could be read from (too large, not YAML): its reason, not "no such flow".
    throw new FloeError(
      'FLOE_FLOW_INVALID',
      `FLOE.yaml of ${at} has errors and no flow of it can run:\n${read.fileErrors.join('\n')}`,
    );
  }
  if (!found) {
    throw new FloeError(
      'FLOE_FLOW_NOT_FOUND',
      read.found ? `flow ${input.flowId} is not in FLOE.yaml of ${at}` : `${at} has no FLOE.yaml`,
    );
  }
  if (!found.flow) {
    throw new FloeError(
      'FLOE_FLOW_INVALID',
      `flow ${input.flowId} of ${at} has errors and cannot run:\n${found.errors.join('\n')}`,
    );
  }
  const data = checkStartData(found.flow, input);
  const { target } = input;
  const trust = await trustOf(source, input, target?.ref ?? ref, sha);
  const flow = trust === 'untrusted' ? await untrustedFlow(deps, source, found.flow, input.baseRef) : found.flow;
  // The hub knows the secret names, the editor does not: an unknown one is a warning on the run (DESIGN §8).
  const unknown = trust === 'untrusted' ? [] : await deps.secrets.unknownNames(flow, source.name);
  const warnings = unknown.map(
    (name) => `{{secret.${name}}} names no secret of the hub or ${source.name}; it is empty`,
  );
  const run = await deps.store.createRun({
    id: newRunId(deps.now()),
    repo: source.name,
    flowId: flow.id,
    trigger: { ...input.trigger, data, ...(warnings.length > 0 ? { warnings } : {}) },
    trust,
    flow,
    ...(target ? { ref: target.ref, sha: target.sha, cloneUrl: target.cloneUrl } : {}),
    ...(!target && ref !== undefined ? { ref } : {}),
    ...(!target ? { sha, cloneUrl: source.cloneUrl } : {}),
    createdAt: deps.now(),
  });
  deps.log.info(
    { runId: run.id, flowId: run.flowId, number: run.number, trigger: run.trigger.type, trust },
    'run pended',
  );
  await publishRun(deps, run);
  deps.wake();
  return run;
}

/**
 * How far the code of a new run is trusted (docs/security.md): `untrusted` when the caller says so (a fork's pull
 * request), when it is named by a ref under `refs/pull/` (pull requests' code, from forks too, however the run was
 * started), or when it is named some other way than by a branch or tag (a bare commit, `refs/remotes/…`) and none
 * of the repository's branches and tags holds it: a fork's commit can be reached through the base repository.
 */
async function trustOf(
  source: RepoSource,
  input: CreateRunInput,
  ref: string | undefined,
  sha: string,
): Promise<Trust> {
  if (input.trust === 'untrusted' || ref?.startsWith('refs/pull/')) return 'untrusted';
  // A poll-git trigger's other repository: the flow (read at the default branch) chose to watch it.
  if (input.target || ref?.startsWith('refs/heads/') || ref?.startsWith('refs/tags/')) return 'trusted';
  return (await source.holdsCommit?.(sha)) ? 'trusted' : 'untrusted';
}

/**
 * What an untrusted run executes: its own tasks, but the host and resource tags of the flow of the same id on the
 * base branch (none when the base has no such flow) — a fork cannot send itself to the `deploy` runners or hold
 * their resources — and never a reused workspace.
 */
async function untrustedFlow(
  deps: HubDeps,
  source: RepoSource,
  flow: ResolvedFlow,
  baseRef: string | undefined,
): Promise<ResolvedFlow> {
  const base = baseRef === undefined ? await source.head() : await source.resolveRef(baseRef);
  const baseFlow = base
    ? (await deps.readFlows(source, base.sha)).flows.find((f) => f.id === flow.id)?.flow
    : undefined;
  return {
    ...flow,
    'host-tags': baseFlow?.['host-tags'] ?? [],
    'resource-tags': baseFlow?.['resource-tags'] ?? [],
    'reuse-space': false,
  };
}

/** The flow's start form: its `data` trigger's (the one that fired, else the first). */
export function startForm(flow: ResolvedFlow, triggerId?: string): Form | undefined {
  const forms = flow.triggers.filter((trigger) => trigger.type === 'data');
  const trigger = forms.find((t) => t.id === triggerId) ?? forms[0];
  return trigger?.type === 'data' ? (trigger.opts.form ?? { fields: [] }) : undefined;
}

function checkStartData(flow: ResolvedFlow, input: CreateRunInput): Record<string, string> {
  const values = input.data ?? {};
  const form = startForm(flow, input.trigger.id);
  // Runs started by a timer or a polled ref carry no form; only people (and the API) fill one in.
  if (!form && Object.keys(values).length === 0) return {};
  if (!form) {
    throw new FloeError(
      'FLOE_DATA_INVALID',
      `flow ${flow.id} has no data trigger, so it takes no start data (got ${Object.keys(values).join(', ')})`,
    );
  }
  if (input.trigger.type !== 'manual' && input.trigger.type !== 'data' && input.data === undefined) {
    // Nobody fills the form of a run a timer or a polled ref starts: tasks get the fields' defaults.
    const defaults = checkFormValues(
      { ...form, fields: form.fields.map((field) => ({ ...field, required: false })) },
      {},
    );
    return defaults.ok ? defaults.values : {};
  }
  const checked = checkFormValues(form, values);
  if (!checked.ok)
    throw new FloeError('FLOE_DATA_INVALID', `start data of flow ${flow.id}: ${checked.problems.join('; ')}`);
  return checked.values;
}

async function findSource(deps: HubDeps, flowId: string, repo: string | undefined): Promise<RepoSource> {
  if (repo !== undefined) {
    const source = deps.sources.get(repo);
    if (!source) {
      const names = deps.sources.list().map((s) => s.name);
      throw new FloeError(
        'FLOE_FLOW_NOT_FOUND',
        `this hub has no repository ${repo}${names.length ? ` (it has ${names.join(', ')})` : ''}`,
      );
    }
    return source;
  }
  const repos = await deps.store.listFlowRepos(flowId);
  if (repos.length > 1) {
    throw new FloeError('FLOE_FLOW_AMBIGUOUS', `flow ${flowId} is in ${repos.join(', ')}; say which with "repo"`);
  }
  const source =
    repos[0] !== undefined
      ? deps.sources.get(repos[0])
      : deps.sources.list().length === 1
        ? deps.sources.list()[0]
        : undefined;
  if (!source) throw new FloeError('FLOE_FLOW_NOT_FOUND', `no repository of this hub has a flow ${flowId}`);
  return source;
}
