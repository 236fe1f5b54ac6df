// The one definition of FLOE.yaml (DESIGN §3, §8). Everything else — the parser, the linter, the engine, the
// executors, the hub and the generated JSON Schema — imports these schemas and the types inferred from them.
//
// Objects are strict: an unknown key is an error (the parser turns zod's `unrecognized_keys` issue into a
// positioned diagnostic with a "did you mean"). Keys that only the original floe knew are declared here so that
// they parse, and the linter warns that they are ignored or mapped (DESIGN §8 "Options").

import { z } from 'zod';
import { CacheSchema } from './cache-schema.js';
import { CombinationOfSchema, MatrixSchema } from './matrix-schema.js';
import { MAX_NOTIFY_TARGETS, NotifyTargetSchema } from './notify-target.js';

/** A number of seconds, or a string such as `90`, `30s`, `10m`, `2h`, `1d`. See `durationMs`. */
export const DurationSchema = z
  .union([
    z.number().nonnegative(),
    z.string().regex(/^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)?\s*$/, 'a duration such as 90, "30s", "10m" or "2h"'),
  ])
  .describe('A number of seconds, or a string such as "30s", "10m", "2h".');
export type Duration = z.infer<typeof DurationSchema>;

/** `env`: a list of `KEY=value` strings (the original's shape) or a map. See `envEntries`. */
export const EnvSchema = z
  .union([z.array(z.string()), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))])
  .describe('Environment: a list of KEY=value strings, or a map of KEY: value.');
export type Env = z.infer<typeof EnvSchema>;

const IdSchema = z.string().describe('URL-friendly identity, unique within the flow; derived from the name if absent.');
const NameSchema = z.string().describe('Human-friendly name; derived from the id if absent.');
const GlobsSchema = z.union([z.string(), z.array(z.string())]);

// ---------------------------------------------------------------------------------------------------------------
// Forms (data triggers and data tasks)

export const FormFieldTypeSchema = z.enum(['text', 'bool', 'number', 'select']);
export type FormFieldType = z.infer<typeof FormFieldTypeSchema>;

export const FormFieldSchema = z.strictObject({
  id: z.string().describe('Field id; its value reaches tasks as FLOE_DATA_<ID>.'),
  prompt: z.string().optional().describe('Label shown to a person.'),
  type: FormFieldTypeSchema.default('text').describe('`text`, `bool`, `number` or `select` (with `options`).'),
  value: z.union([z.string(), z.number(), z.boolean()]).optional().describe('Default value.'),
  options: z.array(z.string()).optional().describe('Choices of a `select` field.'),
  required: z.boolean().default(true).describe('Whether the field must be filled in.'),
});
export type FormField = z.infer<typeof FormFieldSchema>;

export const FormSchema = z.strictObject({
  title: z.string().optional().describe('Heading of the form.'),
  fields: z.array(FormFieldSchema).default([]).describe('The fields, in order.'),
});
export type Form = z.infer<typeof FormSchema>;

const DataOptsSchema = z.strictObject({
  form: FormSchema.optional().describe('A form a person fills in; its values reach tasks as FLOE_DATA_<FIELD>.'),
});

// ---------------------------------------------------------------------------------------------------------------
// Triggers

const TriggerBase = {
  id: IdSchema.optional(),
  name: NameSchema.optional(),
  class: z.literal('trigger').optional().describe('May be left out: entries of `triggers` are triggers.'),
};

/**
 * The original floe merged a trigger's opts into its `trigger.good` event, which is how its git-checkout got a
 * repository and a branch: `url` and `branch` of the trigger that started a run reach the git-checkout tasks
 * listening to `trigger.good` that set no `url` / `ref` of their own (see `triggerCheckout`).
 */
const TriggerCheckoutOpts = {
  url: z.string().optional().describe('Repository of git-checkout tasks on trigger.good that set no `url`.'),
  branch: z
    .string()
    .optional()
    .describe('Branch of git-checkout tasks on trigger.good that set no `ref`; a form field `branch` wins.'),
};

