// The runner daemon's configuration (CONTRIBUTING.md "Configuration is read once"): flags of `floe runner start` over
// environment variables (what the systemd unit's env file sets, `floe runner install`), read once at start-up with a
// clear message.
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { durationMs, MIN_PROTOCOL_VERSION, PROTOCOL_VERSION, z } from '@floe/shared';
import { LogFormatSchema } from '@floe/shared/node';
import { validHubUrls } from '../connection/hub-urls.js';
import { parseSandboxBind } from '../process/task-sandbox.js';

const duration = (what: string) =>
  z.union([z.number(), z.string()]).transform((value, context) => {
    const ms = durationMs(value);
    if (ms === undefined) {
      context.addIssue({ code: 'custom', message: `${what}: not a duration (e.g. 10s, 500ms)` });
      return z.NEVER;
    }
    return ms;
  });

export const RunnerConfigSchema = z.object({
  /**
   * The hub's base URL (http or https), or several hubs sharing one database separated by commas: the runner moves
   * to the next when its hub dies (connection/hub-urls.ts). Default: the hub(s) of the saved credential.
   */
  hub: z.string().refine(validHubUrls, 'an http:// or https:// URL, or several separated by commas').optional(),
  /**
   * A one-time registration token (`floe runner token`); used only when there is no saved credential. On the command
   * line it shows in `ps` to every user of the machine: prefer `tokenFile` or the environment.
   */
  token: z.string().min(1).optional(),
  /** A file holding the registration token (its first line); read once at start. Not with `token`. */
  tokenFile: z.string().min(1).optional(),
  /** The runner's name in the hub's runner list; default the host name. */
  name: z.string().min(1).max(200).default(hostname()),
  /** The runner's host-tags (DESIGN §3 rule 7); default none. */
  tags: z.array(z.string().min(1)).default([]),
  /** Runs held at once; default 1. */
  slots: z.coerce.number().int().positive().max(1000).default(1),
  /** Workspaces, caches, the spool and the credential live here; default ~/.floe/runner. */
  workDir: z.string().default(join(homedir(), '.floe', 'runner')),
  /** The credential file; default `<workDir>/credential.json` (DESIGN §8 "Credentials and keys"). */
  config: z.string().optional(),
  /** Between a task's interrupt and its kill on cancel; default 10 s. */
  killGrace: duration('kill-grace').default(10_000),
  /** Records spooled within this long of the last send wait to go together; default 50 ms. */
  batch: duration('batch').default(50),
  /** Largest (and the trigger size of) one record batch, within the protocol's frame size; default 1 MiB: a chatty
   * task's log goes in frames the hub stores in as few transactions as it can. */
  batchBytes: z.coerce
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  /** Take one run, then exit once it has finished and been delivered (an ephemeral runner); default false. */
  once: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])])
    .transform((value) => value === true || value === 'true' || value === '1')
    .default(false),
  /**
   * Exit (status 0) once drained by an operator and its runs are done, instead of idling until undrained
   * (docs/runners.md "Draining a runner"); default false.
   */
  exitWhenDrained: z
    .union([z.boolean(), z.enum(['true', 'false', '1', '0', ''])])
    .transform((value) => value === true || value === 'true' || value === '1')
    .default(false),
  /**
   * The newest runner protocol version to announce; default PROTOCOL_VERSION. A runner held at an older version
   * stands in for the previous release when an upgrade is rehearsed (docs/runners.md "Upgrading a fleet").
   */
  maxProtocol: z.coerce.number().int().min(MIN_PROTOCOL_VERSION).max(PROTOCOL_VERSION).optional(),
  /** Ceiling of the reconnect back-off; default 30 s. */
  backoffMax: duration('backoff-max').default(30_000),
  /**
   * Room kept on the work dir's disk for the records of the runs held (spool/spool-reserve.ts), in MiB; while it
   * cannot be kept, new runs are declined. Default 16; 0 turns it off.
   */
  spoolReserveMb: z.coerce.number().nonnegative().max(1024).default(16),
  /**
   * The size cap of task caches kept under `<work dir>/cache/tasks` (cache/local-cache-store.ts), in MiB: the least
   * recently used go first. Default 2048; 0 keeps none.
   */
  cacheMaxMb: z.coerce
    .number()
    .nonnegative()
    .max(1024 * 1024)
    .default(2048),
  /**
   * Task sandboxes (process/task-sandbox.ts): `auto` (default) sandboxes where the machine allows it and says so
   * where not; `on` refuses to start without one; `off` runs tasks as the runner's user, as before (the hub then
   * offers this runner no untrusted runs).
   */
  sandbox: z.enum(['auto', 'on', 'off']).default('auto'),
  /** The user a root runner's tasks run as; default `floe-task` (made by `floe runner install`). */
  taskUser: z
    .string()
    .regex(/^[a-z_][a-z0-9_.-]*$/i, 'a user name')
    .default('floe-task'),
  /** `--sandbox-bind PATH[:ro]`: absolute paths every task may reach (a Docker socket, a shared cache); default none. */
  sandboxBind: z
    .array(
      z
        .string()
        .refine((text) => isAbsolute(text) && !text.split('/').includes('..'), 'an absolute path without ..')
        .transform(parseSandboxBind),
    )
    .default([]),
  /** `--log-format json|pretty`; default pretty on a terminal, JSON elsewhere (journald, files). */
  logFormat: LogFormatSchema.optional(),
});
export type RunnerConfig = z.infer<typeof RunnerConfigSchema> & { workDir: string; credentialPath: string };

