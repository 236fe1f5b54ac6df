import type { Env, ResolvedFlow } from '@floe/shared';

const SECRET_REF = /\{\{\s*secret\.([A-Za-z0-9_.-]+)\s*\}\}/g;

/**
 * The flow with every `{{secret.NAME}}` in `env` values (the flow's and each exec task's) replaced by the value
 * the hub sent (DESIGN §3). Only env values take secrets: a secret in `cmd` or `args` would show in process
 * listings. A name the spec does not hold becomes the empty string (the hub checks names before a run is made,
 * DESIGN §8 "Lint severities"). The flow given is not changed.
 */
export function injectSecrets(flow: ResolvedFlow, secrets: Record<string, string>): ResolvedFlow {
  const fill = (env: Env | undefined): Env | undefined => {
    if (!env) return env;
    const value = (text: string) => text.replace(SECRET_REF, (_, name: string) => secrets[name] ?? '');
    if (Array.isArray(env)) return env.map(value);
    return Object.fromEntries(Object.entries(env).map(([key, v]) => [key, typeof v === 'string' ? value(v) : v]));
  };
  return {
    ...flow,
    env: fill(flow.env),
    tasks: flow.tasks.map((node) =>
      'type' in node && node.type === 'exec' ? { ...node, opts: { ...node.opts, env: fill(node.opts.env) } } : node,
    ),
  };
}
