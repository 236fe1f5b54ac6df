import { ResolvedFlowSchema } from '@floe/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../store/store.js';
import { type PlanRunner, planDispatch } from './plan-dispatch.js';

const TAGS = ['a', 'b', 'c'];
const FLOWS = ['f1', 'f2', 'f3'];

const runnerArb = fc.record({
  tags: fc.subarray(TAGS),
  slots: fc.integer({ min: 1, max: 3 }),
  sandboxed: fc.boolean(),
});
const runArb = fc.record({
  untrusted: fc.boolean(),
  flowId: fc.constantFrom(...FLOWS),
  hostTags: fc.subarray(TAGS, { maxLength: 2 }),
  resourceTags: fc.subarray(['db', 'cache'], { maxLength: 2 }),
  reuse: fc.boolean(),
  /** -1: waiting; otherwise the index of the runner it is active on (when that runner exists). */
  on: fc.integer({ min: -1, max: 3 }),
});

describe('planDispatch (properties)', () => {
  it('never breaks a dispatch rule, whatever the queue and the runners', () => {
    fc.assert(
      fc.property(fc.array(runnerArb, { maxLength: 4 }), fc.array(runArb, { maxLength: 12 }), (specs, runSpecs) => {
        const runners: PlanRunner[] = specs.map((s, i) => ({
          id: `r${i}`,
          name: `vm-${i}`,
          tags: s.tags,
          slots: s.slots,
          sandboxed: s.sandboxed,
        }));
        // Flow settings are per flow id, as in a repository; the first spec of a flow decides them.
        const flowOf = new Map<string, (typeof runSpecs)[number]>();
        for (const spec of runSpecs) if (!flowOf.has(spec.flowId)) flowOf.set(spec.flowId, spec);
        const used = new Map<string, number>();
        const held = new Set<string>();
        const spaces = new Set<string>();
        const runs: RunRow[] = runSpecs.map((spec, i) => {
          const flow = flowOf.get(spec.flowId) ?? spec;
          let runnerId: string | undefined;
          const runner = spec.on >= 0 ? runners[spec.on] : undefined;
          // Only a consistent starting point: what is active already obeys the rules.
          if (
            runner &&
            flow.hostTags.every((tag) => runner.tags.includes(tag)) &&
            (runner.sandboxed || !spec.untrusted) &&
            (used.get(runner.id) ?? 0) < runner.slots &&
            flow.resourceTags.every((tag) => !held.has(tag)) &&
            !(flow.reuse && spaces.has(`${runner.id}/${spec.flowId}`))
          ) {
            runnerId = runner.id;
            used.set(runner.id, (used.get(runner.id) ?? 0) + 1);
            for (const tag of flow.resourceTags) held.add(tag);
            if (flow.reuse) spaces.add(`${runner.id}/${spec.flowId}`);
          }
          return {
            id: `run-${String(i).padStart(3, '0')}`,
            repo: 'acme',
            flowId: spec.flowId,
            number: i + 1,
            state: runnerId ? 'active' : 'pending',
            ...(runnerId ? { runnerId } : {}),
            trigger: { type: 'manual', data: {} },
            trust: spec.untrusted ? 'untrusted' : 'trusted',
            flow: ResolvedFlowSchema.parse({
              id: spec.flowId,
              name: spec.flowId,
              triggers: [],
              tasks: [],
              'host-tags': flow.hostTags,
              'resource-tags': flow.resourceTags,
              'reuse-space': flow.reuse,
            }),
            epoch: 0,
            lastSeq: 0,
            createdAt: i,
          } satisfies RunRow;
        });

        const plan = planDispatch({ runs, runners });
        const after = runs.map((run) => {
          const offer = plan.offers.find((o) => o.run.id === run.id);
          return offer ? { ...run, runnerId: offer.runner.id } : run;
        });
        const placed = after.filter((run) => run.runnerId !== undefined);
        // Slots, resource tags, reuse-space, host tags.
        for (const runner of runners) {
          expect(placed.filter((run) => run.runnerId === runner.id).length).toBeLessThanOrEqual(runner.slots);
        }
        const tags = placed.flatMap((run) => run.flow['resource-tags']);
        expect(new Set(tags).size).toBe(tags.length);
        const reuse = placed.filter((run) => run.flow['reuse-space']).map((run) => `${run.runnerId}/${run.flowId}`);
        expect(new Set(reuse).size).toBe(reuse.length);
        for (const offer of plan.offers) {
          expect(offer.run.flow['host-tags'].every((tag) => offer.runner.tags.includes(tag))).toBe(true);
          // Untrusted code only where tasks are sandboxed (DESIGN §9).
          if (offer.run.trust !== 'trusted') expect(offer.runner.sandboxed).toBe(true);
        }
        // Every pending run is either offered or has a reason; FIFO: no offered run wants a tag that an earlier
        // waiting run wants.
        for (const run of runs.filter((r) => r.state === 'pending')) {
          const offered = plan.offers.some((o) => o.run.id === run.id);
          expect(offered !== plan.waiting.has(run.id)).toBe(true);
        }
        for (const offer of plan.offers) {
          const earlierWaiting = runs.filter((r) => r.createdAt < offer.run.createdAt && plan.waiting.has(r.id));
          for (const tag of offer.run.flow['resource-tags']) {
            expect(earlierWaiting.some((r) => r.flow['resource-tags'].includes(tag))).toBe(false);
          }
        }
      }),
      { numRuns: 400 },
    );
  });
});
