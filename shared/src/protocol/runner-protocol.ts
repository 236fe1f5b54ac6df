// The hub ↔ runner protocol (DESIGN §5): one WebSocket per runner at /api/runners/connect, JSON text frames,
// every frame validated by these schemas on both sides.
//
// The life of a runner, in order:
//  1. Registration (HTTP, once): `POST /api/runners/register {token, name}` exchanges a one-time registration
//     token for the runner's own credential `{runnerId, credential}`, which the runner keeps (mode 0600) and the
//     hub stores only hashed. A token works once; a second use answers 401.
//  2. Connect: the runner opens the socket and sends `hello` first (credential, protocol version, name, tags,
//     slots, and the runs it still holds with the last sequence number the hub acknowledged). The hub answers
//     `welcome` (heartbeat and lease periods, and for each held run whether to `continue` it — resending records
//     after the hub's `ackedSeq` — or `stop` it) or `refused` with a code and a sentence saying what to do, then
//     closes. A refused `bad-credential` is final — the runner exits instead of retrying, unless it was given a
//     registration token it has not used yet, which it then exchanges for a new credential; every other failure
//     to connect (hub down, socket dropped, hub restarting) is retried with jittered exponential back-off.
//  3. Offer/accept: the hub sends `offer` with the run and an **epoch**; the runner answers `accept` (or
//     `decline` when it has no free slot or cannot run it). Its tasks start once the hub has stored the accept:
//     from version 7 the hub says so (`accepted`), before that the ack of the run's `start` record tells it. Every assignment of a run gets a higher epoch, and
//     every runner→hub message about a run carries the epoch it was given. The hub drops writes with a stale
//     epoch and answers `stop` — so a run is never executed twice, even after a reconnect race.
//  4. Liveness: the hub pings at the WebSocket level and both sides send `heartbeat` every `heartbeatMs`; the
//     runner's heartbeat names the runs it holds, which renews their leases, and from version 2 carries the
//     runner's own figures (`metrics`), which the hub's GET /metrics shows. A run whose lease is not renewed
//     within `leaseMs` is lost: archived `lost` (or re-queued when the flow says `requeue-lost`), its
//     resource-tags released. A socket that closes does not end a run by itself; the lease does. The runner
//     fences itself the same way: when it has heard nothing from the hub for `leaseMs` (less one heartbeat) it
//     cancels its runs of `requeue-lost` flows, since the hub may give those to another runner; other runs go on
//     and the hub says `continue` or `stop` for them when the runner is back.
//  5. Records: the runner drives the engine (shared/src/engine) and sends what happened as `record` messages,
//     numbered per run from 1 with no gaps: a `start` record, then `input` records (the engine inputs it
//     applied; the hub applies the same inputs to its copy of the run with the same pure engine, so both agree)
//     and `log` records (output chunks). Every record is appended to the runner's on-disk spool before it is
//     sent; the hub answers each `record` message with `ack` (the highest contiguous seq it has stored) and the
//     runner drops what is acknowledged. After a reconnect or a hub restart the runner resends everything after
//     the acknowledged seq; the hub ignores seqs it already has, so nothing is lost or doubled.
//  6. Steering: the hub forwards `cancel` and `data` (form input for a waiting node); the runner applies them
//     to its engine and reports them back as input records like any other. `stop` means the run is no longer
//     this runner's (stale epoch, lost, gone): the runner kills it at once and drops its spool, sending nothing
//     more about it.
//  7. The end of a run: the engine's state says the run ended (the hub sees it from the same records). The
//     runner forgets the run once its processes are gone and every record is acknowledged.
//  8. A runner that restarts after a crash first kills what its previous life left behind (the spool names the
//     runs and the mark each one's task processes carry in their environment), says hello with those runs,
//     resends their unacknowledged records and then ends each with one more `input` record, `{type: 'lost'}`:
//     its processes are gone.
//
//  9. Draining (version 2, docs/runners.md "Draining a runner"): the hub sends `drain` with `drained: true` when an
//     operator drains the runner (and right after `welcome` while it stays drained), `drained: false` when it is
//     undrained; the hub offers a drained runner nothing, and the runner declines what it is still offered, finishes
//     what it holds, then idles (or exits, with --exit-when-drained). A runner that drains on its own (SIGQUIT) says
//     `draining`, and the hub offers nothing more on that connection.
//
// Abuse: a frame over MAX_FRAME_BYTES is refused by the WebSocket layer (close 1009) before it is read. Bad JSON,
// an unknown type or a message that fails its schema gets an `error` answer and the connection stays open, until
// MAX_BAD_FRAMES of them: then the hub closes that socket (1008). Every other runner is unaffected. A binary frame
// (version 6: `log` records, log-frame.ts) that is malformed, or comes on a connection that agreed an older
// version, counts as a bad frame the same way; one about a run the runner does not hold is answered `stop`.
//
// Versions (DESIGN §5 "Protocol versions"): each side speaks MIN_PROTOCOL_VERSION to PROTOCOL_VERSION. The runner's
// hello names its range (`minProtocol` to `protocol`), the hub answers `welcome` with the newest version both speak,
// or `refused` `incompatible-version` with its own range (`minProtocol` to `protocol`) and a sentence naming both and
// which side to upgrade. A peer that sends no `minProtocol` speaks `protocol` alone (the first runners and hubs).
//
// Adding a message: add its schema to the union below, name it in SINCE_PROTOCOL with the next version and raise
// PROTOCOL_VERSION to it, send it only on connections that
// agreed on a version that has it (the hub keeps the agreed version with each connection; the runner has it from
// `welcome`), handle it in github-app/src/gateway/ and runner/src/connection/, and add a round-trip test. Raise
// MIN_PROTOCOL_VERSION only when no runner or hub in use speaks the versions below it.
import { z } from 'zod';
import { RunRecordSchema } from './run-record.js';
import { RunSpecSchema } from './run-spec.js';

