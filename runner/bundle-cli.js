// Bundles the `floe` command (tsc's dist/cli/floe.js and everything it imports) into dist/cli/main.js and its
// chunks. Node 20 has no compile cache, so loading the ~400 small ES modules of zod, yaml, execa and our packages
// one by one took longer than most tasks: `floe run` of a one-task flow spent 430 ms before this, 220 ms after.
// Each command stays its own chunk, loaded only when it runs.
import { readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const outdir = join(dirname(fileURLToPath(import.meta.url)), 'dist', 'cli');
const CHUNK_PREFIX = 'bundle-';

/**
 * Our modules find files beside them with `new URL(path, import.meta.url)`; in a chunk, import.meta.url is the
 * chunk's, so each of our own modules gets the URL its compiled file had (relative to the chunk, so that the
 * checkout can move).
 */
const keepModuleUrls = {
  name: 'keep-module-urls',
  setup(bundle) {
    bundle.onLoad({ filter: /\.js$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromChunk = `./${relative(outdir, args.path).split(sep).join('/')}`;
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromChunk)}, import.meta.url).href`),
        loader: 'js',
      };
    });
  },
};

for (const name of await readdir(outdir)) {
  if (name.startsWith(CHUNK_PREFIX)) await rm(join(outdir, name));
}
await build({
  entryPoints: { main: join(outdir, 'floe.js') },
  outdir,
  chunkNames: `${CHUNK_PREFIX}[name]-[hash]`,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native or optional modules stay outside: they are loaded (or not) at run time as before.
  external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  // Dependencies written as CommonJS call require(); in an ES module it has to be made.
  banner: {
    js: "import { createRequire as floeCreateRequire } from 'node:module'; const require = floeCreateRequire(import.meta.url);",
  },
  plugins: [keepModuleUrls],
  logLevel: 'warning',
});
