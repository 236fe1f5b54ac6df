// Benchmark (b) of issue 2: a 200-node fan-out/fan-in graph (a start task, 197 parallel tasks, a merge of all of
// them, an end) through `floe run`, against the same graph as a Makefile run with `make -j2`. Target: ≤ 2, and a
// peak resident memory (VmHWM) of `floe run` ≤ 80 MB (issue 23).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { floeRun, median, timed, withTempDir } from './bench-support.js';

const BRANCHES = 197;
// The floor under any Node runner: Node starting, one spawn of `true`, then the branches all at once, then two
// more, each in its own group with two pipes, with nothing else (no engine, no execa, no logs).
const NODE_FLOOR = `const { spawn } = require('node:child_process');
const run = () => new Promise((done) => spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true }).on('close', done));
(async () => {
  await run();
  await Promise.all(Array.from({ length: ${BRANCHES} }, run));
  await run();
  await run();
})();`;

export async function fanOut() {
  return withTempDir(async (dir) => {
    const ids = Array.from({ length: BRANCHES }, (_, i) => `b${i + 1}`);
    const lines = ['id: fan', 'tasks:', '  - id: start', '    type: exec', '    listen: trigger.good'];
    lines.push('    opts: {cmd: "true"}');
    for (const id of ids) {
      lines.push(`  - id: ${id}`, '    type: exec', '    listen: task.start.good', '    opts: {cmd: "true"}');
    }
    lines.push(
      '  - id: all',
      '    class: merge',
      '    type: all',
      `    wait: [${ids.map((id) => `task.${id}.good`).join(', ')}]`,
    );
    lines.push('  - id: done', '    type: end', '    listen: merge.all.good');
    await writeFile(join(dir, 'FLOE.yaml'), `${lines.join('\n')}\n`);

    const make = ['.PHONY: done all start ' + ids.join(' '), 'done: all', 'all: ' + ids.join(' ')];
    for (const id of ids) make.push(`${id}: start`, '\ttrue');
    make.push('start:', '\ttrue');
    await writeFile(join(dir, 'Makefile'), `${make.join('\n')}\n`);

    const floe = await median(3, () => floeRun(dir));
    const baseline = await median(3, () => timed('make', ['-s', '-j2', '-f', join(dir, 'Makefile')], { cwd: dir }));
    const floor = await median(3, () => timed(process.execPath, ['-e', NODE_FLOOR], { cwd: dir }));
    const note = `(b) the Node floor: node starting and spawning true ${BRANCHES + 3} times in this shape, nothing else: ${(floor.ms / 1000).toFixed(2)} s = ${(floor.ms / baseline.ms).toFixed(1)}× make`;
    return { name: `(b) fan-out/fan-in, ${BRANCHES + 3} nodes`, floe, baseline, target: 2, memoryTargetMb: 80, note };
  });
}