/** The environment variables the daemon reads (the env file of the systemd unit sets them). */
export const RUNNER_ENV = {
  hub: 'FLOE_HUB_URL',
  token: 'FLOE_RUNNER_TOKEN',
  tokenFile: 'FLOE_RUNNER_TOKEN_FILE',
  name: 'FLOE_RUNNER_NAME',
  tags: 'FLOE_RUNNER_TAGS',
  slots: 'FLOE_RUNNER_SLOTS',
  workDir: 'FLOE_RUNNER_WORK_DIR',
  config: 'FLOE_RUNNER_CONFIG',
  killGrace: 'FLOE_RUNNER_KILL_GRACE',
  backoffMax: 'FLOE_RUNNER_BACKOFF_MAX',
  once: 'FLOE_RUNNER_ONCE',
  exitWhenDrained: 'FLOE_RUNNER_EXIT_WHEN_DRAINED',
  maxProtocol: 'FLOE_RUNNER_MAX_PROTOCOL',
  spoolReserveMb: 'FLOE_RUNNER_SPOOL_RESERVE_MB',
  cacheMaxMb: 'FLOE_RUNNER_CACHE_MAX_MB',
  sandbox: 'FLOE_RUNNER_SANDBOX',
  taskUser: 'FLOE_RUNNER_TASK_USER',
  sandboxBind: 'FLOE_RUNNER_SANDBOX_BIND',
  logFormat: 'FLOE_RUNNER_LOG_FORMAT',
} as const;

export type RunnerFlags = Partial<Record<Exclude<keyof typeof RUNNER_ENV, 'sandboxBind'>, string>> & {
  /** Repeatable: each is one PATH[:ro]. */
  sandboxBind?: string[];
};

/**
 * Flags win over the environment. Returns the config, or every problem as one message per line (never throws).
 */
export function readRunnerConfig(
  flags: RunnerFlags,
  env: Record<string, string | undefined>,
): { ok: true; config: RunnerConfig } | { ok: false; message: string } {
  const pick = (key: Exclude<keyof typeof RUNNER_ENV, 'sandboxBind'>) =>
    flags[key] ?? (env[RUNNER_ENV[key]] || undefined);
  const tags = pick('tags');
  const binds = flags.sandboxBind ?? env[RUNNER_ENV.sandboxBind]?.split(',').filter(Boolean);
  const parsed = RunnerConfigSchema.safeParse({
    hub: pick('hub'),
    token: pick('token'),
    tokenFile: pick('tokenFile'),
    name: pick('name'),
    tags: tags === undefined ? undefined : tags.split(/[,\s]+/).filter(Boolean),
    slots: pick('slots'),
    workDir: pick('workDir'),
    config: pick('config'),
    killGrace: pick('killGrace'),
    backoffMax: pick('backoffMax'),
    once: pick('once'),
    exitWhenDrained: pick('exitWhenDrained'),
    maxProtocol: pick('maxProtocol'),
    spoolReserveMb: pick('spoolReserveMb'),
    cacheMaxMb: pick('cacheMaxMb'),
    sandbox: pick('sandbox'),
    taskUser: pick('taskUser'),
    sandboxBind: binds,
    logFormat: pick('logFormat'),
  });
  if (!parsed.success) {
    return {
      ok: false,
      message: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'config'}: ${issue.message}`).join('\n'),
    };
  }
  const token = tokenFrom(parsed.data);
  if ('problem' in token) return { ok: false, message: token.problem };
  const workDir = resolve(parsed.data.workDir);
  const credentialPath = resolve(parsed.data.config ?? join(workDir, 'credential.json'));
  return { ok: true, config: { ...parsed.data, ...token, workDir, credentialPath } };
}

/** The registration token, from `token` or the first line of `tokenFile` (never both). */
function tokenFrom(config: {
  token?: string | undefined;
  tokenFile?: string | undefined;
}): { token?: string } | { problem: string } {
  if (config.tokenFile === undefined) return config.token === undefined ? {} : { token: config.token };
  if (config.token !== undefined) return { problem: 'token-file: give the token or a token file, not both' };
  let text: string;
  try {
    text = readFileSync(config.tokenFile, 'utf8');
  } catch (err) {
    return { problem: `token-file: cannot read ${config.tokenFile} (${(err as NodeJS.ErrnoException).code ?? err})` };
  }
  const token = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (token === '') return { problem: `token-file: ${config.tokenFile} holds no token` };
  return { token };
}
