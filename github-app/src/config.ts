// The hub's configuration (CONTRIBUTING.md "Configuration is read once"): flags and environment, read once at start-up
// through this zod schema; the rest of the hub gets the typed object and never reads process.env. Every field says its
// default.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from '@floe/shared';
import { type Cidr, cidr, LogFormatSchema } from '@floe/shared/node';
import { parseRepoSpec, type RepoSpec } from './repos/parse-repo-spec.js';

const positiveMs = z.coerce.number().int().positive();

export const HubConfigSchema = z.object({
  /** --host / FLOE_HOST; default 127.0.0.1 (only this machine: listening wider is a decision). */
  host: z.string().min(1).default('127.0.0.1'),
  /** --port / FLOE_PORT; default 4040; 0 picks a free port (tests). */
  port: z.coerce.number().int().min(0).max(65_535).default(4040),
  /** --data-dir / FLOE_DATA_DIR; default .floe/hub: the SQLite database and the admin token live here. */
  dataDir: z.string().min(1).default('.floe/hub'),
  /** --repo [NAME=]PATH|URL, repeatable (parseRepoSpec: paths made absolute); default none. */
  repos: z.array(z.custom<RepoSpec>()).default([]),
  /**
   * --admin-token / FLOE_ADMIN_TOKEN, or the first line of --admin-token-file / FLOE_ADMIN_TOKEN_FILE; default:
   * generated once and kept in <data-dir>/admin-token (mode 0600).
   */
  adminToken: z.string().min(16, 'the admin token must have at least 16 characters').optional(),
  /** --public-url / FLOE_PUBLIC_URL; default http://<host>:<port>: the base of every link the hub writes. */
  publicUrl: z.url().optional(),
  /** --lease-ms / FLOE_LEASE_MS; default 30000: a runner silent this long loses its runs (DESIGN §5). */
  leaseMs: positiveMs.default(30_000),
  /** --heartbeat-ms / FLOE_HEARTBEAT_MS; default 10000: how often runners renew their leases. */
  heartbeatMs: positiveMs.default(10_000),
  /** --database-url / DATABASE_URL; default none (SQLite in the data dir); a postgres:// URL for several hubs (DESIGN §4). */
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  /** --keep-days / FLOE_KEEP_DAYS; default 90: archived runs older than this are deleted (retention/). */
  keepDays: z.coerce.number().positive().default(90),
  /** --keep-runs / FLOE_KEEP_RUNS; default 2000: archived runs kept per flow, newest first. */
  keepRuns: z.coerce.number().int().positive().default(2_000),
  /** --keep-audit-days / FLOE_KEEP_AUDIT_DAYS; default 365: older audit entries are deleted (retention/). */
  keepAuditDays: z.coerce.number().positive().default(365),
  /** --log-cap-mb / FLOE_LOG_CAP_MB; default 16: a node log over this keeps its head and tail. */
  logCapMb: z.coerce.number().positive().default(16),
  /** --artifact-file-mb / FLOE_ARTIFACT_FILE_MB; default 2048: the largest file of an artifact (DESIGN §8 "Artifacts"). */
  artifactFileMb: z.coerce.number().positive().default(2_048),
  /** --artifact-run-mb / FLOE_ARTIFACT_RUN_MB; default 5120: all artifacts of one run. */
  artifactRunMb: z.coerce.number().positive().default(5_120),
  /** --artifact-total-mb / FLOE_ARTIFACT_TOTAL_MB; default 51200: all artifacts every hub of the database keeps. */
  artifactTotalMb: z.coerce.number().positive().default(51_200),
  /**
   * --allow-network CIDR (repeatable) / FLOE_ALLOW_NETWORKS (comma-separated); default none: private networks that
   * flow-file URLs may reach all the same (an internal https server the team trusts). Loopback, private and
   * link-local addresses are refused otherwise (docs/security.md).
   */
  allowNetworks: z.array(z.custom<Cidr>()).default([]),
  /**
   * --untrusted-network / FLOE_UNTRUSTED_NETWORK=1; default false: untrusted runs' tasks have no network in a runner's
   * sandbox (docs/security.md "The runner sandbox"). Their git-checkout and fetch tasks, which the runner runs, do.
   */
  untrustedNetwork: z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false', ''])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .default(false),
  /**
   * --shared-caches / FLOE_SHARED_CACHES=1; default false: runners keep tasks' caches on their own machines. On, the
   * hub keeps them in the artifacts' storage, within the artifact caps, and every runner shares them.
   */
  sharedCaches: z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false', ''])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .default(false),
  /**
   * --public-badges / FLOE_PUBLIC_BADGES=1; default false: `GET /badge/…` answers without an API token (a README
   * shows it). Off, a badge needs a viewer token like the API: a flow's last result is not public by default.
   */
  publicBadges: z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false', ''])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .default(false),
  /**
   * --notify-url / FLOE_NOTIFY_URL; default none: every trusted run's end is POSTed there (notify/, docs/api.md
   * "Notifications"), besides the flows' own \`notify:\`. https to a public address only, like flow-file URLs.
   */
  notifyUrl: z.url({ protocol: /^https$/, error: 'must be an https:// URL' }).optional(),
  /** --notify-secret / FLOE_NOTIFY_SECRET; default none: the hub secret whose value signs --notify-url's bodies. */
  notifySecret: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'must be the name of a hub secret')
    .optional(),
  /** --notify-format / FLOE_NOTIFY_FORMAT; default floe: \`slack\` sends a Slack-compatible body to --notify-url. */
  notifyFormat: z.enum(['floe', 'slack']).default('floe'),
  /** FLOE_SECRET_KEY; default none: the hub then refuses to store secrets (DESIGN §8 "Credentials and keys"). */
  secretKey: z.string().optional(),
  /** APP_ID; default none. With PRIVATE_KEY(_PATH) and WEBHOOK_SECRET the hub is a GitHub App (DESIGN §6). */
  appId: z.string().optional(),
  /** PRIVATE_KEY: the App's private key (PEM); default none. */
  privateKey: z.string().optional(),
  /** PRIVATE_KEY_PATH: a file holding the App's private key; default none. */
  privateKeyPath: z.string().optional(),
  /** WEBHOOK_SECRET: what GitHub signs webhooks with; default none. */
  webhookSecret: z.string().optional(),
  /** GITHUB_API_URL; default https://api.github.com (GitHub Enterprise: https://HOST/api/v3). */
  githubApiUrl: z.url().default('https://api.github.com'),
  /** --log-level / FLOE_LOG_LEVEL; default info. */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** --log-format json|pretty / FLOE_LOG_FORMAT; default pretty when stdout is a terminal, JSON elsewhere. */
  logFormat: LogFormatSchema.optional(),
  /**
   * --metrics-public / FLOE_METRICS_PUBLIC=1; default false: `GET /metrics` needs a viewer token. Public, anyone who
   * reaches the port reads it (a Prometheus that cannot send a bearer token, on a private network).
   */
  metricsPublic: z
    .union([z.boolean(), z.enum(['1', 'true', '0', 'false', ''])])
    .transform((v) => v === true || v === '1' || v === 'true')
    .default(false),
});
export type HubConfig = z.infer<typeof HubConfigSchema>;

