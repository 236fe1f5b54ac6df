// Bundles the extension into one CommonJS file, dist/extension.js, with esbuild (VS Code loads extensions with
// require; `vscode` is provided by the editor). @floe/shared is bundled from its TypeScript source (the "source"
// export condition) and @dagrejs/dagre (the graphs' layout) with it, so the .vsix needs no node_modules
// (`vsce package --no-dependencies`).
// `--production` minifies; `--suite` also bundles the extension-host integration suite (src/integration/) for
// test/vscode/run-vscode-tests.mjs.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const withSuite = process.argv.includes('--suite');

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  conditions: ['source'],
  // `ws` (the live API's socket in Node 20) is a dependency of the runner package in this workspace; resolving it
  // from there keeps this package's dependencies to @floe/shared and dagre. Its optional native helpers stay out.
  nodePaths: [join(here, '..', 'runner', 'node_modules')].filter(existsSync),
  external: ['vscode', 'bufferutil', 'utf-8-validate'],
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: [join(here, 'src', 'extension.ts')],
  outfile: join(here, 'dist', 'extension.js'),
});
if (withSuite) {
  await build({
    ...common,
    entryPoints: [join(here, 'src', 'integration', 'index.ts')],
    outfile: join(here, 'dist', 'integration', 'index.js'),
    // mocha is loaded from node_modules at run time: it requires its own files dynamically.
    external: [...common.external, 'mocha'],
  });
}