export const DataTriggerSchema = z.strictObject({
  ...TriggerBase,
  type: z.literal('data').describe('Started by a person, with a form.'),
  opts: z
    .strictObject({
      form: FormSchema.optional().describe('A form a person fills in; its values reach tasks as FLOE_DATA_<FIELD>.'),
      ...TriggerCheckoutOpts,
    })
    .default({}),
});

export const TimerTriggerSchema = z.strictObject({
  ...TriggerBase,
  type: z.literal('timer').describe('Starts runs on a schedule: `period` or `cron`.'),
  opts: z.strictObject({
    period: DurationSchema.optional().describe('Fire every period (seconds or "10m").'),
    cron: z.string().optional().describe('Five-field cron expression, UTC unless `timezone` is set.'),
    timezone: z.string().optional().describe('IANA time zone of `cron`, e.g. Europe/London.'),
    ...TriggerCheckoutOpts,
  }),
});

export const PollGitTriggerSchema = z.strictObject({
  ...TriggerBase,
  type: z.literal('poll-git').describe('Starts a run when a matching ref of a git repository changes.'),
  opts: z.strictObject({
    url: z.string().describe('Repository URL or path given to `git ls-remote`.'),
    refs: z.string().default('refs/*').describe('ls-remote pattern.'),
    exclude: z.string().optional().describe('Regular expression of refs to ignore.'),
    period: DurationSchema.default(60).describe('How often to poll (seconds or "5m").'),
    'exclude-refs': z.string().optional().describe('Ignored by the original floe; use `exclude`.'),
  }),
});

const PushOptsSchema = z.strictObject({
  branches: GlobsSchema.optional().describe('Branch globs (`**` allowed); all branches when absent.'),
  tags: GlobsSchema.optional().describe('Tag globs; no tags when only branches are given.'),
  paths: GlobsSchema.optional().describe('Run only when a changed file matches one of these globs.'),
  url: z.string().optional().describe('Ignored (the original samples carried it).'),
});

export const PushTriggerSchema = z.strictObject({
  ...TriggerBase,
  type: z.enum(['push', 'git-push']).describe('`git-push` is the old name of `push`.'),
  opts: PushOptsSchema.default({}),
});

export const PullRequestTriggerSchema = z.strictObject({
  ...TriggerBase,
  type: z.literal('pull-request').describe('Starts a run for pull request events.'),
  opts: z
    .strictObject({
      branches: GlobsSchema.optional().describe('Base-branch globs.'),
      types: z
        .array(z.enum(['opened', 'synchronize', 'reopened']))
        .default(['opened', 'synchronize', 'reopened'])
        .describe('Pull request actions that start a run.'),
    })
    .default({ types: ['opened', 'synchronize', 'reopened'] }),
});

export const CommentTriggerSchema = z.strictObject({
  ...TriggerBase,
  type: z.literal('comment').describe('Makes the flow runnable with `/floe run <flow-id>` in a pull request.'),
  opts: z.strictObject({}).default({}),
});

export const TriggerSchema = z.discriminatedUnion('type', [
  DataTriggerSchema,
  TimerTriggerSchema,
  PollGitTriggerSchema,
  PushTriggerSchema,
  PullRequestTriggerSchema,
  CommentTriggerSchema,
]);
export type Trigger = z.infer<typeof TriggerSchema>;
export type TriggerType = Trigger['type'];

// ---------------------------------------------------------------------------------------------------------------
// Tasks and merges

const NodeBase = {
  id: IdSchema.optional(),
  name: NameSchema.optional(),
};

/**
 * An artifact's name: what the API, the CLI and `fetch` call it, and a path segment of its URL. Letters, digits,
 * `.`, `_` and `-`, starting with a letter or digit, so it can neither climb out of a folder nor carry control bytes.
 */
export const ArtifactNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits, ".", "_" and "-" (at most 100), from a letter or digit')
  .describe('The artifact name: letters, digits, ".", "_" and "-".');

export const ArtifactWhenSchema = z.enum(['good', 'bad', 'always']);
export type ArtifactWhen = z.infer<typeof ArtifactWhenSchema>;

