#!/usr/bin/env node
// `floe-hub`: the hub program (`floe hub` and `floe up` start it as its own process, DESIGN §2). It reads its
// configuration once (config.ts), builds the server (build-server.ts), listens, prints where and the admin token,
// and on SIGTERM or SIGINT stops taking requests, closes runner sockets and the store, and exits 0.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { loadAdminToken } from './auth/admin-token.js';
import { buildServer } from './build-server.js';
import { parseHubConfig } from './config.js';
import { gatewayPlugin } from './gateway/runner-gateway.js';
import { githubCredentials } from './github/github-credentials.js';
import { createHub } from './hub.js';

/** Written once listening, removed at exit: how `floe up` learns the URL of the hub it started (port 0 too). */
const HUB_FILE = 'hub.json';
/** A stop that takes longer than this (a stuck socket) ends the process anyway. */
const STOP_TIMEOUT_MS = 10_000;

async function main(): Promise<number> {
  const outcome = parseHubConfig(process.argv.slice(2), process.env);
  if (outcome.kind === 'help') {
    process.stdout.write(`${outcome.usage}\n`);
    return 0;
  }
  if (outcome.kind === 'invalid') {
    process.stderr.write(`floe-hub: ${outcome.message}\n`);
    return 2;
  }
  const config = outcome.config;
  const logger = pino({
    level: config.logLevel,
    base: { app: 'floe-hub' },
    redact: ['req.headers.authorization', '*.token', '*.credential', '*.adminToken'],
  });
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
    repos: config.repos,
    timing: { heartbeatMs: config.heartbeatMs, leaseMs: config.leaseMs },
    ...(config.secretKey ? { secretKey: config.secretKey } : {}),
    allowNetworks: config.allowNetworks,
    untrustedNetwork: config.untrustedNetwork,
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
      maxLogBytesPerNode: Math.round(config.logCapMb * 1024 * 1024),
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