/**
 * The version that brought each change since version 1 (which includes the optional range fields, `minProtocol`,
 * that a peer not knowing them ignores). A side sends a change only on a connection that agreed on its version or
 * later: `agreed >= SINCE_PROTOCOL.x`.
 */
export const SINCE_PROTOCOL = {
  /** The runner's `heartbeat` carries its `metrics` (RunnerMetricsSchema). */
  runnerMetrics: 2,
  /** The `start` record's `parallel`: matrix combinations at once (docs/runners.md "Matrices"). */
  startParallel: 3,
  /** `record` messages may hold `report` records (run-record.ts): annotations, test reports, summaries. */
  reportRecords: 4,
  /** `drain` (hub → runner) and `draining` (runner → hub): docs/runners.md "Draining a runner". */
  drain: 5,
  /** `log` records may come as binary frames, their text as raw bytes (log-frame.ts); other records stay JSON. */
  binaryLogs: 6,
  /** `accepted` (hub → runner): the hub has stored the accept, so the run's tasks may start (DESIGN §5). */
  accepted: 7,
} as const;

/** The newest version this side speaks, raised with every entry of SINCE_PROTOCOL. */
export const PROTOCOL_VERSION = 7;

/** The oldest version this side still speaks: peers whose range ends below it are refused. */
export const MIN_PROTOCOL_VERSION = 1;

/** Frames larger than this are refused by both sides; record batches are cut well below it (256 KiB). */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** Malformed frames the hub answers with `error` before it closes the socket. */
export const MAX_BAD_FRAMES = 10;

const RunId = z.string().min(1).max(200);
const RunRef = { runId: RunId, epoch: z.number().int().nonnegative() };

// ---------------------------------------------------------------------------------------------------------------
// Runner → hub