export const HUB_USAGE = `Usage: floe-hub [options]

  --host HOST            address to listen on (default 127.0.0.1; FLOE_HOST)
  --port PORT            port (default 4040; 0 = any free port; FLOE_PORT)
  --data-dir DIR         database and admin token (default .floe/hub; FLOE_DATA_DIR)
  --repo [NAME=]PATH|URL a repository whose FLOE.yaml the hub serves (repeatable)
  --admin-token TOKEN    the admin API token (FLOE_ADMIN_TOKEN; default: generated once, kept in the data dir)
  --admin-token-file F   the admin API token from a file's first line (FLOE_ADMIN_TOKEN_FILE); safer than
                         --admin-token, which every user of the machine sees in \`ps\`
  --public-url URL       base of the links the hub writes (FLOE_PUBLIC_URL)
  --lease-ms MS          runner lease (default 30000; FLOE_LEASE_MS)
  --heartbeat-ms MS      runner heartbeat (default 10000; FLOE_HEARTBEAT_MS)
  --database-url URL     PostgreSQL instead of SQLite; every hub on it shares the work (DATABASE_URL)
  --keep-days N          delete archived runs older than N days (default 90; FLOE_KEEP_DAYS)
  --keep-runs N          keep the newest N archived runs per flow (default 2000; FLOE_KEEP_RUNS)
  --keep-audit-days N    delete audit log entries older than N days (default 365; FLOE_KEEP_AUDIT_DAYS)
  --log-cap-mb N         cut a node log over N MiB to its head and tail (default 16; FLOE_LOG_CAP_MB)
  --artifact-file-mb N   refuse an artifact file over N MiB (default 2048; FLOE_ARTIFACT_FILE_MB)
  --artifact-run-mb N    refuse artifacts past N MiB a run (default 5120; FLOE_ARTIFACT_RUN_MB)
  --artifact-total-mb N  refuse artifacts past N MiB for the whole hub (default 51200; FLOE_ARTIFACT_TOTAL_MB)
  --allow-network CIDR   a private network flow-file URLs may reach (repeatable; FLOE_ALLOW_NETWORKS, comma-separated)
  --untrusted-network    untrusted runs' tasks may use the network in a runner's sandbox (FLOE_UNTRUSTED_NETWORK=1)
  --shared-caches        keep tasks' caches on the hub, shared by every runner (FLOE_SHARED_CACHES=1)
  --public-badges        /badge/… answers without an API token (FLOE_PUBLIC_BADGES=1)
  --notify-url URL       POST every trusted run's end to this https URL (FLOE_NOTIFY_URL)
  --notify-secret NAME   the hub secret that signs --notify-url's bodies (FLOE_NOTIFY_SECRET)
  --notify-format F      floe|slack: the body sent to --notify-url (default floe; FLOE_NOTIFY_FORMAT)
  --log-level LEVEL      fatal|error|warn|info|debug|trace|silent (default info; FLOE_LOG_LEVEL)
  --log-format FORMAT    json|pretty (default pretty on a terminal, JSON elsewhere; FLOE_LOG_FORMAT)
  --metrics-public       serve GET /metrics without a token (default: a viewer token; FLOE_METRICS_PUBLIC=1)
  -h, --help             this text

Maintenance (floe-hub COMMAND --help): backup --out FILE, restore FILE --data-dir DIR,
migrate-store --to postgres://…

Environment only: FLOE_SECRET_KEY (encrypts secrets); for the GitHub App:
APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GITHUB_API_URL (default https://api.github.com).`;

