// The fault soak (issue 15; test/soak/README.md): two hubs on PostgreSQL, four runners, proxies between them, a
// seeded schedule of mixed faults, and hundreds of runs; then every invariant is checked on every run. Started by
// `pnpm soak` (soak.mjs), which passes the seed and the length in FLOE_SOAK_SEED and FLOE_SOAK_MINUTES.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { killByEnv, killSpawned, makeTempDir, removeTempDirs } from '../support/index.js';
import { seededRandom } from './seeded-random.js';
import { type SmallDisk, smallDisk } from './small-disk.js';
import { type CheckedRun, checkRuns, endingsInHubLogs } from './soak-checks.js';
import { type FaultLog, injectFault } from './soak-faults.js';
import { type Fleet, type FleetHub, startFleet } from './soak-fleet.js';
import { FLOW_RULES, SOAK_FLOWS, type SoakFlow } from './soak-flows.js';

const SEED = Number(process.env.FLOE_SOAK_SEED ?? Date.now() % 1_000_000);
const MINUTES = Number(process.env.FLOE_SOAK_MINUTES ?? 2);
/** In the environment of every process the soak starts: how the end (and soak.mjs) finds any left behind. */
const SOAK_ID = process.env.FLOE_SOAK_RUN_ID ?? `soak-${randomBytes(4).toString('hex')}`;
const LEASE_MS = 10_000;
/** How long every run gets to end once the faults stop; generous, for a loaded 2-core machine. */
const SETTLE_MS = 6 * 60_000;
/** Runs started a minute, at least, unless the soak reaches twice its length first. */
const MIN_RUNS = 100;
/** Hub memory may grow this much over its warmed-up size. */
const RSS_MARGIN_MB = 50;

let fleet: Fleet | undefined;
let disk: SmallDisk | undefined;
afterAll(async () => {
  // Whatever happened, nothing the soak started stays: processes (and the tasks they left), mounts, databases.
  await fleet?.stop().catch(() => undefined);
  await killSpawned();
  killByEnv('FLOE_SOAK_ID', SOAK_ID);
  await fleet?.database.drop().catch(() => undefined);
  disk?.remove();
  removeTempDirs();
});