export const HeldRunSchema = z.object({ ...RunRef, ackedSeq: z.number().int().nonnegative() });
export type HeldRun = z.infer<typeof HeldRunSchema>;

export const RunnerSandboxSchema = z.object({
  sandboxed: z.boolean(),
  /** Why not (a sentence for people), when not sandboxed. */
  reason: z.string().max(500).optional(),
});
export type RunnerSandbox = z.infer<typeof RunnerSandboxSchema>;

export const HelloSchema = z.object({
  type: z.literal('hello'),
  /** The newest protocol version the runner speaks. */
  protocol: z.number().int(),
  /** The oldest it speaks; absent: `protocol` alone. */
  minProtocol: z.number().int().optional(),
  credential: z.string().min(1),
  name: z.string().min(1).max(200),
  tags: z.array(z.string().min(1)),
  slots: z.number().int().positive(),
  /** The floe version of the runner, for the runners view and the logs. */
  version: z.string(),
  runs: z.array(HeldRunSchema),
  /**
   * Whether the runner runs its tasks in a sandbox as an unprivileged user (DESIGN §9), and
   * if not, why. A runner that does not say (older than this field) is not sandboxed: untrusted runs are not
   * offered to it. An optional field, so no new protocol version: a hub that does not know it ignores it.
   */
  sandbox: RunnerSandboxSchema.optional(),
});
export type Hello = z.infer<typeof HelloSchema>;

/**
 * What a runner tells of itself on each heartbeat (protocol version 2), shown by the hub's `GET /metrics` labelled
 * with the runner's name. Bounded: a runner's word is input like any other.
 */
export const RunnerMetricsSchema = z.object({
  /** Runs it holds (running, or finished with records the hub has not stored yet). */
  runs: z.number().int().nonnegative().max(1_000_000),
  /** Runs whose tasks are still running. */
  running: z.number().int().nonnegative().max(1_000_000),
  /** Records in its spool the hub has not acknowledged. */
  unackedRecords: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** Its process's resident memory. */
  rssBytes: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER),
  /** CPU time (user and system) its process used since it started. */
  cpuSeconds: z.number().nonnegative().max(Number.MAX_SAFE_INTEGER),
});
export type RunnerMetrics = z.infer<typeof RunnerMetricsSchema>;

export const RunnerMessageSchema = z.discriminatedUnion('type', [
  HelloSchema,
  z.object({ type: z.literal('accept'), ...RunRef }),
  z.object({ type: z.literal('decline'), ...RunRef, reason: z.string() }),
  z.object({
    type: z.literal('heartbeat'),
    runs: z.array(z.object(RunRef)),
    /** Protocol version 2: the runner's own figures. */
    metrics: RunnerMetricsSchema.optional(),
  }),
  z.object({ type: z.literal('record'), ...RunRef, records: z.array(RunRecordSchema).min(1) }),
  /** Version 2: the runner drains on its own (SIGQUIT): offer it nothing more on this connection. */
  z.object({ type: z.literal('draining') }),
]);
export type RunnerMessage = z.infer<typeof RunnerMessageSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Hub → runner

export const RefusalCodeSchema = z.enum(['bad-credential', 'incompatible-version', 'bad-message']);
export type RefusalCode = z.infer<typeof RefusalCodeSchema>;

export const FrameErrorCodeSchema = z.enum(['bad-json', 'bad-message', 'unexpected', 'internal']);
export type FrameErrorCode = z.infer<typeof FrameErrorCodeSchema>;

export const WelcomeRunSchema = z.object({
  ...RunRef,
  action: z.enum(['continue', 'stop']),
  /** The highest contiguous seq the hub has stored for the run; the runner resends from the next one. */
  ackedSeq: z.number().int().nonnegative(),
});

