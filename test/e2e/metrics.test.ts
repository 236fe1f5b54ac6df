// `GET /metrics` of a real hub process with a real runner (docs/operations.md "Metrics"): what a run leaves in the
// figures, the runner's own figures arriving through its heartbeats, and the Grafana dashboard of docs/ checked
// against this very output — every metric its PromQL names is one the hub serves.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../../github-app/src/testing/prometheus-text.js';
import {
  type HubProcess,
  killSpawned,
  makeGitRepo,
  makeTempDir,
  removeTempDirs,
  startHub,
  startRunner,
  WORKSPACE_ROOT,
  waitFor,
} from '../support/index.js';

const FLOWS = `
flows:
  - id: hello
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: "echo hello from a task"}}
`;

let hub: HubProcess;

beforeAll(async () => {
  const repo = makeTempDir('floe-repo-');
  makeGitRepo(repo, { 'FLOE.yaml': FLOWS });
  hub = await startHub({ repos: [repo], heartbeatMs: 200 });
  const runner = startRunner({ hub: hub.url, token: await hub.runnerToken(), name: 'vm-metrics' });
  await runner.waitForOutput('connected to the hub');
}, 120_000);
afterAll(async () => {
  await killSpawned();
  removeTempDirs();
});

const scrape = async () => {
  const response = await hub.request('/metrics');
  expect(response.status).toBe(200);
  return response.text();
};

/** The metric names a PromQL expression reads (functions, keywords, labels, strings and ranges left out). */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\$\w+/g, ' ');
  const keywords = new Set(['and', 'or', 'unless', 'bool', 'offset']);
  return [...bare.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(?!\s*\()/g)]
    .map((match) => match[1] as string)
    .filter((name) => !keywords.has(name) && !/^\d/.test(name));
}

describe('GET /metrics on a running hub', () => {
  it('counts a run that ran on a real runner, and shows the figures the runner reports', async () => {
    const { runId } = await hub.json<{ runId: string }>('/api/flows/hello/runs', { body: {} });
    await waitFor(async () => (await hub.json<{ state: string }>(`/api/runs/${runId}`)).state === 'archived', {
      what: 'the run to end',
    });
    const samples = await waitFor(
      async () => {
        const parsed = parsePrometheusText(await scrape());
        // A heartbeat sent while the run's last records were on their way counts them; a later one does not.
        const drained = sampleValue(parsed, 'floe_runner_unacked_records', { runner: 'vm-metrics' }) === 0;
        return drained && sampleValue(parsed, 'floe_runner_runs', { runner: 'vm-metrics' }) === 0 && parsed;
      },
      { what: "the runner's own figures on a heartbeat, once it holds nothing" },
    );
    expect(sampleValue(samples, 'floe_runs', { state: 'archived', result: 'good' })).toBe(1);
    expect(sampleValue(samples, 'floe_runs', { state: 'pending' })).toBe(0);
    expect(sampleValue(samples, 'floe_dispatch_latency_seconds_count')).toBe(1);
    expect(sampleValue(samples, 'floe_log_bytes_written_total')).toBeGreaterThanOrEqual('hello from a task\n'.length);
    expect(sampleValue(samples, 'floe_runners', { state: 'connected' })).toBe(1);
    expect(sampleValue(samples, 'floe_runner_slots', { state: 'free' })).toBe(1);
    expect(sampleValue(samples, 'floe_runner_cpu_seconds', { runner: 'vm-metrics' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'floe_runner_resident_memory_bytes', { runner: 'vm-metrics' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('serves every metric the Grafana dashboard of docs/ queries', async () => {
    const dashboard = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'docs', 'grafana-dashboard.json'), 'utf8')) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    const text = await scrape();
    // Declared names (`# TYPE`), so that a counter with no sample yet (no notification sent) still counts, and the
    // series a histogram is queried by.
    const served = new Set<string>();
    for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      served.add(name as string);
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) served.add(`${name}${suffix}`);
    }
    const used = new Map<string, string>();
    for (const panel of dashboard.panels)
      for (const target of panel.targets) for (const name of metricNames(target.expr)) used.set(name, panel.title);
    // The extraction itself is checked: a dashboard of 18 panels names well over a dozen metrics.
    expect(used.size).toBeGreaterThan(15);
    const missing = [...used].filter(([name]) => !served.has(name)).map(([name, panel]) => `${name} (${panel})`);
    expect(missing).toEqual([]);
  });

  it('reads metric names out of PromQL, and only those', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, method) (rate(floe_store_query_seconds_bucket{job=~"$job", x="a{b}"}[5m])))',
      ),
    ).toEqual(['floe_store_query_seconds_bucket']);
    expect(metricNames('max(floe_a) / on (instance) floe_b * 1e9 and floe_c offset 5m')).toEqual([
      'floe_a',
      'floe_b',
      'floe_c',
    ]);
  });
});
