// The floe version of this hub, from its package.json (the one main.ts reads for `/healthz`): the runners view compares
// each runner's with it to say who needs an update (runners/runner-update.ts).
import { readFileSync } from 'node:fs';

export const HUB_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