/** One entry of a task's `artifacts:` (docs/floe-yaml.md "Artifacts"). */
export const TaskArtifactSchema = z.strictObject({
  name: ArtifactNameSchema.optional().describe("The artifact's name; default the task's id."),
  paths: z
    .array(z.string())
    .min(1)
    .describe('Files, folders and globs relative to the workspace (`**` allowed); nothing outside it is taken.'),
  when: ArtifactWhenSchema.default('good').describe('Keep it when the task ends good (default), bad, or always.'),
  'expire-in': DurationSchema.optional().describe(
    "Delete it this long after the run; never later than the run's own retention.",
  ),
  required: z.boolean().default(false).describe('A path or glob that matches nothing makes the task an error.'),
});
export type TaskArtifact = z.infer<typeof TaskArtifactSchema>;

const TaskBase = {
  ...NodeBase,
  class: z.literal('task').optional().describe('May be left out; `merge` makes a merge.'),
  listen: z.string().optional().describe('The one event tag that starts this node, e.g. task.build.good.'),
  good: z
    .array(z.number().int())
    .optional()
    .describe('Exit codes counted as good (default [0]; an empty list is the default too).'),
  'ignore-fail': z.boolean().default(false).describe('Always emit task.<id>.good, even when the task fails.'),
  'use-status': z.boolean().default(false).describe('Emit task.<id>.<exit-code> instead of good/bad.'),
  timeout: DurationSchema.optional().describe('Kill the task and count it bad after this long.'),
  retry: z.number().int().nonnegative().default(0).describe('Re-execute a bad task up to N more times.'),
  matrix: MatrixSchema.optional(),
  artifacts: z
    .array(TaskArtifactSchema)
    .optional()
    .describe('Files the task leaves behind, uploaded to the hub when it ends (docs/floe-yaml.md "Artifacts").'),
};

export const ExecOptsSchema = z.strictObject({
  cmd: z.string().optional().describe('A command run without a shell; split on spaces unless `args` is given.'),
  shell: z.string().optional().describe('A script run as `bash -eo pipefail -c`.'),
  args: z.array(z.string()).optional().describe('Arguments of `cmd`, each passed as one argument.'),
  'sub-dir': z.string().optional().describe('Working directory inside the workspace.'),
  env: EnvSchema.optional().describe("The task's environment, over the flow's."),
});
export type ExecOpts = z.infer<typeof ExecOptsSchema>;

export const ExecTaskSchema = z.strictObject({
  ...TaskBase,
  type: z.literal('exec').describe('Runs a command (`cmd`) or a bash script (`shell`).'),
  opts: ExecOptsSchema,
  reports: z
    .strictObject({ junit: z.union([z.string().min(1), z.array(z.string().min(1)).min(1).max(20)]) })
    .optional()
    .describe('Test reports the task writes, read when it ends: `junit` globs in the workspace.'),
  cache: CacheSchema.optional(),
});

export const GitCheckoutOptsSchema = z.strictObject({
  url: z.string().optional().describe('Defaults to the repository that triggered the run.'),
  ref: z.string().optional().describe('Branch, tag or commit; defaults to the triggering commit.'),
  'sub-dir': z.string().optional(),
  depth: z.number().int().positive().default(1).describe('History depth of the clone.'),
  branch: z.string().optional().describe('Old name of `ref`.'),
  'key-file': z.string().optional().describe('Ignored: the runner uses its own git credentials.'),
  hash: z.string().optional().describe('Ignored by the original floe.'),
  'from-branch': z
    .string()
    .optional()
    .describe('Needed by `git-merge` (the original failed without it); else ignored.'),
});
export type GitCheckoutOpts = z.infer<typeof GitCheckoutOptsSchema>;

export const GitCheckoutTaskSchema = z.strictObject({
  ...TaskBase,
  type: z
    .enum(['git-checkout', 'git-merge'])
    .describe('`git-merge` (a stub in the original) checks out like git-checkout, and fails without `from-branch`.'),
  opts: GitCheckoutOptsSchema.default({ depth: 1 }),
});

