// The live API (DESIGN §8 "Live API"): one WebSocket at /api/live, JSON text frames, every frame validated by
// these schemas on both sides.
//
// The life of a connection, in order:
//  1. The client opens the socket and sends `auth` with an API token first: browsers cannot set headers on a
//     WebSocket. The hub answers `authenticated` (name and role) or `error` with FLOE_UNAUTHENTICATED and closes.
//     A socket that sends no `auth` within 10 s is closed.
//  2. The client sends `subscribe` with an id it chose (`sub`) and a topic; the hub answers `subscribed`, then
//     sends that topic's messages, each carrying the `sub`. `unsubscribe` stops them. Topics:
//     - `runs`: every change to the lists (a run made, dispatched, ended) as `run-changed` with the run's summary.
//     - `run`: one run. A `run` snapshot (state and nodes) at once and after every change, and its engine events
//       as `run-event`, each with the run's `seq`; `after` resumes after a seq the client already has.
//     - `runners`: the whole runner list as `runners`, at once and after every change.
//     - `log`: a node's log from byte offset `from` — the same cursor as GET /api/runs/:runId/logs. First
//       everything stored from `from`, then live appends, with no gap and no repeat between the two; each
//       `log` chunk carries its `offset`, so the client resumes from `offset + byteLength(text)` after a
//       reconnect. `log-end` says the node has finished and its log is complete.
//  3. A frame that is not JSON or not a known message is answered with `error` (FLOE_LIVE_BAD_MESSAGE naming
//     the problem); the socket stays usable.
import { z } from 'zod';
import { RoleSchema } from '../api/auth-api.js';
import { RunnerViewSchema } from '../api/runners-api.js';
import { RunDetailSchema, RunEventViewSchema, RunListStateSchema, RunSummarySchema } from '../api/runs-api.js';

/** Time the hub waits for `auth` before closing the socket. */
export const LIVE_AUTH_TIMEOUT_MS = 10_000;

export const LiveTopicSchema = z.discriminatedUnion('topic', [
  z.object({
    topic: z.literal('runs'),
    /** Only runs of this flow / in this list. */
    flow: z.string().optional(),
    state: RunListStateSchema.optional(),
  }),
  z.object({
    topic: z.literal('run'),
    runId: z.string().min(1),
    /** Send only the events after this seq (0 or absent: all of them). */
    after: z.number().int().nonnegative().optional(),
  }),
  z.object({ topic: z.literal('runners') }),
  z.object({
    topic: z.literal('log'),
    runId: z.string().min(1),
    node: z.string().min(1),
    /** Byte offset to start from (0: the beginning). */
    from: z.number().int().nonnegative().default(0),
  }),
]);
export type LiveTopic = z.input<typeof LiveTopicSchema>;

/** Client → hub. */
export const LiveClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auth'), token: z.string() }),
  z.object({ type: z.literal('subscribe'), sub: z.string().min(1).max(100), topic: LiveTopicSchema }),
  z.object({ type: z.literal('unsubscribe'), sub: z.string().min(1) }),
]);
export type LiveClientMessage = z.input<typeof LiveClientMessageSchema>;

/** Hub → client. */
export const LiveServerMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('authenticated'), name: z.string(), role: RoleSchema }),
  z.object({ type: z.literal('subscribed'), sub: z.string() }),
  z.object({ type: z.literal('unsubscribed'), sub: z.string() }),
  z.object({ type: z.literal('run-changed'), sub: z.string(), run: RunSummarySchema }),
  z.object({ type: z.literal('run'), sub: z.string(), run: RunDetailSchema }),
  z.object({ type: z.literal('run-event'), sub: z.string(), runId: z.string(), event: RunEventViewSchema }),
  z.object({ type: z.literal('runners'), sub: z.string(), runners: z.array(RunnerViewSchema) }),
  z.object({
    type: z.literal('log'),
    sub: z.string(),
    runId: z.string(),
    node: z.string(),
    /** Byte offset of `text`'s first byte in the node's log. */
    offset: z.number().int().nonnegative(),
    text: z.string(),
  }),
  z.object({
    type: z.literal('log-end'),
    sub: z.string(),
    runId: z.string(),
    node: z.string(),
    /** The log's length in bytes. */
    offset: z.number().int().nonnegative(),
  }),
  z.object({
    type: z.literal('error'),
    /** One of ApiErrorCodeSchema, read as any string so that a newer hub's code still reaches the view. */
    code: z.string(),
    message: z.string(),
    /** The subscription it concerns, when it concerns one (its subscription is dropped). */
    sub: z.string().optional(),
  }),
]);
export type LiveServerMessage = z.infer<typeof LiveServerMessageSchema>;
