import { z } from '@floe/shared';
import { HubFailure } from './hub-failure.js';

const RegisteredSchema = z.object({ runnerId: z.string().min(1), credential: z.string().min(1) });
export type Registered = z.infer<typeof RegisteredSchema>;

/**
 * Exchanges a one-time registration token for this runner's credential: `POST <hub>/api/runners/register`
 * (DESIGN §5 "Runner auth"). Rejects with a HubFailure: `http` 401 for a token that is unknown, expired or used
 * (not retryable), `network` when the hub cannot be reached (retryable).
 */
export async function registerRunner(hubUrl: string, token: string, name: string): Promise<Registered> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/runners/register', hubUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    throw new HubFailure({ kind: 'network', message: `cannot reach ${hubUrl}: ${causeOf(err)}` });
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const said = z.object({ message: z.string() }).safeParse(body);
    const message =
      response.status === 401
        ? 'registration token rejected (unknown, expired or already used); ask an admin for a new one: floe runner token'
        : `the hub answered ${response.status}${said.success ? `: ${said.data.message}` : ''}`;
    throw new HubFailure({ kind: 'http', status: response.status, message });
  }
  const registered = RegisteredSchema.safeParse(body);
  if (!registered.success)
    throw new HubFailure({ kind: 'http', status: 502, message: 'the hub answered the registration with nonsense' });
  return registered.data;
}

/** fetch hides the reason (ECONNREFUSED …) in `cause`. */
export function causeOf(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}
