import { type ResolvedFlow, ResolvedFlowSchema } from '@floe/shared';
import { describe, expect, it } from 'vitest';
import type { RunRow } from '../store/store.js';
import { type PlanRunner, planDispatch } from './plan-dispatch.js';

let counter = 0;
function run(flowId: string, flow: Partial<ResolvedFlow> = {}, over: Partial<RunRow> = {}): RunRow {
  counter += 1;
  return {
    id: `run-${String(counter).padStart(3, '0')}`,
    repo: 'acme',
    flowId,
    number: counter,
    state: 'pending',
    trigger: { type: 'manual', data: {} },
    trust: 'trusted',
    flow: ResolvedFlowSchema.parse({ id: flowId, name: flowId, triggers: [], tasks: [], ...flow }),
    epoch: 0,
    lastSeq: 0,
    createdAt: counter,
    ...over,
  };
}
const runner = (name: string, tags: string[] = [], slots = 1, sandboxed = true): PlanRunner => ({
  id: `id-${name}`,
  name,
  tags,
  slots,
  sandboxed,
});
const offers = (plan: ReturnType<typeof planDispatch>) => plan.offers.map((o) => `${o.run.flowId}->${o.runner.name}`);

describe('planDispatch', () => {
  it('offers nothing to a drained runner, and a run that only it matches says it waits for a drained runner', () => {
    const [a, b] = [run('build'), run('build')];
    const drained = { ...runner('vm-old', [], 4), drained: true };
    const plan = planDispatch({ runs: [a, b] as RunRow[], runners: [drained, runner('vm-new')] });
    expect(offers(plan)).toEqual(['build->vm-new']);
    expect(plan.waiting.get(b?.id ?? '')).toBe('all 2 matching runners are busy (vm-old is drained, vm-new 1/1)');
    const alone = planDispatch({ runs: [run('build')], runners: [drained] });
    expect(alone.offers).toEqual([]);
    expect([...alone.waiting.values()]).toEqual(['the one matching runner is busy (vm-old is drained)']);
  });

  it('offers a run only to runners that have every host tag', () => {
    const gpu = run('train', { 'host-tags': ['gpu', 'linux'] });
    const plan = planDispatch({
      runs: [gpu],
      runners: [runner('vm-1', ['linux']), runner('vm-2', ['linux', 'gpu', 'big'])],
    });
    expect(offers(plan)).toEqual(['train->vm-2']);
  });

  it('says which tags no connected runner has', () => {
    const gpu = run('train', { 'host-tags': ['gpu', 'linux'] });
    const plan = planDispatch({ runs: [gpu], runners: [runner('vm-1', ['linux'])] });
    expect(plan.waiting.get(gpu.id)).toBe('no connected runner has tags gpu, linux');
    expect(planDispatch({ runs: [gpu], runners: [] }).waiting.get(gpu.id)).toBe('no runner is connected');
  });

  it('offers an untrusted run only to a runner that sandboxes its tasks, and says why it waits without one', () => {
    const fork = run('pr', {}, { trust: 'untrusted' });
    const trusted = run('main');
    const plan = planDispatch({ runs: [fork, trusted], runners: [runner('bare', [], 2, false)] });
    expect(offers(plan)).toEqual(['main->bare']);
    expect(plan.waiting.get(fork.id)).toBe(
      'an untrusted run goes only to a runner that sandboxes its tasks, and the one matching runner (bare) does not',
    );
    const both = planDispatch({ runs: [fork], runners: [runner('bare', [], 1, false), runner('boxed')] });
    expect(offers(both)).toEqual(['pr->boxed']);
  });

  it('keeps a run pending while its resource tag is held, naming the holder', () => {
    const holder = run('deploy', { 'resource-tags': ['db'] }, { state: 'active', runnerId: 'id-vm-1' });
    const waiting = run('migrate', { 'resource-tags': ['db'] });
    const plan = planDispatch({ runs: [holder, waiting], runners: [runner('vm-1', [], 2), runner('vm-2')] });
    expect(plan.offers).toEqual([]);
    expect(plan.waiting.get(waiting.id)).toBe(`resource tag db is held by run #${holder.number} (deploy)`);
  });

  it('never lets a later run overtake an earlier waiting run that wants the same tag', () => {
    const holder = run('deploy', { 'resource-tags': ['db'] }, { state: 'active', runnerId: 'id-vm-1' });
    const first = run('migrate', { 'resource-tags': ['db'], 'host-tags': ['gpu'] });
    const later = run('report', { 'resource-tags': ['db'] });
    const other = run('lint');
    const plan = planDispatch({ runs: [holder, first, later, other], runners: [runner('vm-1', [], 3)] });
    expect(offers(plan)).toEqual(['lint->vm-1']);
    expect(plan.waiting.get(later.id)).toBe(`resource tag db is held by run #${holder.number} (deploy)`);
    const freed = planDispatch({ runs: [first, later], runners: [runner('vm-1', [], 3)] });
    expect(freed.waiting.get(later.id)).toBe(`waiting behind run #${first.number} (migrate) for resource tag db`);
  });

  it('gives a free resource tag to the earliest run and holds it against the rest of the pass', () => {
    const a = run('a', { 'resource-tags': ['db'] });
    const b = run('b', { 'resource-tags': ['db', 'cache'] });
    const plan = planDispatch({ runs: [a, b], runners: [runner('vm-1', [], 4)] });
    expect(offers(plan)).toEqual(['a->vm-1']);
    expect(plan.waiting.get(b.id)).toBe(`resource tag db is held by run #${a.number} (a)`);
  });

  it('counts offered and active runs against slots and says which runners are full', () => {
    const busy1 = run('x', {}, { state: 'active', runnerId: 'id-vm-1' });
    const busy2 = run('y', {}, { runnerId: 'id-vm-2' });
    const waiting = run('z');
    const plan = planDispatch({ runs: [busy1, busy2, waiting], runners: [runner('vm-1'), runner('vm-2')] });
    expect(plan.waiting.get(waiting.id)).toBe('all 2 matching runners are busy (vm-1 1/1, vm-2 1/1)');
    expect(plan.waiting.get(busy2.id)).toBe('offered to vm-2, waiting for it to accept');
  });

  it('fills the least loaded runner first', () => {
    const runs = [run('a'), run('b'), run('c')];
    const plan = planDispatch({ runs, runners: [runner('vm-1', [], 2), runner('vm-2', [], 1)] });
    expect(offers(plan)).toEqual(['a->vm-1', 'b->vm-2', 'c->vm-1']);
  });

  it('never puts two runs of one reuse-space flow on the same runner, but lets other flows share it', () => {
    const running = run('site', { 'reuse-space': true }, { state: 'active', runnerId: 'id-vm-1' });
    const again = run('site', { 'reuse-space': true });
    const other = run('docs', { 'reuse-space': true });
    const plan = planDispatch({ runs: [running, again, other], runners: [runner('vm-1', [], 4)] });
    expect(offers(plan)).toEqual(['docs->vm-1']);
    expect(plan.waiting.get(again.id)).toBe(
      `the one matching runner is busy (vm-1 is running run #${running.number} of this flow, which shares its workspace)`,
    );
    const two = planDispatch({ runs: [running, again], runners: [runner('vm-1', [], 4), runner('vm-2')] });
    expect(offers(two)).toEqual(['site->vm-2']);
  });

  it('sends a retry from a node only to the runner holding the workspace', () => {
    const pinned = run('build', {}, { pinnedRunnerId: 'id-vm-2' });
    const away = planDispatch({
      runs: [pinned],
      runners: [runner('vm-1')],
      runnerNames: new Map([['id-vm-2', 'vm-2']]),
    });
    expect(away.waiting.get(pinned.id)).toBe(
      'waiting for runner vm-2, which holds the workspace of the run it retries; it is not connected',
    );
    expect(offers(planDispatch({ runs: [pinned], runners: [runner('vm-1'), runner('vm-2')] }))).toEqual([
      'build->vm-2',
    ]);
  });

  it('leaves out a runner that declined the run, and says so', () => {
    const r = run('a');
    const avoid = new Map([[r.id, new Map([['id-vm-1', 'declined it (no space)']])]]);
    const plan = planDispatch({ runs: [r], runners: [runner('vm-1')], avoid });
    expect(plan.waiting.get(r.id)).toBe('the one matching runner is busy (vm-1 declined it (no space))');
    expect(offers(planDispatch({ runs: [r], runners: [runner('vm-1'), runner('vm-2')], avoid }))).toEqual(['a->vm-2']);
  });
});
