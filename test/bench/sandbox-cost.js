// What the task sandbox costs (docs/security.md "The runner sandbox"): the same flows through `floe run`, plain and
// with `--sandbox` (bubblewrap, and as root the floe-task user: the runner's default), in the same run. Two shapes:
// 50 sequential shell tasks (`shell: "true"`, which take warm shells: a sandboxed run keeps its warm shell inside the
// run's sandbox) and 50 sequential `cmd` tasks (no shell, so each starts bwrap cold). The marginal cost of a task is
// ((50 tasks) - (1 task)) / 49, so start-up is paid once on both sides. Target: a sandboxed run of 50 warm shell
// tasks within 2× the plain one. Needs root (or unprivileged user namespaces), bwrap and the floe-task user.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { floeMain, median, timed, withTempDir } from './bench-support.js';

const TASKS = 50;

function flow(kind, count) {
  const lines = ['id: seq', 'tasks:'];
  for (let i = 1; i <= count; i++) {
    lines.push(`  - id: t${i}`, '    type: exec', `    listen: ${i === 1 ? 'trigger.good' : `task.t${i - 1}.good`}`);
    lines.push(kind === 'shell' ? '    opts: {shell: "true"}' : '    opts: {cmd: "true"}');
  }
  return `${lines.join('\n')}\n`;
}

async function run(dir, file, sandbox) {
  const args = [floeMain, 'run', file, '--json', '--work-dir', join(dir, 'work'), ...(sandbox ? ['--sandbox'] : [])];
  const result = await timed(process.execPath, args, { cwd: dir, capture: true });
  if (result.code !== 0)
    throw new Error(`floe run ${sandbox ? '--sandbox ' : ''}exited ${result.code}: ${result.stdout}`);
  return result;
}

export async function sandboxCost() {
  return withTempDir(async (dir) => {
    for (const kind of ['shell', 'cmd']) {
      await writeFile(join(dir, `${kind}.yaml`), flow(kind, TASKS));
      await writeFile(join(dir, `${kind}-one.yaml`), flow(kind, 1));
    }
    const measured = {};
    for (const kind of ['shell', 'cmd']) {
      for (const sandbox of [false, true]) {
        // Alternated, so that a change in the machine's load falls on both sides.
        const many = await median(3, () => run(dir, `${kind}.yaml`, sandbox));
        const one = await median(3, () => run(dir, `${kind}-one.yaml`, sandbox));
        measured[`${kind}-${sandbox}`] = { many, one, perTask: (many.ms - one.ms) / (TASKS - 1) };
      }
    }
    const line = (kind) => {
      const plain = measured[`${kind}-false`];
      const boxed = measured[`${kind}-true`];
      return `(s) ${kind} tasks: ${plain.perTask.toFixed(1)} ms a task plain, ${boxed.perTask.toFixed(1)} ms sandboxed (+${(boxed.perTask - plain.perTask).toFixed(1)} ms); start-up and one task ${plain.one.ms.toFixed(0)} ms plain, ${boxed.one.ms.toFixed(0)} ms sandboxed`;
    };
    return {
      name: `(s) ${TASKS} shell tasks, sandboxed vs plain`,
      floe: measured['shell-true'].many,
      baseline: measured['shell-false'].many,
      target: 2,
      note: `${line('shell')}\n${line('cmd')}\n(s) ${TASKS} cmd tasks: ${(measured['cmd-true'].many.ms / 1000).toFixed(2)} s sandboxed vs ${(measured['cmd-false'].many.ms / 1000).toFixed(2)} s plain = ${(measured['cmd-true'].many.ms / measured['cmd-false'].many.ms).toFixed(2)}×`,
    };
  });
}