export const ChecksumAlgoSchema = z.enum(['sha256', 'sha1', 'md5']);
/** `opts.artifact` of a fetch: an artifact of another run (docs/floe-yaml.md "Artifacts"). */
export const FetchArtifactSchema = z.strictObject({
  flow: z.string().describe('The flow whose run made it.'),
  name: ArtifactNameSchema,
  repo: z.string().optional().describe("The flow's repository; default this run's."),
  ref: z
    .string()
    .optional()
    .describe("Take the latest good trusted run on this ref (default the repository's default branch)."),
  run: z.string().optional().describe('Take it from this run (an id); it must be good and trusted.'),
});
export type FetchArtifact = z.infer<typeof FetchArtifactSchema>;

export const FetchOptsSchema = z.strictObject({
  url: z.string().optional().describe('The file to download (or `artifact`).'),
  artifact: FetchArtifactSchema.optional().describe("Another flow's artifact, checked against its sha256 (or `url`)."),
  checksum: z.string().optional().describe('Hex digest, optionally followed by a space and a file name.'),
  'checksum-algo': ChecksumAlgoSchema.optional().describe('Algorithm of `checksum`.'),
  location: z
    .string()
    .optional()
    .describe("Where the file goes in the workspace; a trailing / keeps its name (an artifact's files go under it)."),
});
export type FetchOpts = z.infer<typeof FetchOptsSchema>;

export const FetchTaskSchema = z.strictObject({
  ...TaskBase,
  type: z.literal('fetch').describe('Downloads a file into the workspace.'),
  opts: FetchOptsSchema,
});

export const TimerTaskSchema = z.strictObject({
  ...TaskBase,
  type: z.literal('timer').describe('Waits for `period`, then emits good.'),
  opts: z.strictObject({ period: DurationSchema.describe('How long to wait.') }),
});

export const DataTaskSchema = z.strictObject({
  ...TaskBase,
  type: z.literal('data').describe('Waits for a person: an approval or input gate.'),
  opts: DataOptsSchema.default({}),
});

export const EndTaskSchema = z.strictObject({
  ...TaskBase,
  type: z.literal('end').describe('Ends the run with the result of the event that reached it.'),
  opts: z.strictObject({}).optional(),
});

export const MergeSchema = z.strictObject({
  ...NodeBase,
  class: z.literal('merge').describe('Makes this entry a merge.'),
  type: z.enum(['all', 'any']).default('all').describe('Fire when all `wait` tags have arrived, or on the first.'),
  wait: z.array(z.string()).describe('Event tags to wait for.'),
});
export type Merge = z.infer<typeof MergeSchema>;

export const TaskSchema = z.discriminatedUnion('type', [
  ExecTaskSchema,
  GitCheckoutTaskSchema,
  FetchTaskSchema,
  TimerTaskSchema,
  DataTaskSchema,
  EndTaskSchema,
]);
export type Task = z.infer<typeof TaskSchema>;
export type TaskType = Task['type'];

/** An entry of `tasks:` — a task, or a merge (`class: merge`). */
export const NodeSchema = z.union([MergeSchema, TaskSchema]);
export type FlowNode = z.infer<typeof NodeSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Flows and files

export const FlowSchema = z.strictObject({
  id: IdSchema.optional(),
  ver: z.number().int().default(1).describe('Version; id and ver are unique within a file.'),
  name: NameSchema.optional(),
  'reuse-space': z.boolean().default(false).describe('One workspace per flow per runner, kept between runs.'),
  'host-tags': z.array(z.string()).default([]).describe('Every tag must be on the runner.'),
  'resource-tags': z.array(z.string()).default([]).describe('No two active runs across the hub share one of these.'),
  env: EnvSchema.optional(),
  triggers: z.array(TriggerSchema).default([]).describe('What starts a run (besides a person).'),
  tasks: z.array(NodeSchema).default([]).describe('The tasks and merges of the flow.'),
  'flow-file': z.string().optional().describe('Path in the same repository, or an https URL, holding the tasks.'),
  timeout: DurationSchema.default('6h').describe('Run timeout.'),
  'cancel-superseded': z
    .boolean()
    .default(false)
    .describe('When a newer run of the flow starts for the same ref, cancel the older ones still going.'),
  'requeue-lost': z.boolean().default(false).describe('Re-queue (instead of failing) a run whose runner was lost.'),
  notify: z
    .array(NotifyTargetSchema)
    .max(MAX_NOTIFY_TARGETS)
    .optional()
    .describe('Webhooks POSTed when a trusted run ends (notify-target.ts).'),
});
export type FlowInput = z.input<typeof FlowSchema>;
/** A flow as written, with defaults applied. Ids may still be absent: see `ResolvedFlow`. */
export type FlowDef = z.infer<typeof FlowSchema>;