const say = (line: string) => process.stdout.write(`soak: ${line}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** GETs a JSON answer, retrying until a hub gives one (the fleet is whole again when this is used). */
async function mustGet<T>(path: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const response = await api(path);
    if (response?.status === 200) {
      try {
        return (await response.json()) as T;
      } catch {
        // Cut off mid-answer: again.
      }
    }
    if (attempt >= 60) throw new Error(`GET ${path}: no hub answered 200 (last ${response?.status})`);
    await sleep(1_000);
  }
}

async function mustGetText(path: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const response = await api(path);
    if (response?.status === 200) {
      try {
        return await response.text();
      } catch {
        // Cut off mid-answer: again.
      }
    }
    if (attempt >= 60) throw new Error(`GET ${path}: no hub answered 200 (last ${response?.status})`);
    await sleep(1_000);
  }
}

/** Calls a live hub's API (directly, not through the runners' proxy); undefined when no hub answered usefully. */
async function api(path: string, init: { method?: string; body?: unknown } = {}): Promise<Response | undefined> {
  const hub = fleet?.liveHub();
  if (!hub) return undefined;
  try {
    // A request to a hub frozen or killed mid-answer may never settle: each gets a time limit and is tried again.
    return await fetch(new URL(path, hub.proc.url), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        authorization: `Bearer ${hub.proc.adminToken}`,
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch {
    return undefined;
  }
}

it(`keeps every promise under mixed faults (seed ${SEED}, ${MINUTES} min)`, async () => {
  say(`seed ${SEED} (rerun with: pnpm soak --seed ${SEED}${MINUTES !== 2 ? ` --minutes ${MINUTES}` : ''})`);
  const random = seededRandom(SEED);
  const out = makeTempDir('floe-soak-out-');
  mkdirSync(join(out, 'marks'));
  mkdirSync(join(out, 'tries'));
  disk = smallDisk(makeTempDir('floe-soak-disk-'), SOAK_ID);
  fleet = await startFleet({
    soakId: SOAK_ID,
    flows: SOAK_FLOWS,
    out,
    leaseMs: LEASE_MS,
    heartbeatMs: 1_000,
    runners: 4,
    slots: 4,
    ...(disk.path ? { workDirs: { 3: disk.path } } : {}),
  });
  const faults: FaultLog = [];
  const started = Date.now();
  const faultsUntil = started + MINUTES * 60_000;
  // Hundreds of runs whatever the machine's load: the faults go on past the time until this many runs have started
  // (a loaded machine runs fewer a minute), but not beyond twice the time.
  const faultsAtMost = started + 2 * MINUTES * 60_000;
  const enough = () => known.size >= MIN_RUNS * MINUTES;

  // ---- the load: runs of every flow, sixteen in flight (the runners' slots), started through either hub ----------------------------
  const known = new Map<
    string,
    { flow: SoakFlow; cancelled?: boolean; word?: string; answeredAt?: number; steered?: string }
  >();
  const open = new Set<string>();
  const flows = Object.entries(FLOW_RULES).flatMap(([flow, rules]) => Array(rules.share).fill(flow) as SoakFlow[]);
  let loading = true;
  const load = (async () => {
    while (loading) {
      if (open.size >= 16) {
        await sleep(100);
        continue;
      }
      const flow = random.pick(flows);
      const response = await api(`/api/flows/${flow}/runs`, { body: {} });
      if (response?.status !== 201 && response?.status !== 200) {
        await sleep(300);
        continue;
      }
      // The run exists even if its answer is cut off: the checks find it in the database all the same.
      const answer = (await response.json().catch(() => undefined)) as { runId: string } | undefined;
      if (!answer || known.has(answer.runId)) continue; // adopted by the steering already
      known.set(answer.runId, { flow });
      open.add(answer.runId);
    }
  })();

  // ---- steering: cancel every `long` run, answer every `ask` form, notice what ended ----------------------------
  let steering = true;
  const steer = (async () => {
    while (steering) {
      await adoptUnknownRuns().catch(() => undefined);
      for (const runId of [...open]) {
        const run = known.get(runId);
        if (!run) continue;
        // An answer cut off mid-body (a hub killed or frozen) is tried again on the next pass: one failed read
        // must not end the steering.
        await steerRun(runId, run).catch(() => undefined);
      }
      await sleep(200);
    }
  })();
  // A start whose answer a fault cut off still made a run, which the soak would never steer (a `long` run never
  // cancelled, an `ask` form never answered) and so never see end: the runs not yet ended are read back and taken
  // in, by the flow the hub says they run.
  async function adoptUnknownRuns(): Promise<void> {
    for (const state of ['pending', 'active']) {
      const response = await api(`/api/runs?state=${state}&limit=500`);
      if (response?.status !== 200) continue;
      const page = (await response.json()) as { runs: { id: string; flowId: string }[] };
      for (const run of page.runs) {
        if (known.has(run.id) || !(run.flowId in FLOW_RULES)) continue;
        known.set(run.id, { flow: run.flowId as SoakFlow });
        open.add(run.id);
      }
    }
  }
  async function steerRun(runId: string, run: NonNullable<ReturnType<typeof known.get>>): Promise<void> {
    const response = await api(`/api/runs/${runId}`);
    if (response?.status !== 200) return;
    const detail = (await response.json()) as { state: string; nodes: { id: string; state: string }[] };
    if (detail.state === 'archived') {
      open.delete(runId);
      return;
    }
    if (run.flow === 'long' && !run.cancelled && detail.nodes.some((node) => node.state === 'running')) {
      const cancel = await api(`/api/runs/${runId}/cancel`, { body: {} });
      if (cancel) run.steered = `cancel: ${cancel.status} ${await cancel.text().catch(() => '')}`;
      if (cancel && (cancel.status < 300 || cancel.status === 409)) run.cancelled = true;
    }
    // A 202 means forwarded to the runner: an answer lost with a cut link or a lost signal between hubs leaves
    // the node awaiting input, and is given again (docs/api.md).
    if (run.flow === 'ask' && Date.now() - (run.answeredAt ?? 0) > 10_000) {
      if (detail.nodes.some((node) => node.id === 'ask' && node.state === 'awaiting-input')) {
        const word = `w${runId.slice(-8)}`;
        const answer = await api(`/api/runs/${runId}/nodes/ask/data`, { body: { values: { word } } });
        if (answer) run.steered = `form answer: ${answer.status} ${await answer.text().catch(() => '')}`;
        if (answer && answer.status < 300) {
          run.word = word;
          run.answeredAt = Date.now();
        }
      }
    }
  }

  // ---- memory: each hub life's resident size once warmed up, and at the end ---------------------------------------
  const warmRss = new Map<number, number>();
  const sampleWarm = () => {
    for (const hub of fleet?.hubs ?? []) {
      if (warmRss.has(hub.proc.pid) || hub.down || Date.now() - hub.startedAt < 20_000) continue;
      const rss = fleet?.rssMb(hub.proc.pid);
      if (rss !== undefined) warmRss.set(hub.proc.pid, rss);
    }
  };
  const sampler = setInterval(sampleWarm, 1_000);

  // ---- progress, every 20 s: a soak that hangs says where ---------------------------------------------------------
  const progress = setInterval(() => {
    const down = [...(fleet?.hubs ?? []), ...(fleet?.runners ?? [])].filter((item) => item.down || item.frozen);
    say(
      `${Math.round((Date.now() - started) / 1000)} s: ${known.size} runs started, ${open.size} not ended, ${faults.length} faults${down.length > 0 ? `; out now: ${down.map((item) => item.name).join(', ')}` : ''}`,
    );
  }, 20_000);

  // ---- faults: two lanes, each one fault at a time, until the time is up --------------------------------------
  const lane = async () => {
    await sleep(random.int(2_000, 5_000));
    while ((Date.now() < faultsUntil || !enough()) && Date.now() < faultsAtMost) {
      await injectFault({
        fleet: fleet as Fleet,
        random,
        maxOutageMs: 6_000,
        maxDatabaseCutMs: MINUTES > 2 ? 60_000 : 15_000,
        ...(disk?.path ? { fillDisk: (ms: number) => (disk as SmallDisk).fill(ms) } : {}),
        log: faults,
      });
      await sleep(random.int(1_000, 4_000));
    }
  };
  try {
    await Promise.all([lane(), lane()]);
    say(`faults over after ${Math.round((Date.now() - started) / 1000)} s; letting every run end`);
    loading = false;
    await load;
    // Every run ends: once the faults are over, the fleet is whole and nothing holds a run.
    const settleBy = Date.now() + SETTLE_MS;
    while (open.size > 0 && Date.now() < settleBy) await sleep(500);
  } finally {
    // A fault that could not be undone (a hub that would not start again) ends the soak with its error: the load,
    // the steering and the progress lines stop with it rather than run on.
    loading = false;
    steering = false;
    clearInterval(sampler);
    clearInterval(progress);
  }
  await steer;
  const finalRss = new Map((fleet.hubs as FleetHub[]).map((hub) => [hub.proc.pid, fleet?.rssMb(hub.proc.pid)]));

  // ---- the checks -----------------------------------------------------------------------------------------------
  // Every run the database holds, however it was started (a start whose answer was lost in a fault counts too).
  const all: { id: string; flowId: string }[] = [];
  for (let cursor: string | undefined, first = true; first || cursor; first = false) {
    const page = await mustGet<{ runs: { id: string; flowId: string }[]; next?: string }>(
      `/api/runs?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
    );
    all.push(...page.runs);
    cursor = page.next;
  }
  const marks = new Map<string, number>();
  for (const file of readdirSync(join(out, 'marks'))) {
    const runId = file.split('.')[0] as string;
    marks.set(runId, (marks.get(runId) ?? 0) + 1);
  }
  const checked: CheckedRun[] = [];
  for (const { id } of all) {
    const detail = await mustGet<CheckedRun>(`/api/runs/${id}`);
    const log = await mustGetText(`/api/runs/${id}/logs?node=count`);
    const { word, steered } = known.get(id) ?? {};
    checked.push({
      ...detail,
      log,
      executions: marks.get(id) ?? 0,
      ...(word !== undefined ? { word } : {}),
      ...(steered !== undefined ? { steered } : {}),
    });
  }
  const report = checkRuns(checked, endingsInHubLogs(fleet.hubLogLines()));

  await fleet.stop();
  const left = killByEnv('FLOE_SOAK_ID', SOAK_ID);
  const rss = [...finalRss].map(([pid, end]) => ({ pid, warm: warmRss.get(pid), end }));
  const grown = rss.filter((r) => r.warm !== undefined && r.end !== undefined && r.end - r.warm > RSS_MARGIN_MB);

  // ---- the counts ---------------------------------------------------------------------------------------------
  const byFlow = new Map<string, number>();
  const byEnding = new Map<string, number>();
  for (const run of checked) {
    byFlow.set(run.flowId, (byFlow.get(run.flowId) ?? 0) + 1);
    const ending = `${run.result}/${run.reasonCode}`;
    byEnding.set(ending, (byEnding.get(ending) ?? 0) + 1);
  }
  const byFault = new Map<string, number>();
  for (const fault of faults) byFault.set(fault.kind, (byFault.get(fault.kind) ?? 0) + 1);
  const list = (map: Map<string, number>) => [...map].map(([k, v]) => `${k} ${v}`).join(', ');
  say(`runs: ${checked.length} (${list(byFlow)}); endings: ${list(byEnding)}`);
  say(`faults: ${faults.length} (${list(byFault)})`);
  for (const [invariant, count] of Object.entries(report.counts))
    say(`invariant "${invariant}": ${count} of ${checked.length} runs hold`);
  say(
    `invariant "no process died by itself": ${fleet.unexpectedExits.length === 0 ? 'holds' : `${fleet.unexpectedExits.length} did`}`,
  );
  say(`invariant "no process left": ${left.length === 0 ? 'holds' : `${left.length} left (${left.join(', ')})`}`);
  say(
    `invariant "hub memory": ${rss.map((r) => `pid ${r.pid} ${r.warm?.toFixed(0) ?? '?'} → ${r.end?.toFixed(0) ?? '?'} MB`).join('; ')} (at most +${RSS_MARGIN_MB} MB)`,
  );
  say(`took ${Math.round((Date.now() - started) / 1000)} s`);

  const violations = [
    ...report.violations,
    ...(open.size > 0
      ? [
          `${open.size} runs did not end within ${SETTLE_MS / 60_000} min of the last fault: ${[...open].slice(0, 5).join(', ')}`,
        ]
      : []),
    ...(left.length > 0 ? [`${left.length} processes left on the machine: ${left.join(', ')}`] : []),
    ...fleet.unexpectedExits,
    ...grown.map((r) => `hub pid ${r.pid} grew from ${r.warm?.toFixed(0)} MB to ${r.end?.toFixed(0)} MB`),
  ];
  if (violations.length > 0) {
    say(`FAILED (seed ${SEED}):\n  ${violations.join('\n  ')}`);
  }
  expect(violations, `seed ${SEED}`).toEqual([]);
  // Everything in the flows file was exercised.
  expect([...byFlow.keys()].sort()).toEqual(Object.keys(FLOW_RULES).sort());
});
