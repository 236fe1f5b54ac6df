// Benchmark (a) of issue 2: per-task overhead. 100 sequential `true` tasks through `floe run`, against
// `sh -c true` run 100 times from bash. Target: ratio ≤ 3.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { floeRun, median, timed, withTempDir } from './bench-support.js';

const TASKS = 100;
// The floor under any Node runner: Node starting, then spawning `true` in its own group with two pipes, one
// after another, with nothing else (no engine, no execa, no logs).
const NODE_FLOOR = `const { spawn } = require('node:child_process');
(async () => {
  for (let i = 0; i < ${TASKS}; i++) {
    await new Promise((done) => spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }).on('close', done));
  }
})();`;

export async function taskOverhead() {
  return withTempDir(async (dir) => {
    const lines = ['id: seq', 'tasks:'];
    for (let i = 1; i <= TASKS; i++) {
      lines.push(`  - id: t${i}`, '    type: exec', `    listen: ${i === 1 ? 'trigger.good' : `task.t${i - 1}.good`}`);
      lines.push('    opts: {cmd: "true"}');
    }
    await writeFile(join(dir, 'FLOE.yaml'), `${lines.join('\n')}\n`);
    await writeFile(join(dir, 'one.yaml'), `${lines.slice(0, 6).join('\n')}\n`);
    const floe = await median(3, () => floeRun(dir));
    const one = await median(3, () => floeRun(dir, 'one.yaml'));
    const baseline = await median(3, () =>
      timed('bash', ['-c', `for i in $(seq ${TASKS}); do sh -c true; done`], { cwd: dir }),
    );
    const floor = await median(3, () => timed(process.execPath, ['-e', NODE_FLOOR], { cwd: dir }));
    // Start-up (node, module loading, parsing) is paid once; the marginal cost of a task is what grows with a flow.
    const perTask = (floe.ms - one.ms) / (TASKS - 1);
    const note = [
      `(a) per task: floe ${perTask.toFixed(1)} ms marginal ((${TASKS} tasks - 1 task) / ${TASKS - 1}), start-up and one task ${one.ms.toFixed(0)} ms; sh -c true ${(baseline.ms / TASKS).toFixed(1)} ms`,
      `(a) the Node floor: node starting and spawning true ${TASKS} times, nothing else: ${(floor.ms / 1000).toFixed(2)} s = ${(floor.ms / baseline.ms).toFixed(1)}× bash`,
    ].join('\n');
    return { name: `(a) ${TASKS} sequential tasks`, floe, baseline, target: 3, note };
  });
}
