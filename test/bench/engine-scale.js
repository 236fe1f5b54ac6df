// The engine alone on big graphs: a fan-out/fan-in of N branches (start → N tasks → a merge of all → end), every
// task finishing in turn, as `stepRun` inputs without processes. The runner and the hub each apply every one of
// these inputs, so this is CPU both pay per run. `node test/bench/engine-scale.js [N …]` (default 200 1000 2000).
import { parseFloeFile, startRun, stepRun } from '@floe/shared';

const sizes = process.argv.slice(2).map(Number);
for (const n of sizes.length > 0 ? sizes : [200, 1000, 2000]) {
  const ids = Array.from({ length: n }, (_, i) => `b${i + 1}`);
  const lines = ['id: fan', 'tasks:', '  - {id: start, type: exec, listen: trigger.good, opts: {cmd: "true"}}'];
  for (const id of ids) lines.push(`  - {id: ${id}, type: exec, listen: task.start.good, opts: {cmd: "true"}}`);
  lines.push(`  - {id: all, class: merge, type: all, wait: [${ids.map((id) => `task.${id}.good`).join(', ')}]}`);
  lines.push('  - {id: done, type: end, listen: merge.all.good}');
  const flow = parseFloeFile(`${lines.join('\n')}\n`).flows[0];
  const started = performance.now();
  let at = 0;
  let { state } = startRun(flow, { at });
  for (const node of ['start', ...ids]) {
    const input = { type: 'task-finished', node, attempt: 1, outcome: { kind: 'exited', exitCode: 0 }, at: ++at };
    state = stepRun(flow, state, input).state;
  }
  const ms = performance.now() - started;
  if (state.ended?.result !== 'good') throw new Error(`the ${n}-branch run ended ${state.ended?.reason}`);
  console.log(
    `${n} branches: ${ms.toFixed(0)} ms of engine for ${n + 1} inputs (${((ms / (n + 1)) * 1000).toFixed(0)} µs each)`,
  );
}