/** What parsing the command line gave: a configuration, a message for the person, or a request for help. */
export type ConfigOutcome =
  | { kind: 'config'; config: HubConfig }
  | { kind: 'invalid'; message: string }
  | { kind: 'help'; usage: string };

/**
 * Reads the configuration from command-line arguments (without `node` and the script) and the environment;
 * flags win over the environment. Never throws: a bad value comes back as a message naming the flag.
 * `cwd` resolves relative --repo paths (default process.cwd()).
 */
export function parseHubConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  cwd = process.cwd(),
): ConfigOutcome {
  let values: Record<string, string | string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
        repo: { type: 'string', multiple: true },
        'admin-token': { type: 'string' },
        'admin-token-file': { type: 'string' },
        'public-url': { type: 'string' },
        'lease-ms': { type: 'string' },
        'heartbeat-ms': { type: 'string' },
        'database-url': { type: 'string' },
        'keep-days': { type: 'string' },
        'keep-runs': { type: 'string' },
        'keep-audit-days': { type: 'string' },
        'log-cap-mb': { type: 'string' },
        'artifact-file-mb': { type: 'string' },
        'artifact-run-mb': { type: 'string' },
        'artifact-total-mb': { type: 'string' },
        'allow-network': { type: 'string', multiple: true },
        'untrusted-network': { type: 'boolean' },
        'shared-caches': { type: 'boolean' },
        'public-badges': { type: 'boolean' },
        'notify-url': { type: 'string' },
        'notify-secret': { type: 'string' },
        'notify-format': { type: 'string' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        'metrics-public': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { kind: 'invalid', message: `${(err as Error).message}\n\n${HUB_USAGE}` };
  }
  if (values.help === true) return { kind: 'help', usage: HUB_USAGE };

  const flag = (name: string) => values[name] as string | undefined;
  const repos: RepoSpec[] = [];
  for (const text of (values.repo as string[] | undefined) ?? []) {
    const spec = parseRepoSpec(text, cwd);
    if ('error' in spec) return { kind: 'invalid', message: spec.error };
    repos.push(spec);
  }
  // A command line shows in `ps` to every user of the machine: the admin token may come from a file instead.
  let adminToken = flag('admin-token') ?? env.FLOE_ADMIN_TOKEN;
  const adminTokenFile = flag('admin-token-file') ?? env.FLOE_ADMIN_TOKEN_FILE;
  if (adminTokenFile) {
    if (flag('admin-token') !== undefined)
      return { kind: 'invalid', message: '--admin-token-file: give the admin token or a file, not both' };
    try {
      adminToken = readFileSync(adminTokenFile, 'utf8').split(/\r?\n/, 1)[0]?.trim();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      return { kind: 'invalid', message: `--admin-token-file: cannot read ${adminTokenFile} (${code})` };
    }
  }
  const allowNetworks: Cidr[] = [];
  const networks =
    (values['allow-network'] as string[] | undefined) ??
    (env.FLOE_ALLOW_NETWORKS ?? '').split(',').filter((n) => n.trim());
  for (const text of networks) {
    try {
      allowNetworks.push(cidr(text));
    } catch (err) {
      return { kind: 'invalid', message: `--allow-network: ${(err as Error).message}` };
    }
  }
  const input = {
    host: flag('host') ?? env.FLOE_HOST,
    port: flag('port') ?? env.FLOE_PORT,
    dataDir: flag('data-dir') ?? env.FLOE_DATA_DIR,
    repos,
    adminToken,
    publicUrl: flag('public-url') ?? env.FLOE_PUBLIC_URL,
    leaseMs: flag('lease-ms') ?? env.FLOE_LEASE_MS,
    heartbeatMs: flag('heartbeat-ms') ?? env.FLOE_HEARTBEAT_MS,
    databaseUrl: flag('database-url') ?? env.DATABASE_URL,
    keepDays: flag('keep-days') ?? env.FLOE_KEEP_DAYS,
    keepRuns: flag('keep-runs') ?? env.FLOE_KEEP_RUNS,
    keepAuditDays: flag('keep-audit-days') ?? env.FLOE_KEEP_AUDIT_DAYS,
    logCapMb: flag('log-cap-mb') ?? env.FLOE_LOG_CAP_MB,
    artifactFileMb: flag('artifact-file-mb') ?? env.FLOE_ARTIFACT_FILE_MB,
    artifactRunMb: flag('artifact-run-mb') ?? env.FLOE_ARTIFACT_RUN_MB,
    artifactTotalMb: flag('artifact-total-mb') ?? env.FLOE_ARTIFACT_TOTAL_MB,
    allowNetworks,
    untrustedNetwork: values['untrusted-network'] === true ? true : env.FLOE_UNTRUSTED_NETWORK,
    sharedCaches: values['shared-caches'] === true ? true : env.FLOE_SHARED_CACHES,
    publicBadges: values['public-badges'] === true ? true : env.FLOE_PUBLIC_BADGES,
    notifyUrl: flag('notify-url') ?? env.FLOE_NOTIFY_URL,
    notifySecret: flag('notify-secret') ?? env.FLOE_NOTIFY_SECRET,
    notifyFormat: flag('notify-format') ?? env.FLOE_NOTIFY_FORMAT,
    secretKey: env.FLOE_SECRET_KEY,
    appId: env.APP_ID,
    privateKey: env.PRIVATE_KEY,
    privateKeyPath: env.PRIVATE_KEY_PATH,
    webhookSecret: env.WEBHOOK_SECRET,
    githubApiUrl: env.GITHUB_API_URL,
    logLevel: flag('log-level') ?? env.FLOE_LOG_LEVEL,
    logFormat: flag('log-format') ?? env.FLOE_LOG_FORMAT,
    metricsPublic: values['metrics-public'] === true ? true : env.FLOE_METRICS_PUBLIC,
  };
  // An empty environment variable means "not set", as shells make it easy to export one by accident.
  for (const [key, value] of Object.entries(input)) {
    if (value === '') (input as Record<string, unknown>)[key] = undefined;
  }
  const parsed = HubConfigSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (issue) => `${FLAG_OF[String(issue.path[0])] ?? issue.path.join('.')}: ${issue.message}`,
    );
    return { kind: 'invalid', message: `invalid configuration:\n  ${lines.join('\n  ')}\n\n${HUB_USAGE}` };
  }
  const config = parsed.data;
  const names = new Set<string>();
  for (const repo of config.repos) {
    if (names.has(repo.name)) {
      return {
        kind: 'invalid',
        message: `--repo: two repositories are named "${repo.name}"; name one with --repo NAME=PATH`,
      };
    }
    names.add(repo.name);
  }
  return { kind: 'config', config };
}

