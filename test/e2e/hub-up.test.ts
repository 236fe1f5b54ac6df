// `floe up` end to end (DESIGN §2 "One command", §8 "Live API"): the built `floe` starts a real `floe-hub` and a
// real runner as child processes in a git repository; a run started through the API is followed over the live
// socket to the end of its log; Ctrl-C (SIGINT to `floe up` alone) stops both children cleanly.
import { existsSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { connectLive, createFloeClient, type LiveSocketConstructor, type LiveTopicMessage } from '@floe/shared';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  FLOE_MAIN,
  HUB_MAIN,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  type SpawnedProcess,
  spawnProcess,
  waitFor,
} from '../support/index.js';

const FLOW = `
id: hello
tasks:
  - id: greet
    type: exec
    listen: trigger.good
    opts:
      shell: |
        for i in 1 2 3 4 5; do echo "héllo $i"; sleep 0.1; done
  - id: done
    type: end
    listen: task.greet.good
`;

let up: SpawnedProcess | undefined;

afterAll(async () => {
  // `floe up` stops its children on SIGINT; SIGKILL (killSpawned) would leave them running.
  up?.child.kill('SIGINT');
  await Promise.race([up?.exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  await killSpawned();
  removeTempDirs();
});

describe('floe up', () => {
  it('starts a hub and a runner, runs a flow followed live to the end, and stops both on Ctrl-C', async () => {
    const repo = makeTempDir('floe-up-');
    makeGitRepo(repo, { 'FLOE.yaml': FLOW });
    const floeUp = spawnProcess(process.execPath, [FLOE_MAIN, 'up', '--port', '0', '--name', 'local-e2e'], {
      cwd: repo,
    });
    up = floeUp;
    const output = await floeUp.waitForOutput(/admin token\s+\S+\s+│/, 60_000).catch((err: Error) => {
      throw new Error(`${err.message.split('\n')[0]}\nfloe up said:\n${floeUp.output().slice(-4000)}`);
    });
    const url = /dashboard\s+(http:\/\/\S+)/.exec(output)?.[1] as string;
    const token = /admin token\s+(\S+)\s+│/.exec(output)?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(`runner       local-e2e (work dir ${join(repo, '.floe/runner')})`);

    const client = createFloeClient({ baseUrl: url, token });
    expect(await client.me()).toEqual({ name: 'admin', role: 'admin' });
    expect((await client.flows()).map((flow) => [flow.repo, flow.id])).toEqual([[repo.split('/').at(-1), 'hello']]);
    await waitFor(async () => (await client.runners()).some((r) => r.name === 'local-e2e' && r.connected), {
      timeoutMs: 30_000,
      what: 'the local runner to connect',
    });

    const { runId } = await client.startRun('hello');
    const live = connectLive({ url, token, WebSocket: WebSocket as unknown as LiveSocketConstructor });
    await live.ready;
    const messages: LiveTopicMessage[] = [];
    await new Promise<void>((resolve, reject) => {
      live.subscribe(
        { topic: 'log', runId, node: 'greet' },
        (message) => {
          messages.push(message);
          if (message.type === 'log-end') resolve();
        },
        reject,
      );
    });
    live.close();
    const text = messages.flatMap((m) => (m.type === 'log' ? [m.text] : [])).join('');
    for (let i = 1; i <= 5; i++) expect(text).toContain(`héllo ${i}\n`);
    // The live log is the stored log, byte for byte.
    expect((await client.logs(runId, 'greet')).text).toBe(text);

    const run = await waitFor(async () => {
      const detail = await client.run(runId);
      return detail.state === 'archived' && detail;
    });
    expect(run).toMatchObject({ result: 'good', reasonCode: 'end', runner: 'local-e2e' });
    expect(run.nodes.map((node) => [node.id, node.state])).toEqual([
      ['greet', 'good'],
      ['done', 'good'],
    ]);

    floeUp.child.kill('SIGINT');
    expect(await floeUp.exited).toBe(0);
    expect(existsSync(join(repo, '.floe/hub/hub.json'))).toBe(false);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    expect(floeUp.output()).toContain('hub stopped');
    // One forwarded signal each: a second would make the runner kill its tasks at once ("stopping now").
    expect(floeUp.output()).not.toContain('stopping now');
  }, 120_000);
});

describe('floe-hub', () => {
  it('refuses a bad flag with exit 2 and the usage', async () => {
    const hub = spawnProcess(process.execPath, [HUB_MAIN, '--port', 'many']);
    expect(await hub.exited).toBe(2);
    expect(hub.output()).toContain('--port: ');
    expect(hub.output()).toContain('Usage: floe-hub');
  });

  it('says so when its port is taken, with exit 2', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const hub = spawnProcess(process.execPath, [HUB_MAIN, '--port', String(port), '--data-dir', makeTempDir()]);
      expect(await hub.exited).toBe(2);
      expect(hub.output()).toContain(`port ${port} on 127.0.0.1 is in use`);
    } finally {
      holder.close();
    }
  });

  it('is what `floe hub` starts, with its flags passed through', async () => {
    const dataDir = makeTempDir('floe-hub-data-');
    const hub = spawnProcess(process.execPath, [FLOE_MAIN, 'hub', '--port', '0', '--data-dir', dataDir]);
    const output = await hub.waitForOutput(/admin token: \S+/, 30_000);
    const url = /floe hub at (http:\/\/\S+)/.exec(output)?.[1] as string;
    const token = /admin token: (\S+)/.exec(output)?.[1] as string;
    expect(await createFloeClient({ baseUrl: url }).health()).toMatchObject({ ok: true });
    expect(await createFloeClient({ baseUrl: url, token }).me()).toEqual({ name: 'admin', role: 'admin' });
    expect(existsSync(join(dataDir, 'admin-token'))).toBe(true);
    expect(await hub.stop()).toBe(0);
  });
});