export const HubMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('welcome'),
    /** The version agreed on: the newest both sides speak. */
    protocol: z.number().int(),
    runnerId: z.string(),
    heartbeatMs: z.number().int().positive(),
    leaseMs: z.number().int().positive(),
    /** For each run named in hello: keep executing and resend records after ackedSeq, or stop it. */
    runs: z.array(WelcomeRunSchema),
  }),
  /** The hub's protocol range comes along, so that the runner can say which side to upgrade. */
  z.object({
    type: z.literal('refused'),
    code: RefusalCodeSchema,
    message: z.string(),
    protocol: z.number().int(),
    minProtocol: z.number().int().optional(),
  }),
  z.object({ type: z.literal('offer'), ...RunRef, leaseMs: z.number().int().positive(), run: RunSpecSchema }),
  z.object({ type: z.literal('ack'), runId: RunId, seq: z.number().int().nonnegative() }),
  /**
   * Version 7: the hub has stored the runner's accept (the run is active, this runner's, at this epoch): its tasks
   * may start without waiting for the `start` record's ack.
   */
  z.object({ type: z.literal('accepted'), ...RunRef }),
  z.object({ type: z.literal('cancel'), ...RunRef, by: z.string().optional() }),
  z.object({
    type: z.literal('data'),
    ...RunRef,
    node: z.string(),
    values: z.record(z.string(), z.string()),
    by: z.string().optional(),
    reject: z.boolean().optional(),
  }),
  /** The run is no longer this runner's (stale epoch, lost and re-queued, or gone): kill it, drop its spool. */
  z.object({ type: z.literal('stop'), ...RunRef, reason: z.string() }),
  z.object({ type: z.literal('heartbeat') }),
  /** Version 2: an operator drained (or undrained) the runner; while drained it is offered nothing. */
  z.object({ type: z.literal('drain'), drained: z.boolean() }),
  /** A frame the hub could not accept; the connection stays open (until MAX_BAD_FRAMES). */
  z.object({ type: z.literal('error'), code: FrameErrorCodeSchema, message: z.string() }),
]);
export type HubMessage = z.infer<typeof HubMessageSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Decoding a frame

/** A frame read into a message, or why it could not be (an `error` code and a sentence for the sender). */
export type DecodedFrame<T> = { ok: true; message: T } | { ok: false; code: FrameErrorCode; message: string };

/**
 * Reads one text frame with `schema` (RunnerMessageSchema on the hub, HubMessageSchema on the runner). Never
 * throws: oversized, non-JSON and invalid frames come back as `{ok: false}` with the first problem named.
 */
export function decodeFrame<T>(
  schema: z.ZodType<T>,
  frame: string | Uint8Array,
  /** How bytes become text; default UTF-8 (the hub passes a faster one: shared/src/node/utf8-text.ts). */
  decode: (bytes: Uint8Array) => string = utf8,
): DecodedFrame<T> {
  if (frameBytes(frame) > MAX_FRAME_BYTES)
    return { ok: false, code: 'bad-message', message: `frame exceeds ${MAX_FRAME_BYTES} bytes` };
  const text = typeof frame === 'string' ? frame : decode(frame);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'bad-json', message: 'frame is not JSON' };
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return { ok: false, code: 'bad-message', message: `invalid message${where}: ${issue?.message ?? 'unknown'}` };
}

/** Node's Buffer decodes UTF-8 several times faster than TextDecoder (a chatty task's log comes in MiB frames). */
function utf8(bytes: Uint8Array): string {
  const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;
  return NodeBuffer
    ? NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
    : new TextDecoder().decode(bytes);
}

/** The frame's size in UTF-8 bytes, counted exactly only when the cheap bound says it may be over the limit. */
function frameBytes(frame: string | Uint8Array): number {
  if (typeof frame !== 'string') return frame.byteLength;
  // Each UTF-16 unit is at most 3 UTF-8 bytes.
  if (frame.length * 3 <= MAX_FRAME_BYTES) return frame.length;
  return new TextEncoder().encode(frame).byteLength;
}
