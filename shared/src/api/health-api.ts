// `GET /healthz` and `GET /readyz` (DESIGN §8 "Links and health"): open to all, for load balancers and `floe up`.
import { z } from 'zod';

/** `/healthz`: 200 while the hub answers at all; `problems` says what keeps it from its work (its database away). */
export const HealthSchema = z.object({
  ok: z.literal(true),
  version: z.string(),
  // Hubs before it say nothing of problems.
  problems: z.array(z.string()).default([]),
});
export type Health = z.infer<typeof HealthSchema>;

/** `/readyz`: 200 with `ready: true`, or 503 with the problems while the hub cannot do its work. */
export const ReadinessSchema = z.object({ ready: z.boolean(), problems: z.array(z.string()) });
export type Readiness = z.infer<typeof ReadinessSchema>;
