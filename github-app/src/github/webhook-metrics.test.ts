// `floe_webhook_deliveries_total{outcome}` (docs/operations.md "Metrics"): each delivery GitHub sends is counted
// once, by what became of it, through the real webhook route and the fake GitHub.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGithub, type FakeRepo } from '../../../test/github/fake-github.js';
import { type GithubHarness, startGithubHarness } from '../../../test/github/github-harness.js';
import { pushEvent } from '../../../test/github/webhook-payloads.js';
import { parsePrometheusText, sampleValue } from '../testing/prometheus-text.js';

const FLOE_YAML = `flows:
  - id: build
    triggers: [{id: push, type: push}]
    tasks:
      - {id: say, type: exec, listen: trigger.good, opts: {shell: echo built}}
`;

describe('webhook delivery metrics', () => {
  let fake: FakeGithub;
  let h: GithubHarness;
  let repo: FakeRepo;
  beforeAll(async () => {
    fake = await FakeGithub.start();
    repo = fake.createRepo('acme/metrics', { 'FLOE.yaml': FLOE_YAML });
    h = await startGithubHarness(fake);
  });
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  const outcome = async (name: string) =>
    sampleValue(parsePrometheusText(await h.hub.metrics.scrape()), 'floe_webhook_deliveries_total', { outcome: name });

  it('counts handled deliveries and forged ones apart, each outcome from 0', async () => {
    expect(await outcome('handled')).toBe(0);
    expect(await outcome('bad-signature')).toBe(0);
    const sha = repo.commit({ 'a.txt': 'a\n' }, 'a', 'main');
    const payload = pushEvent(fake, repo, { ref: 'refs/heads/main', after: sha, message: 'a' });
    expect((await h.deliver({ id: 'm-1', event: 'push', payload })).status).toBe(200);
    expect((await h.deliver({ id: 'm-2', event: 'push', payload }, { signWith: 'not-the-secret' })).status).toBe(400);
    expect((await h.deliver({ id: 'm-3', event: 'push', payload }, { signWith: 'not-the-secret' })).status).toBe(400);
    expect(await outcome('handled')).toBe(1);
    expect(await outcome('bad-signature')).toBe(2);
    expect(await outcome('failed')).toBe(0);
  });
});
