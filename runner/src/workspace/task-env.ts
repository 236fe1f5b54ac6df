import { type Env, envEntries, matrixVariable } from '@floe/shared';
import { expandWs } from './expand-ws.js';

export interface TaskEnvInput {
  /** The runner's own environment: the base, lowest precedence. */
  baseEnv: Record<string, string>;
  /** The flow's `env`. */
  flowEnv?: Env;
  /** The task's `opts.env`. */
  taskEnv?: Env;
  /** Absolute workspace path: `FLOEWS`, and the target of `{{ws}}`, `./` and `.` in env values. */
  workspace: string;
  flowId: string;
  nodeId: string;
  run: { id: string; number: number; repo?: string; ref?: string; sha?: string; data?: Record<string, string> };
  /** A matrix combination's values by axis: `FLOE_MATRIX_<AXIS>` (docs/floe-yaml.md "Matrices"). */
  matrix?: Record<string, string> | undefined;
  /** `FLOE_SUMMARY`: where the task may write its Markdown summary (execution/read-summary.ts). */
  summaryFile?: string;
}

/**
 * A task's environment (DESIGN §3 rule 4, §8 "Expansion"): runner env < flow env < task env < floe's own variables —
 * `FLOEWS`, `FLOE_RUN_ID`, `FLOE_RUN_NUMBER`, `FLOE_FLOW_ID`, `FLOE_NODE_ID`, `FLOE_REPO`, `FLOE_REF`, `FLOE_SHA`,
 * `FLOE_SUMMARY`, `FLOE_DATA_<FIELD>` for each form value (DESIGN §3 rule 5; field upper-cased, `-` → `_`) and
 * `FLOE_MATRIX_<AXIS>` for each value of a matrix combination, which cannot be overridden. The resolver turns
 * `{{matrix.AXIS}}` in env values into `${FLOE_MATRIX_AXIS}`, so a value is expanded here once, and never read again
 * for `$NAME`s of its own.
 * Each env value first gets the workspace expansion (`expandWs`), then `$NAME` and `${NAME}` from the environment built
 * so far, so `PATH=./bin:$PATH` prepends to the runner's PATH; floe's own variables can be referred to as well
 * (`OUT=$FLOEWS/out`). An unknown `$NAME` expands to '' as in a shell. (The original floe expanded `$NAME` from its own
 * process environment and dropped the flow env whenever a task had its own; neither is copied: docs/floe-yaml.md
 * "Coming from floe".)
 */
export function buildTaskEnv(input: TaskEnvInput): Record<string, string> {
  const floe: Record<string, string> = {
    FLOEWS: input.workspace,
    FLOE_RUN_ID: input.run.id,
    FLOE_RUN_NUMBER: String(input.run.number),
    FLOE_FLOW_ID: input.flowId,
    FLOE_NODE_ID: input.nodeId,
    FLOE_REPO: input.run.repo ?? '',
    FLOE_REF: input.run.ref ?? '',
    FLOE_SHA: input.run.sha ?? '',
  };
  if (input.summaryFile !== undefined) floe.FLOE_SUMMARY = input.summaryFile;
  for (const [field, value] of Object.entries(input.run.data ?? {})) floe[dataVariable(field)] = value;
  for (const [axis, value] of Object.entries(input.matrix ?? {})) floe[matrixVariable(axis)] = value;

  const env: Record<string, string> = { ...input.baseEnv };
  const lookup = (name: string) => floe[name] ?? env[name] ?? '';
  for (const [key, value] of [...envEntries(input.flowEnv), ...envEntries(input.taskEnv)]) {
    env[key] = expandVars(expandWs(value, input.workspace), lookup);
  }
  return Object.assign(env, floe);
}

/** `FLOE_DATA_<FIELD>` for a form field id: upper-cased, `-` (and anything not a word character) → `_`. */
export function dataVariable(field: string): string {
  return `FLOE_DATA_${field.toUpperCase().replace(/\W/g, '_')}`;
}

function expandVars(text: string, lookup: (name: string) => string): string {
  return text.replace(/\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))/g, (_, braced?: string, bare?: string) =>
    lookup((braced ?? bare) as string),
  );
}
