// Benchmark (c) of issue 2: one task printing ~200 MB (base64 of 150 MB of random bytes) through `floe run`,
// against the same command writing into a file. Targets: ≤ 2× the time, and the floe process's peak RSS
// (VmHWM) ≤ 150 MB.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { floeRun, median, timed, withTempDir } from './bench-support.js';

const COMMAND = 'head -c 150000000 /dev/urandom | base64';

export async function bigOutput() {
  return withTempDir(async (dir) => {
    await writeFile(
      join(dir, 'FLOE.yaml'),
      [
        'id: noisy',
        'tasks:',
        '  - id: print',
        '    type: exec',
        '    listen: trigger.good',
        `    opts: {shell: "${COMMAND}"}`,
        '',
      ].join('\n'),
    );
    const floe = await median(3, () => floeRun(dir));
    const baseline = await median(3, () => timed('bash', ['-c', `${COMMAND} > ${join(dir, 'out.txt')}`], { cwd: dir }));
    return { name: '(c) one task printing 200 MB', floe, baseline, target: 2, memoryTargetMb: 150 };
  });
}