const FLAG_OF: Record<string, string> = {
  host: '--host',
  port: '--port',
  dataDir: '--data-dir',
  repos: '--repo',
  adminToken: '--admin-token',
  publicUrl: '--public-url',
  leaseMs: '--lease-ms',
  heartbeatMs: '--heartbeat-ms',
  databaseUrl: '--database-url',
  keepDays: '--keep-days',
  keepRuns: '--keep-runs',
  keepAuditDays: '--keep-audit-days',
  logCapMb: '--log-cap-mb',
  artifactFileMb: '--artifact-file-mb',
  artifactRunMb: '--artifact-run-mb',
  artifactTotalMb: '--artifact-total-mb',
  allowNetworks: '--allow-network',
  untrustedNetwork: '--untrusted-network',
  sharedCaches: '--shared-caches',
  publicBadges: '--public-badges',
  notifyUrl: '--notify-url',
  notifySecret: '--notify-secret',
  notifyFormat: '--notify-format',
  secretKey: 'FLOE_SECRET_KEY',
  appId: 'APP_ID',
  privateKey: 'PRIVATE_KEY',
  privateKeyPath: 'PRIVATE_KEY_PATH',
  webhookSecret: 'WEBHOOK_SECRET',
  githubApiUrl: 'GITHUB_API_URL',
  logLevel: '--log-level',
  logFormat: '--log-format',
  metricsPublic: '--metrics-public',
};
