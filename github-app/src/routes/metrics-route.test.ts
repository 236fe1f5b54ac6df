import { afterEach, describe, expect, it } from 'vitest';
import { parsePrometheusText, sampleValue } from '../testing/prometheus-text.js';
import { ADMIN_TOKEN, startTestHub, type TestHub } from '../testing/start-test-hub.js';

const FLOE_YAML = `flows:
  - id: build
    tasks:
      - {id: compile, type: exec, listen: trigger.good, opts: {cmd: make}}
`;

let h: TestHub | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const scrape = async (hub: TestHub, token?: string) => {
  const response = await fetch(`${hub.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
};

describe('GET /metrics', () => {
  it('needs a viewer token by default, and answers it in Prometheus text format', async () => {
    h = await startTestHub({ app: FLOE_YAML });
    expect((await scrape(h)).status).toBe(401);
    expect((await scrape(h, 'not-a-token-of-this-hub')).status).toBe(401);
    const answer = await scrape(h, await h.token('viewer'));
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const samples = parsePrometheusText(answer.text);
    expect(sampleValue(samples, 'floe_hub_info')).toBe(1);
    // Node's process metrics come along.
    expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('is served without a token when the hub is told to make it public', async () => {
    h = await startTestHub({ app: FLOE_YAML }, { metricsPublic: true });
    const answer = await scrape(h);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('floe_runs');
    // Public metrics open nothing else.
    expect((await fetch(`${h.url}/api/runs`)).status).toBe(401);
  });

  it('counts runs by list and result, the queue and its oldest run, runners and slots, as the store has them', async () => {
    let now = Date.now();
    h = await startTestHub({ app: FLOE_YAML }, { now: () => now });
    const admin = { name: 'admin', role: 'admin' } as const;
    const first = await h.hub.startRun('build', { repo: 'app' }, admin);
    await h.hub.startRun('build', { repo: 'app' }, admin);
    now += 90_000;
    let samples = parsePrometheusText((await scrape(h, ADMIN_TOKEN)).text);
    expect(sampleValue(samples, 'floe_runs', { state: 'pending' })).toBe(2);
    expect(sampleValue(samples, 'floe_queue_depth')).toBe(2);
    expect(sampleValue(samples, 'floe_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(90);
    expect(sampleValue(samples, 'floe_runners', { state: 'connected' })).toBe(0);

    const runner = await h.connectRunner('vm-1');
    const run = await runner.takeRun(first);
    await run.start();
    await run.log('compile', 'héllo\n');
    await h.hub.cancelRun(first, admin);
    samples = parsePrometheusText((await scrape(h, ADMIN_TOKEN)).text);
    expect(sampleValue(samples, 'floe_runners', { state: 'connected' })).toBe(1);
    expect(sampleValue(samples, 'floe_runners', { state: 'sandboxed' })).toBe(1);
    expect(sampleValue(samples, 'floe_dispatch_latency_seconds_count')).toBe(1);
    expect(sampleValue(samples, 'floe_dispatch_latency_seconds_sum')).toBeGreaterThanOrEqual(90);
    // "héllo\n" is 7 bytes of UTF-8, not 6 characters.
    expect(sampleValue(samples, 'floe_log_bytes_written_total')).toBe(7);
    expect(sampleValue(samples, 'floe_store_bytes')).toBeGreaterThan(0);
    expect(sampleValue(samples, 'floe_store_query_seconds_count', { method: 'acceptRun' })).toBe(1);
  });
});
