// Every diagnostic code the FLOE.yaml parser and linter can report, in one place (CONTRIBUTING.md
// "Findings are values"). A test checks that every code used in the sources is listed here and documented in
// docs/floe-yaml.md. Severities follow DESIGN §8 "Lint severities": error = the flow cannot run as written; warning =
// it runs but something is dead or doubtful.
import type { Severity } from './diagnostic.js';

export const DIAGNOSTIC_CODES = {
  // The file itself
  'yaml-syntax': { severity: 'error', summary: 'The file is not valid YAML.' },
  'yaml-warning': { severity: 'warning', summary: 'The YAML parser noticed something doubtful (e.g. an unknown tag).' },
  'duplicate-key': { severity: 'error', summary: 'A key appears twice in one mapping.' },
  'empty-file': { severity: 'error', summary: 'The file holds no flow.' },
  'not-a-mapping': { severity: 'error', summary: 'The document (or a flow) is not a mapping of keys.' },
  'unreadable-file': { severity: 'error', summary: 'The file could not be read as FLOE.yaml at all.' },
  'file-too-large': { severity: 'error', summary: 'The file is larger than 1 MiB; no flow of it runs.' },
  'too-many-nodes': { severity: 'error', summary: 'A flow with more than 1,000 triggers and tasks together.' },
  // The schema
  'unknown-key': { severity: 'error', summary: 'A key that is not allowed at this place.' },
  'missing-key': { severity: 'error', summary: 'A required key is absent.' },
  'invalid-value': { severity: 'error', summary: 'A value of the wrong type or outside the allowed values.' },
  'unknown-type': { severity: 'error', summary: 'A trigger or task `type` that does not exist.' },
  'invalid-duration': {
    severity: 'error',
    summary: 'A duration that is neither seconds nor "30s", "10m", "2h", "1d".',
  },
  'legacy-key-ignored': { severity: 'warning', summary: 'A key only the original floe knew; it is ignored.' },
  'legacy-key-mapped': { severity: 'warning', summary: 'A key or type only the original floe knew; it is mapped.' },
  // Ids
  'missing-id': { severity: 'error', summary: 'Neither `id` nor `name` is given.' },
  'invalid-id': { severity: 'error', summary: 'An id with spaces, full stops or characters unsafe in URLs.' },
  'duplicate-id': { severity: 'error', summary: 'Two triggers or tasks of one flow share an id.' },
  'duplicate-flow': { severity: 'error', summary: 'Two flows of one file share an id and version.' },
  // The event graph
  'listen-never-emitted': { severity: 'warning', summary: 'A `listen` tag that no node of the flow can emit.' },
  'wait-never-emitted': { severity: 'warning', summary: 'A merge `wait` tag that no node of the flow can emit.' },
  'listen-good-of-use-status': {
    severity: 'warning',
    summary: 'Listening to `task.X.good` of a `use-status` task, which emits `task.X.<exit-code>` instead.',
  },
  'node-never-runs': { severity: 'warning', summary: 'A node whose events can never all happen in a run.' },
  'end-unreachable': { severity: 'warning', summary: 'An `end` node that no run can reach.' },
  'merge-never-fires': { severity: 'warning', summary: 'An `all` merge waiting for two outcomes of one node.' },
  'event-cycle': { severity: 'warning', summary: 'Nodes that start each other in a loop (each still runs once).' },
  'dangling-good': {
    severity: 'warning',
    summary: 'A good event nobody listens to, in a flow with an end node (the original ended the run there).',
  },
  'duplicate-wait': { severity: 'error', summary: 'A merge waiting twice for one tag (it would never fire).' },
  'empty-wait': { severity: 'error', summary: 'A merge with nothing to wait for.' },
  'no-listen': { severity: 'error', summary: 'A task without `listen`: nothing starts it.' },
  'no-tasks': { severity: 'warning', summary: 'A flow without tasks and without `flow-file`.' },
  'flow-file-http': { severity: 'warning', summary: 'A `flow-file` fetched over plain http: its runs are refused.' },
  'flow-file-absolute': {
    severity: 'warning',
    summary: "An absolute `flow-file` path (the original read its server's disk): its runs are refused.",
  },
  'notify-url-invalid': {
    severity: 'error',
    summary: 'A `notify` URL that is neither an https URL nor `{{secret.NAME}}`.',
  },
  'notify-secret-invalid': { severity: 'error', summary: 'A `notify` `secret` that is not `{{secret.NAME}}`.' },
  'flow-file-invalid': {
    severity: 'error',
    summary: 'A `flow-file` that is neither a path inside the repository nor an https URL.',
  },
  // Options
  'cmd-and-shell': { severity: 'error', summary: 'An exec task with both `cmd` and `shell`.' },
  'no-command': { severity: 'error', summary: 'An exec task with neither `cmd` nor `shell`.' },
  'ignore-fail-with-use-status': { severity: 'error', summary: '`ignore-fail` and `use-status` on one task.' },
  'unsafe-path': {
    severity: 'error',
    summary: 'A `sub-dir`, `location`, artifact path or `cache.paths` entry that leaves the workspace.',
  },
  'fetch-source': { severity: 'error', summary: 'A fetch task without exactly one of `url` and `artifact`.' },
  'duplicate-artifact': { severity: 'error', summary: 'Two artifacts of one flow share a name.' },
  'invalid-cache-key': {
    severity: 'error',
    summary: 'A `cache.key` or `restore-keys` entry with an unknown `{{…}}`, a control character, or too long.',
  },
  'env-missing-equals': { severity: 'error', summary: 'An `env` list entry without `=`.' },
  'secret-outside-env': {
    severity: 'warning',
    summary: 'A `{{secret.NAME}}` outside `env` values, where it is not replaced.',
  },
  'env-invalid-name': { severity: 'warning', summary: 'An environment variable name a shell cannot use.' },
  'period-too-short': {
    severity: 'warning',
    summary: 'A timer or poll-git `period` under 10 s; the hub waits 10 s instead.',
  },
  'timer-period-or-cron': { severity: 'error', summary: 'A timer trigger needs exactly one of `period` and `cron`.' },
  'invalid-cron': { severity: 'error', summary: 'A cron expression that is not five valid fields.' },
  'invalid-timezone': { severity: 'error', summary: 'A `timezone` that is not an IANA time zone name.' },
  'invalid-regex': { severity: 'error', summary: 'A poll-git `exclude` that is not a regular expression.' },
  'select-without-options': { severity: 'error', summary: 'A form field of type `select` without `options`.' },
  'duplicate-field': { severity: 'error', summary: 'Two fields of one form share an id.' },
  // Matrices (docs/floe-yaml.md "Matrices")
  'matrix-empty': { severity: 'error', summary: 'A matrix without axes, or an axis without values.' },
  'matrix-too-large': { severity: 'error', summary: 'A matrix of more than 256 combinations or 16 axes.' },
  'matrix-unknown-axis': {
    severity: 'error',
    summary: 'A `{{matrix.AXIS}}`, `include` or `exclude` naming an axis the matrix does not have.',
  },
  'matrix-missing-axis': { severity: 'error', summary: 'An `include` entry without a value for every axis.' },
  'matrix-duplicate': { severity: 'error', summary: 'Two combinations of one matrix with the same values or id.' },
  'matrix-not-allowed': {
    severity: 'error',
    summary: 'A matrix on a `data` or `end` task, or with `use-status`: only executed tasks have combinations.',
  },
  // Coming from floe: where a flow relies on what the original did
  'trigger-checkout-opts': {
    severity: 'warning',
    summary: "A trigger's `url`/`branch` (or form value `branch`) reaching git-checkout on trigger.good.",
  },
  'checkout-repo-dir': {
    severity: 'warning',
    summary: 'A git-checkout of a named repository goes into `<sub-dir>/<repository name>`.',
  },
  'task-env-merged': {
    severity: 'warning',
    summary: "A task's own `env` list is merged with the flow's (the original dropped the flow's).",
  },
  'cmd-dollar': { severity: 'warning', summary: 'A `$VAR` in `cmd` or `args`, which no shell expands.' },
  'fetch-url-scheme': { severity: 'warning', summary: 'A fetch `url` that is not http:// or https://.' },
} as const satisfies Record<string, { severity: Severity; summary: string }>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
