// `pnpm bench cache`: issue 19's benchmark. A node_modules of 50,000 small files (2,500 packages of 20 files,
// 40–400 bytes each, in nested folders): a cache save and a restore (cache-op.js: runner/src/cache, a separate
// Node process each, start-up included) against GNU `tar -cf` and `tar -xf` of the same folder, in the same run.
// Each figure is the median of 3 after a warm-up; the restore goes into an emptied folder every time.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, timed, withTempDir } from './bench-support.js';

const PACKAGES = 2500;
const FILES_PER_PACKAGE = 20;

function makeNodeModules(workspace) {
  for (let p = 0; p < PACKAGES; p++) {
    const pkg = join(workspace, 'node_modules', `pkg-${p}`);
    mkdirSync(join(pkg, 'lib', 'util'), { recursive: true });
    for (let f = 0; f < FILES_PER_PACKAGE; f++) {
      const dir = f < 2 ? pkg : f < 12 ? join(pkg, 'lib') : join(pkg, 'lib', 'util');
      const name = f === 0 ? 'package.json' : f === 1 ? 'index.js' : `file-${f}.js`;
      writeFileSync(join(dir, name), `// pkg-${p} ${name}\n${'x'.repeat(40 + ((p * 31 + f * 17) % 360))}\n`);
    }
  }
}

const check = (result, what) => {
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}`);
  return result;
};

await withTempDir(async (dir) => {
  const source = join(dir, 'source');
  makeNodeModules(source);
  const op = new URL('./cache-op.js', import.meta.url).pathname;
  const into = join(dir, 'into');
  const emptied = () => {
    rmSync(into, { recursive: true, force: true });
    mkdirSync(into);
  };
  const freshStore = (name) => {
    rmSync(join(dir, name), { recursive: true, force: true });
    mkdirSync(join(dir, name));
    return join(dir, name);
  };

  const floeSave = await median(3, () =>
    timed(process.execPath, [op, 'save', source, freshStore('store')]).then((r) => check(r, 'cache save')),
  );
  const tarSave = await median(3, () =>
    timed('tar', ['-cf', join(freshStore('tar'), 'cache.tar'), '-C', source, 'node_modules']).then((r) =>
      check(r, 'tar -cf'),
    ),
  );
  // The store and tar archive the last save left are what the restores read.
  const floeRestore = await median(3, () => {
    emptied();
    return timed(process.execPath, [op, 'restore', into, join(dir, 'store')]).then((r) => check(r, 'cache restore'));
  });
  const tarRestore = await median(3, () => {
    emptied();
    return timed('tar', ['-xf', join(dir, 'tar', 'cache.tar'), '-C', into]).then((r) => check(r, 'tar -xf'));
  });

  const rows = [
    ['cache of 50,000 files', 'floe', 'tar', 'ratio', 'CPU floe / tar', 'floe peak RSS'],
    ...[
      ['save', floeSave, tarSave],
      ['restore', floeRestore, tarRestore],
    ].map(([name, floe, tar]) => [
      name,
      `${(floe.ms / 1000).toFixed(2)}s`,
      `${(tar.ms / 1000).toFixed(2)}s`,
      (floe.ms / tar.ms).toFixed(2),
      `${(floe.cpuMs / 1000).toFixed(2)}s / ${(tar.cpuMs / 1000).toFixed(2)}s`,
      `${floe.peakMb.toFixed(0)} MB`,
    ]),
  ];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows)
    console.log(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );
});