/** `common:` of the original's config shape: accepted, every key ignored with a warning. */
export const CommonSchema = z.strictObject({
  hosts: z.array(z.string()).optional(),
  'base-url': z.string().optional(),
  'config-path': z.string().optional(),
  'store-type': z.string().optional(),
  'store-root': z.string().optional(),
  'workspace-root': z.string().optional(),
  'git-key': z.string().optional(),
  'key-file': z.string().optional(),
});

export const FlowsFileSchema = z.strictObject({
  common: CommonSchema.optional().describe("The original floe's server settings: accepted, ignored with a warning."),
  flows: z.array(FlowSchema).describe('The flows of this file.'),
});

/** A FLOE.yaml: one flow at the top level, or several under `flows:`. */
export const FloeFileSchema = z.union([FlowsFileSchema, FlowSchema]);
export type FloeFile = z.infer<typeof FloeFileSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Resolved forms: what the parser hands to the engine, the runner and the hub (ids and names derived by the
// original's slug rules, every node with its class). ResolvedFlowSchema is the one definition of a flow on the wire
// (the run spec a runner is offered) and in the store; a process parses it where the flow enters (the offer, the
// database row), never again on the way through. Nothing here transforms, so a resolved flow parses to itself.

const Resolved = { id: z.string(), name: z.string() };

export const ResolvedTriggerSchema = z.discriminatedUnion('type', [
  DataTriggerSchema.extend(Resolved),
  TimerTriggerSchema.extend(Resolved),
  PollGitTriggerSchema.extend(Resolved),
  // The resolver maps the old `git-push` to `push`.
  PushTriggerSchema.extend({ ...Resolved, type: z.literal('push') }),
  PullRequestTriggerSchema.extend(Resolved),
  CommentTriggerSchema.extend(Resolved),
]);
export type ResolvedTrigger = z.infer<typeof ResolvedTriggerSchema>;

// A combination of a matrix task is a task of its own, made by the resolver (resolve-matrix.ts).
const ResolvedTaskFields = { ...Resolved, combination: CombinationOfSchema.optional() };
export const ResolvedTaskSchema = z.discriminatedUnion('type', [
  ExecTaskSchema.extend(ResolvedTaskFields),
  GitCheckoutTaskSchema.extend(ResolvedTaskFields),
  FetchTaskSchema.extend(ResolvedTaskFields),
  TimerTaskSchema.extend(ResolvedTaskFields),
  DataTaskSchema.extend(ResolvedTaskFields),
  EndTaskSchema.extend(ResolvedTaskFields),
]);
export type ResolvedTask = z.infer<typeof ResolvedTaskSchema>;

export const ResolvedMergeSchema = MergeSchema.extend(Resolved);
export type ResolvedMerge = z.infer<typeof ResolvedMergeSchema>;

export const ResolvedNodeSchema = z.union([ResolvedMergeSchema, ResolvedTaskSchema]);
export type ResolvedNode = z.infer<typeof ResolvedNodeSchema>;

export const ResolvedFlowSchema = FlowSchema.omit({ id: true, name: true, triggers: true, tasks: true }).extend({
  ...Resolved,
  triggers: z.array(ResolvedTriggerSchema),
  tasks: z.array(ResolvedNodeSchema),
});
export type ResolvedFlow = z.infer<typeof ResolvedFlowSchema>;

export function isMerge(node: FlowNode): node is Merge {
  return node.class === 'merge';
}
