// `GET /healthz` (DESIGN §8 "Links and health"): open to all, for load balancers and `floe up`.
import { z } from 'zod';

export const HealthSchema = z.object({ ok: z.literal(true), version: z.string() });
export type Health = z.infer<typeof HealthSchema>;
