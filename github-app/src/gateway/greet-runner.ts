import { randomUUID } from 'node:crypto';
import {
  agreeProtocol,
  type HubMessage,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  type RunnerMessage,
  SINCE_PROTOCOL,
} from '@floe/shared';
import type { RunnerConnection } from './hub-core.js';
import { CLOSE_AWAY, CLOSE_POLICY, type RunnerSocketWriter } from './runner-socket-writer.js';
import type { RunnerSocketOptions, ServedRunner } from './serve-runner-socket.js';

/**
 * Answers a runner's hello: the protocol version both speak (DESIGN §5 "Protocol versions"), its credential, then
 * the core's answers for the runs it holds, in `welcome`. A newer socket of the same runner replaces the older.
 * `served` is told the runner as soon as it is known, before the core is asked anything.
 */
export async function greetRunner(
  message: Extract<RunnerMessage, { type: 'hello' }>,
  writer: RunnerSocketWriter,
  options: Pick<RunnerSocketOptions, 'core' | 'logger' | 'heartbeatMs' | 'leaseMs' | 'connected'>,
  served: (runner: ServedRunner) => void,
): Promise<void> {
  const { core, connected } = options;
  const agreed = agreeProtocol(
    { min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
    { min: message.minProtocol ?? message.protocol, max: message.protocol },
  );
  if ('message' in agreed) return writer.refuse('incompatible-version', agreed.message);
  const identity = await core.authenticateRunner(message.credential);
  if (!identity) return writer.refuse('bad-credential', 'runner credential rejected; re-register with a new token');
  if (writer.closed) return;
  const log = options.logger.child({ runner: message.name, runnerId: identity.runnerId });
  const connection: RunnerConnection = {
    id: randomUUID(),
    runnerId: identity.runnerId,
    name: message.name,
    tags: message.tags,
    slots: message.slots,
    protocol: agreed.version,
    sandbox: message.sandbox ?? { sandboxed: false, reason: 'the runner is older than task sandboxes' },
    draining: false,
    // Whatever path a message takes to this socket (this hub's verbs, or relayed from another hub), the runner
    // gets only what its agreed version has (DESIGN §5 "Protocol versions").
    send: (sent) => {
      if (speaks(agreed.version, sent)) writer.send(sent);
    },
    // Removed by an admin: closed after what the core sent before (the runs' stops). The runner reconnects, and
    // its hello is refused for a bad credential, which is final (it exits).
    close: (reason) => {
      log.info({ reason }, 'closing a removed runner');
      writer.close(CLOSE_POLICY, 'runner removed');
    },
  };
  writer.log = log;
  const previous = connected.get(identity.runnerId);
  const runner: ServedRunner = { connection, close: (reason) => writer.close(CLOSE_AWAY, reason) };
  served(runner);
  connected.set(identity.runnerId, runner);
  if (previous) {
    // The same runner reconnected before its old socket was seen to die: the old one goes, silently for the core
    // (the runner never stopped holding its runs).
    log.info('runner reconnected; closing its previous socket');
    previous.close('replaced by a newer connection');
    await core.runnerDisconnected(identity.runnerId, previous.connection);
  }
  const runs = await core.runnerConnected(connection, message.runs, message.version);
  writer.welcome({
    type: 'welcome',
    protocol: agreed.version,
    runnerId: identity.runnerId,
    heartbeatMs: options.heartbeatMs,
    leaseMs: options.leaseMs,
    runs,
  });
  log.info(
    {
      tags: message.tags,
      slots: message.slots,
      version: message.version,
      protocol: agreed.version,
      held: runs.length,
      sandboxed: connection.sandbox.sandboxed,
    },
    'runner connected',
  );
}

/** Whether a runner that agreed on `version` knows `message`. */
function speaks(version: number, message: HubMessage): boolean {
  if (message.type === 'drain') return version >= SINCE_PROTOCOL.drain;
  if (message.type === 'accepted') return version >= SINCE_PROTOCOL.accepted;
  return true;
}
