#!/usr/bin/env node
// `floe-hub`: the hub program (`floe hub` and `floe up` start it as its own process, DESIGN §2). It reads its
// configuration once (config.ts), builds the server (build-server.ts), listens, prints where and the admin token,
// and on SIGTERM or SIGINT stops offering runs, closes runner sockets (they move to the other hubs of their
// `--hub` list), stops taking requests, closes the store, and exits 0 — also when the database is out of reach:
// nothing is lost then either, as the runs' records wait in the runners' spools (docs/runners.md "Upgrading a fleet").
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { loadAdminToken } from './auth/admin-token.js';
import { MAINTENANCE_COMMANDS, runMaintenance } from './backup/maintenance-commands.js';
import { buildServer } from './build-server.js';
import { parseHubConfig } from './config.js';
import { gatewayPlugin } from './gateway/runner-gateway.js';
import { githubCredentials } from './github/github-credentials.js';
import { createHub } from './hub.js';
import { createHubLogger } from './hub-logger.js';

/** Written once listening, removed at exit: how `floe up` learns the URL of the hub it started (port 0 too). */
const HUB_FILE = 'hub.json';
/** A stop that takes longer than this (a stuck socket) ends the process anyway. */
const STOP_TIMEOUT_MS = 10_000;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if ((MAINTENANCE_COMMANDS as readonly string[]).includes(argv[0] ?? ''))
    return runMaintenance(argv, {
      stdout: process.stdout,
      stderr: process.stderr,
      env: process.env,
      hubVersion: await hubVersion(),
    });
  const outcome = parseHubConfig(argv, process.env);
  if (outcome.kind === 'help') {
    process.stdout.write(`${outcome.usage}\n`);
    return 0;
  }
  if (outcome.kind === 'invalid') {
    process.stderr.write(`floe-hub: ${outcome.message}\n`);
    return 2;
  }
  const config = outcome.config;
  const logger = createHubLogger(process.stdout, { level: config.logLevel, format: config.logFormat });
  const version = await hubVersion();
  await mkdir(config.dataDir, { recursive: true });
  const admin = await loadAdminToken(config.dataDir, config.adminToken);
  const github = githubCredentials(config);
  if (github !== undefined && 'error' in github) {
    process.stderr.write(`floe-hub: ${github.error}\n`);
    return 2;
  }
  // Links in check runs and PR replies; known once listening when --public-url is not given.
  let publicUrl = config.publicUrl ?? '';
  const hub = await createHub({
    dataDir: config.dataDir,
    ...(config.databaseUrl !== undefined ? { databaseUrl: config.databaseUrl } : {}),
    log: logger,
    version,
    repos: config.repos,
    timing: { heartbeatMs: config.heartbeatMs, leaseMs: config.leaseMs },
    ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    allowNetworks: config.allowNetworks,
    untrustedNetwork: config.untrustedNetwork,
    sharedCaches: config.sharedCaches,
    ...(config.notifyUrl !== undefined
      ? {
          notify: {
            url: config.notifyUrl,
            ...(config.notifySecret !== undefined ? { secretName: config.notifySecret } : {}),
            format: config.notifyFormat,
          },
        }
      : {}),
    publicUrl: () => publicUrl || undefined,
    retention: {
      maxRunAgeMs: Math.round(config.keepDays * 24 * 60 * 60 * 1000),
      maxRunsPerFlow: config.keepRuns,
      maxAuditAgeMs: Math.round(config.keepAuditDays * 24 * 60 * 60 * 1000),
      maxLogBytesPerNode: Math.round(config.logCapMb * 1024 * 1024),
    },
    artifacts: {
      maxFileBytes: Math.round(config.artifactFileMb * 1024 * 1024),
      maxRunBytes: Math.round(config.artifactRunMb * 1024 * 1024),
      maxHubBytes: Math.round(config.artifactTotalMb * 1024 * 1024),
    },
  });
  const gateway = gatewayPlugin({
    core: hub.core,
    logger,
    heartbeatMs: hub.timing.heartbeatMs,
    leaseMs: hub.timing.leaseMs,
  });
  const app = await buildServer({
    hub,
    adminToken: admin.token,
    ...(admin.file !== undefined ? { adminTokenFile: admin.file } : {}),
    version,
    logger,
    gateway,
    metricsPublic: config.metricsPublic,
    publicBadges: config.publicBadges,
    ...(github ? { github: { ...github, hub, log: logger, publicUrl: () => publicUrl } } : {}),
  });

  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EADDRNOTAVAIL' && code !== 'EACCES') throw err;
    process.stderr.write(
      code === 'EADDRINUSE'
        ? `floe-hub: port ${config.port} on ${config.host} is in use (another hub?); pass another --port\n`
        : `floe-hub: cannot listen on ${config.host}:${config.port} (${code}); check --host and --port\n`,
    );
    await app.close();
    await hub.close();
    return 2;
  }
  const { port } = app.server.address() as AddressInfo;
  // A wildcard address is where we listen, not where anyone can connect: show this machine's loopback.
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  publicUrl = config.publicUrl ?? url;
  await writeFile(join(config.dataDir, HUB_FILE), JSON.stringify({ url, pid: process.pid }));
  logger.info({ url, publicUrl: config.publicUrl ?? url, version, dataDir: config.dataDir }, 'hub listening');
  // The token goes to the terminal, not through the logger (which redacts tokens and may be shipped elsewhere).
  process.stdout.write(
    `floe hub at ${url}\nadmin token: ${admin.token}${admin.file ? ` (kept in ${admin.file})` : ''}\n`,
  );

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async (signal: NodeJS.Signals) => {
      // Ctrl-C reaches the hub twice under `floe up` (from the terminal and forwarded): stop once.
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'hub stopping');
      const timer = setTimeout(() => {
        logger.error('hub stop timed out');
        resolve(1);
      }, STOP_TIMEOUT_MS);
      timer.unref();
      try {
        // First no new offer, so that no run is offered on a socket about to close (it would wait for the offer
        // to time out before another hub could offer it again).
        await hub.stopOffering();
        gateway.closeAll('the hub is stopping');
        await app.close();
        // Each runner socket reports its disconnect to the core after its close event; let those writes land
        // before the store closes (bounded: a hub that cannot stop in time is ended by the timer above).
        while (gateway.connectedRunners().length > 0) await sleep(10);
        await sleep(50);
        await hub.close();
        await rm(join(config.dataDir, HUB_FILE), { force: true });
        logger.info('hub stopped');
        resolve(0);
      } catch (err) {
        logger.error({ err }, 'hub stop failed');
        resolve(1);
      } finally {
        clearTimeout(timer);
      }
    };
    process.on('SIGTERM', (signal) => void stop(signal));
    process.on('SIGINT', (signal) => void stop(signal));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function hubVersion(): Promise<string> {
  const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`floe-hub: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
