// One side of the cache benchmark (cache.js), as its own process so that its time, CPU and peak memory are
// measured like `tar`'s: `node cache-op.js save WORKSPACE STORE` saves WORKSPACE/node_modules under a key the way a
// runner does after a task (runner/src/cache: packCache into LocalCacheStore); `restore WORKSPACE STORE` restores
// it into an empty WORKSPACE the way a runner does before one (find, then unpackCache).
import { join } from 'node:path';
import { repoRoot } from './bench-support.js';

const dist = join(repoRoot, 'runner/dist/cache');
const { LocalCacheStore } = await import(join(dist, 'local-cache-store.js'));
const { packCache } = await import(join(dist, 'pack-cache.js'));
const { unpackCache } = await import(join(dist, 'unpack-cache.js'));

const [op, workspace, storeDir] = process.argv.slice(2);
const store = new LocalCacheStore(storeDir, 8 * 2 ** 30);
const space = 'trusted\nrepo:bench/bench';
if (op === 'save') {
  const saved = await store.save(space, 'npm-bench', (into) => packCache(workspace, ['node_modules'], into));
  if (saved.kind !== 'saved') throw new Error(`not saved: ${JSON.stringify(saved)}`);
} else if (op === 'restore') {
  const hit = await store.find(space, 'npm-bench', []);
  if (!hit) throw new Error('no cache to restore');
  const unpacked = await unpackCache(await hit.open(), workspace, ['node_modules']);
  if (unpacked.refused.length) throw new Error(`refused: ${unpacked.refused.slice(0, 3).join('; ')}`);
} else throw new Error(`usage: cache-op.js save|restore WORKSPACE STORE (got ${op})`);
